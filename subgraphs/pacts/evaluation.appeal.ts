import { In, type EntityManager } from "typeorm";
import type { JudgedRun } from "../../lib/dispute-ports.js";
import { writeLock } from "../../lib/database.js";
import { EvaluationCase, EvaluationRun } from "./evaluation-run.entity.js";
import { JuryVerdict } from "./jury-verdict.entity.js";
import { EvaluationRunStatus } from "./pact.enums.js";

/** A judged run whose verdict stands, as an appeal contests it. */
export async function findJudgedRun(manager: EntityManager, runId: string): Promise<JudgedRun | null> {
  const run = await manager.findOne(EvaluationRun, { select: { id: true, agentId: true, status: true, completedAt: true }, where: { id: runId } });
  if (!run || run.status !== EvaluationRunStatus.COMPLETED || !run.completedAt) return null;
  return { agentId: run.agentId, judgedAt: run.completedAt };
}

/**
 * Sets a judged run aside (a granted appeal): from now on later runs' windows leave its cases out.
 * Run rows are locked before the caller moves on to the agent's trust, the judge's order. False
 * when it is not a judged run whose verdict stands.
 */
export async function setRunAside(manager: EntityManager, runId: string): Promise<boolean> {
  const { affected } = await manager.update(EvaluationRun, { id: runId, status: EvaluationRunStatus.COMPLETED }, { status: EvaluationRunStatus.SET_ASIDE });
  if (affected !== 1) return false;
  const lock = writeLock(manager);
  if (lock) {
    // A judge holds its run's lock while it reads the run's window: waiting for the judges of the
    // agent's runs still pending in the workflow lets those finish first, and makes those after
    // read this run as set aside. No verdict from now on counts its cases.
    const { agentId, workflow } = await manager.findOneOrFail(EvaluationRun, { select: { id: true, agentId: true, workflow: true }, where: { id: runId } });
    await manager
      .createQueryBuilder(EvaluationRun, "r")
      .select("r.id")
      .where("r.agent_id = :agentId AND r.workflow = :workflow AND r.status IN (:...pending)", { agentId, workflow, pending: [EvaluationRunStatus.QUEUED, EvaluationRunStatus.AWAITING_REVIEW] })
      .setLock(lock.mode)
      .getMany();
  }
  return true;
}

/** The arbiters who decided the run's uncertain cases. */
export async function runReviewers(manager: EntityManager, runId: string): Promise<string[]> {
  const rows = await manager
    .createQueryBuilder(JuryVerdict, "v")
    .select("DISTINCT v.reviewer", "reviewer")
    .where("v.run_id = :runId AND v.reviewer IS NOT NULL", { runId })
    .getRawMany<{ reviewer: string }>();
  return rows.map((row) => row.reviewer);
}

/** Of the run ids and case ids given, those that are the agent's. */
export async function agentRunsAndCases(manager: EntityManager, agentId: string, runIds: string[], caseIds: string[]): Promise<{ runIds: Set<string>; caseIds: Set<string> }> {
  const runs = runIds.length ? await manager.find(EvaluationRun, { select: { id: true }, where: { agentId, id: In(runIds) } }) : [];
  const cases = caseIds.length ? await manager.find(EvaluationCase, { select: { runId: true, caseId: true }, where: { agentId, caseId: In(caseIds) } }) : [];
  return { runIds: new Set(runs.map((run) => run.id)), caseIds: new Set(cases.map((found) => found.caseId)) };
}
