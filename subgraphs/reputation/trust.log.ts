import type { EntityManager } from "typeorm";
import { type AppendLogEntry, LogEntryKind } from "../../lib/contracts/transparency-log.js";
import { type Escalation, EscalationDirection, TrustCause } from "./trust-history.entity.js";
import type { TrustProfile } from "./trust.entity.js";
import type { TrustChange } from "./trust.settle.js";

/*
 * Reputation's port to the transparency log: each settled change of an agent's scores, each
 * listing decision, and each consequence step taken or lifted, as log entries, in the settling
 * transaction. The runtime installs the log
 * (runtime/contexts.ts); with none installed (a context's own tests) nothing is logged.
 */

let append: AppendLogEntry | null = null;

/** Where trust changes are logged from now on; null stops logging. */
export function logTrustChangesTo(appendEntry: AppendLogEntry | null): void {
  append = appendEntry;
}

type Logged = Pick<
  TrustProfile,
  | "agentId"
  | "compositeScore"
  | "compositeConfidence"
  | "reputationScore"
  | "reputationConfidence"
  | "tier"
  | "eligible"
  | "consequence"
  | "reasons"
  | "policyVersion"
>;

const scores = (profile: Logged) => ({
  compositeScore: profile.compositeScore,
  compositeConfidence: profile.compositeConfidence,
  reputationScore: profile.reputationScore,
  reputationConfidence: profile.reputationConfidence,
});

/**
 * Logs what a settled change moved: TRUST_CHANGE when a score or confidence moved, ELIGIBILITY
 * when the listing decision (eligibility, tier, consequence) did, with the policy's reasons.
 */
export async function logTrustChange(
  manager: EntityManager,
  before: Logged,
  after: Logged,
  change: TrustChange,
  moved: { scores: boolean; listing: boolean },
): Promise<void> {
  if (!append) return;
  const cause = { cause: change.cause, causeId: change.causeId };
  if (moved.scores)
    await append(manager, {
      kind: LogEntryKind.TRUST_CHANGE,
      subject: after.agentId,
      payload: { ...cause, before: scores(before), after: scores(after) },
      at: change.at,
    });
  if (moved.listing)
    await append(manager, {
      kind: LogEntryKind.ELIGIBILITY,
      subject: after.agentId,
      payload: {
        ...cause,
        eligible: after.eligible,
        tier: after.tier,
        consequence: after.consequence,
        reasons: after.reasons,
        policyVersion: after.policyVersion,
      },
      at: change.at,
    });
}

/** Who took a standing step away: the ladder's own way back, an arbiter, or a granted appeal. */
const liftedBy = (cause: TrustCause) => (cause === TrustCause.ARBITER ? "ARBITER" : cause === TrustCause.DISPUTE ? "APPEAL" : "LADDER");

/**
 * Logs a consequence step taken (CONSEQUENCE_STEP, with the trigger that held) or lifted
 * (CONSEQUENCE_LIFTED, with who lifted it). Never the reason of a lift, which names the arbiter,
 * nor the owner's contact: the escalation itself is for the owner and arbiters (docs/transparency.md).
 */
export async function logConsequence(manager: EntityManager, escalation: Escalation): Promise<void> {
  if (!append || escalation.action === null) return;
  const step = { escalationId: escalation.id, pactId: escalation.pactId, action: escalation.action };
  const cause = { cause: escalation.cause, causeId: escalation.causeId };
  await append(
    manager,
    escalation.direction === EscalationDirection.FIRED
      ? {
          kind: LogEntryKind.CONSEQUENCE_STEP,
          subject: escalation.agentId,
          payload: { ...step, ...cause, reason: escalation.reason },
          at: escalation.createdAt,
        }
      : {
          kind: LogEntryKind.CONSEQUENCE_LIFTED,
          subject: escalation.agentId,
          payload: { ...step, ...cause, liftedBy: liftedBy(escalation.cause) },
          at: escalation.createdAt,
        },
  );
}
