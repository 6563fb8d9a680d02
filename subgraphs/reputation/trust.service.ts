import type { EntityManager } from "typeorm";
import { writeLock } from "../../lib/database.js";
import { assessTrust } from "./scoring.js";
import { EvaluationEvidence, TrustProfile } from "./trust.entity.js";

/** The trust of an agent with no evidence: the newcomer prior. */
export function priorProfile(agentId: string): TrustProfile {
  return Object.assign(new TrustProfile(), {
    agentId,
    ...assessTrust({ passed: 0, failed: 0, runs: 0, lastRunPassed: null, lastRunFailedCriticalClauses: [] }),
    casesPassed: 0,
    casesFailed: 0,
    evaluationRuns: 0,
    lastRunPassed: null,
    lastRunFailedCriticalClauses: [],
    lastRunSubmittedAt: null,
    updatedAt: null,
  });
}

/** A judged evaluation run, as the judge reports it to reputation. */
export interface EvaluationOutcome {
  runId: string;
  agentId: string;
  pactId: string;
  pactVersion: number;
  casesPassed: number;
  casesFailed: number;
  runPassed: boolean;
  failedCriticalClauses: string[];
  submittedAt: Date;
  judgedAt: Date;
}

/**
 * Adds one judged run to the agent's trust, in the caller's transaction. Keyed by run id: a run
 * already recorded changes nothing. The update is O(1) in the agent's history: running totals.
 */
export async function recordEvaluation(manager: EntityManager, outcome: EvaluationOutcome): Promise<TrustProfile | null> {
  const recorded = await manager.existsBy(EvaluationEvidence, { runId: outcome.runId });
  if (recorded) return null;
  await manager.insert(EvaluationEvidence, Object.assign(new EvaluationEvidence(), outcome));

  // Make sure the row exists, then lock it, so concurrent judges of one agent serialise here. An
  // upsert, not INSERT IGNORE: on InnoDB the latter takes a shared lock on an existing row, and
  // two judges upgrading theirs to FOR UPDATE deadlock.
  await manager
    .createQueryBuilder()
    .insert()
    .into(TrustProfile)
    .values(priorProfile(outcome.agentId))
    .orUpdate(["agent_id"], ["agent_id"])
    .execute();
  const current = await manager.findOneOrFail(TrustProfile, { where: { agentId: outcome.agentId }, lock: writeLock(manager) });

  // Eligibility follows the most recently submitted run, whatever order the judges finish in.
  const latest = current.lastRunSubmittedAt === null || outcome.submittedAt >= current.lastRunSubmittedAt;
  const totals = {
    passed: current.casesPassed + outcome.casesPassed,
    failed: current.casesFailed + outcome.casesFailed,
    runs: current.evaluationRuns + 1,
    lastRunPassed: latest ? outcome.runPassed : current.lastRunPassed,
    lastRunFailedCriticalClauses: latest ? outcome.failedCriticalClauses : current.lastRunFailedCriticalClauses,
  };
  const next = Object.assign(new TrustProfile(), {
    agentId: outcome.agentId,
    ...assessTrust(totals),
    casesPassed: totals.passed,
    casesFailed: totals.failed,
    evaluationRuns: totals.runs,
    lastRunPassed: totals.lastRunPassed,
    lastRunFailedCriticalClauses: totals.lastRunFailedCriticalClauses,
    lastRunSubmittedAt: latest ? outcome.submittedAt : current.lastRunSubmittedAt,
    updatedAt: outcome.judgedAt,
  });
  // An UPDATE, not save(): save() looks the row up with a plain read, which under REPEATABLE READ
  // may come from a snapshot older than the row and then tries to INSERT it.
  const { agentId, ...changes } = next;
  await manager.update(TrustProfile, { agentId }, changes);
  return next;
}
