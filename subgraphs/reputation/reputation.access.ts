import type { DirectoryEntry } from "../../lib/contracts/agent-directory.js";
import { ForbiddenError } from "../../lib/platform/errors.js";
import { isArbiterOr, requireRole, requireScope, type Identity } from "../../lib/platform/identity.js";

/*
 * Who may do what in the reputation context, in one place:
 * - An agent's trust (scores, tier, listing, consequence standing), its score and eligibility
 *   histories, its scorecard and the search by trust are public.
 * - An agent's escalations (steps taken and lifted, and who is told) are for its builder and
 *   arbiters, who alone see and acknowledge them.
 * - Arbiters recompute an agent's trust and lift the consequence standing on it.
 * - KPI reports are filed by buyers (about any agent they run) and builders (about their own
 *   agents only).
 * - A partner's API key reads trust (the public fields above) only with the scope reputation:read.
 * - The trust change feed is for partners (an API key needs feed:read), operators and arbiters:
 *   it is the marketplace-wide stream partners build on, not a page a buyer or builder browses.
 */

/** Trust, its histories, scorecards and search: open to all, but an API key needs reputation:read. */
export function requireTrustReader(identity: Identity): void {
  requireScope(identity, "reputation:read");
}

/** The trust change feed: partners, operators and arbiters; an API key needs feed:read. */
export function requireFeedReader(identity: Identity): void {
  requireRole(identity, "partner", "operator", "arbiter");
  requireScope(identity, "feed:read");
}

/** Arbiters recompute an agent's trust from all its evidence. Returns the arbiter's subject. */
export function requireTrustAuditor(identity: Identity): string {
  return requireRole(identity, "arbiter");
}

/** Arbiters lift the consequence standing on an agent (not one they own: requireUninvolvedLifter). Returns the arbiter's subject. */
export function requireConsequenceLifter(identity: Identity): string {
  return requireRole(identity, "arbiter");
}

/**
 * An arbiter never lifts a consequence from an agent they own: a subject is one person across
 * roles, and lifting is a judgement, as deciding a review or a dispute is, where the same rule holds.
 */
export function requireUninvolvedLifter(arbiter: string, agent: Pick<DirectoryEntry, "ownerId">): void {
  if (agent.ownerId === arbiter) throw new ForbiddenError("An arbiter does not lift a consequence from an agent they own");
}

/**
 * Escalations are for builders (of the agent only: requireEscalationReader,
 * requireEscalationAcknowledger) and arbiters; checked before anything is read. Returns the
 * caller's subject.
 */
export function requireEscalationFollower(identity: Identity): string {
  return requireRole(identity, "builder", "arbiter");
}

/** Only the agent's builder (`ownerId`; null for an unknown agent) and arbiters see its escalations. */
export function requireEscalationReader(identity: Identity, ownerId: string | null): void {
  if (!isArbiterOr(identity, "builder", ownerId ?? ""))
    throw new ForbiddenError("Only the agent's builder and arbiters see its escalations");
}

/** Only the agent's builder (`ownerId`; null for an unknown agent) and arbiters acknowledge its escalations. */
export function requireEscalationAcknowledger(identity: Identity, ownerId: string | null): void {
  if (!isArbiterOr(identity, "builder", ownerId ?? ""))
    throw new ForbiddenError("Only the agent's builder and arbiters acknowledge its escalations");
}

/** Who files a KPI report, and in which role: recorded with the report. */
export interface KpiReporter {
  subject: string;
  role: "buyer" | "builder";
}

/** KPI reports are filed by buyers running an agent and builders (about their own: requireReportableAgent). */
export function requireKpiReporter(identity: Identity): KpiReporter {
  const subject = requireRole(identity, "buyer", "builder");
  return { subject, role: identity.role === "builder" ? "builder" : "buyer" };
}

/** A builder reports only on its own agents; a buyer on any agent. */
export function requireReportableAgent(reporter: KpiReporter, agent: Pick<DirectoryEntry, "ownerId">): void {
  if (reporter.role === "builder" && agent.ownerId !== reporter.subject)
    throw new ForbiddenError("A builder reports only on its own agents");
}
