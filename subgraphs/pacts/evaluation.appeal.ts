import type { EntityManager } from "typeorm";
import type { JudgedRun } from "../../lib/appeal-targets.js";
import { EvaluationRun } from "./evaluation-run.entity.js";
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
 * The conditional update takes the run's row lock first, as the judge does, before the caller
 * moves on to the agent's trust. False when it is not a judged run whose verdict stands.
 */
export async function setRunAside(manager: EntityManager, runId: string): Promise<boolean> {
  const { affected } = await manager.update(EvaluationRun, { id: runId, status: EvaluationRunStatus.COMPLETED }, { status: EvaluationRunStatus.SET_ASIDE });
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
