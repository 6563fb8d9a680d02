import { In, type EntityManager } from "typeorm";
import type { ContestedRun } from "../../../lib/contracts/dispute-ports.js";
import { writeLock } from "../../../lib/platform/database.js";
import { EvaluationCase, EvaluationRun } from "./evaluation-run.entity.js";
import { lockRunWindow } from "./evaluation-run.judge.js";
import { JuryVerdict } from "./jury-verdict.entity.js";
import { EvaluationRunStatus } from "../pact.enums.js";

/** A judged run, as an appeal contests it; null for one not judged (yet, or ever). */
export async function findContestedRun(manager: EntityManager, runId: string): Promise<ContestedRun | null> {
  const run = await manager.findOne(EvaluationRun, {
    select: { id: true, agentId: true, status: true, completedAt: true },
    where: { id: runId },
  });
  const judged = run?.status === EvaluationRunStatus.COMPLETED || run?.status === EvaluationRunStatus.SET_ASIDE;
  if (!run || !judged || !run.completedAt) return null;
  return { agentId: run.agentId, judgedAt: run.completedAt, standing: run.status === EvaluationRunStatus.COMPLETED };
}

/**
 * Locks a contested run and its agent's window in its workflow, before any plain read of the
 * grant's transaction (the judge's order: the run, then the window). Judges still deciding the
 * agent's runs finish first, and later ones read the run as set aside: no verdict from then on
 * counts its cases.
 */
export async function lockContestedRun(manager: EntityManager, runId: string): Promise<{ agentId: string } | null> {
  const run = await manager.findOne(EvaluationRun, {
    select: { id: true, agentId: true, workflow: true },
    where: { id: runId },
    lock: writeLock(manager),
  });
  if (!run) return null;
  await lockRunWindow(manager, run.agentId, run.workflow);
  return { agentId: run.agentId };
}

/** Sets a judged run aside (a granted appeal), under lockContestedRun; false when it is not a judged run whose verdict stands. */
export async function setRunAside(manager: EntityManager, runId: string): Promise<boolean> {
  const { affected } = await manager.update(
    EvaluationRun,
    { id: runId, status: EvaluationRunStatus.COMPLETED },
    { status: EvaluationRunStatus.SET_ASIDE },
  );
  return affected === 1;
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
export async function agentRunsAndCases(
  manager: EntityManager,
  agentId: string,
  runIds: string[],
  caseIds: string[],
): Promise<{ runIds: Set<string>; caseIds: Set<string> }> {
  const runs = runIds.length ? await manager.find(EvaluationRun, { select: { id: true }, where: { agentId, id: In(runIds) } }) : [];
  const cases = caseIds.length
    ? await manager.find(EvaluationCase, { select: { runId: true, caseId: true }, where: { agentId, caseId: In(caseIds) } })
    : [];
  return { runIds: new Set(runs.map((run) => run.id)), caseIds: new Set(cases.map((found) => found.caseId)) };
}
