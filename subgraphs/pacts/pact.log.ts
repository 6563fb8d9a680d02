import type { EntityManager } from "typeorm";
import { type AppendLogEntry, LogEntryKind } from "../../lib/contracts/transparency-log.js";
import type { Pact } from "./authoring/pact.entity.js";
import type { ClauseOutcome } from "./pact.enums.js";

/*
 * The pacts context's port to the transparency log: a version put in force or retired, a run's
 * verdict, an arbiter's review of a case, each in the transaction of the act. The runtime installs
 * the log (runtime/contexts.ts); with none installed (the context's own tests) nothing is logged.
 * Entries carry only what anyone may read in the pacts subgraph (pacts.access.ts): versions that
 * were in force, run verdicts and clause outcomes; never escalation contacts, jury detail, who
 * reviewed a case or in which words.
 */

let append: AppendLogEntry | null = null;

/** Where the pacts context's acts are logged from now on; null stops logging. */
export function logPactActsTo(appendEntry: AppendLogEntry | null): void {
  append = appendEntry;
}

type LoggedPact = Pick<Pact, "id" | "agentId" | "workflow" | "version" | "template">;

/** PACT_ACTIVATED: `pact` came into force, superseding `superseded` (null for an agent's first in the workflow). */
export async function logPactActivated(
  manager: EntityManager,
  pact: LoggedPact,
  superseded: Pick<Pact, "id" | "version"> | null,
  at: Date,
): Promise<void> {
  if (!append) return;
  await append(manager, {
    kind: LogEntryKind.PACT_ACTIVATED,
    subject: pact.agentId,
    payload: {
      pactId: pact.id,
      workflow: pact.workflow,
      version: pact.version,
      template: pact.template,
      supersededPactId: superseded?.id ?? null,
      supersededVersion: superseded?.version ?? null,
    },
    at,
  });
}

/**
 * PACT_RETIRED: a version that was in force was withdrawn. A discarded draft is not logged: it
 * never bound the agent, and pacts.access.ts (maySeePact) keeps it from the public.
 */
export async function logPactRetired(manager: EntityManager, pact: LoggedPact, reason: string | null, at: Date): Promise<void> {
  if (!append) return;
  await append(manager, {
    kind: LogEntryKind.PACT_RETIRED,
    subject: pact.agentId,
    payload: { pactId: pact.id, workflow: pact.workflow, version: pact.version, reason },
    at,
  });
}

/** What RUN_VERDICT records of a decided run. */
export interface LoggedVerdict {
  runId: string;
  agentId: string;
  workflow: string;
  pactId: string;
  pactVersion: number;
  casesPassed: number;
  casesFailed: number;
  passed: boolean;
  weightedPassShare: number;
  failedCriticalClauses: string[];
  clauses: { key: string; outcome: ClauseOutcome; observed: number | null; sampleSize: number }[];
  judgedAt: Date;
}

/** RUN_VERDICT: a run was decided, in the judge's transaction. */
export async function logRunVerdict(manager: EntityManager, verdict: LoggedVerdict): Promise<void> {
  if (!append) return;
  const { agentId, judgedAt, ...payload } = verdict;
  await append(manager, { kind: LogEntryKind.RUN_VERDICT, subject: agentId, payload: { ...payload }, at: judgedAt });
}

/** What HUMAN_REVIEW records of an arbiter's decision on an uncertain case. */
export interface LoggedReview {
  reviewId: string;
  agentId: string;
  runId: string;
  metric: string;
  outcome: string;
  reviewedAt: Date;
}

/**
 * HUMAN_REVIEW: an arbiter decided a case the jury could not. Who reviewed it, and the note in
 * their words, are left out on purpose: the reviewer is for arbiters only (pacts.access.ts,
 * mayReadReviewer; docs/judges.md), and a public, append-only log could never take it back. So is
 * the case's id, the builder's own evidence label, which only the run's jury detail shows
 * (mayReadJuryDetail); the review's id names the case to those who may read it.
 */
export async function logHumanReview(manager: EntityManager, review: LoggedReview): Promise<void> {
  if (!append) return;
  const { agentId, reviewedAt, ...payload } = review;
  await append(manager, { kind: LogEntryKind.HUMAN_REVIEW, subject: agentId, payload: { ...payload }, at: reviewedAt });
}
