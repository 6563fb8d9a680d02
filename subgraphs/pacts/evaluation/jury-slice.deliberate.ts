import { randomUUID } from "node:crypto";
import type { DataSource } from "typeorm";
import type { PactClause } from "../authoring/pact.entity.js";
import { CaseOutcome, DecidedBy, EvaluationMethod } from "../pact.enums.js";
import { EvaluationCase, type EvaluationRun } from "./evaluation-run.entity.js";
import { isJuryJudged } from "./evaluation-run.judge.js";
import { caseValue, metricDefinition } from "./judging/metric.catalogue.js";
import { meets } from "./judging/run-verdict.math.js";
import { convene, type JuryBudget } from "./jury/jury.convene.js";
import { calibrationsFor } from "./juror-calibration.record.js";
import { builderSpend, SPEND_CAP_REACHED, spendPeriod } from "./jury-spend.reserve.js";
import type { JuryPanel } from "./jury/jury.panel.js";
import { JuryVerdict } from "./jury-verdict.entity.js";

/** The cases of slice `slice` of a run: consecutive positions, as evenly sized as the count allows. */
export function sliceBounds(caseCount: number, sliceCount: number, slice: number): { from: number; to: number } {
  const size = Math.ceil(caseCount / sliceCount);
  return { from: slice * size, to: Math.min(caseCount, (slice + 1) * size) };
}

/** How many judge jobs a run becomes: one, unless a jury must hear more cases than a slice holds. */
export function sliceCountFor(caseCount: number, clauses: readonly Pick<PactClause, "method">[], sliceCases: number): number {
  return clauses.some(isJuryJudged) ? Math.max(1, Math.ceil(caseCount / sliceCases)) : 1;
}

/** Runs `work` over `items` with at most `limit` in flight, keeping their order. */
async function pooled<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await work(items[index]!);
      }
    }),
  );
  return results;
}

/**
 * The jury's verdicts on one slice of a run: every case, under every jury-judged metric that
 * applies to it. Model calls take seconds, so this runs outside any transaction; what it returns
 * is stored (once) by `processJudgeJob`. For a HYBRID clause, a jury contradicting the
 * deterministic check makes the case UNCERTAIN, like a jury that cannot agree.
 */
export async function deliberate(
  dataSource: DataSource,
  run: EvaluationRun,
  clauses: readonly PactClause[],
  slice: number,
  panel: JuryPanel,
  now = new Date(),
): Promise<JuryVerdict[]> {
  // One verdict per metric and case, from the first clause naming the metric, even if two do.
  const juryClauses = clauses
    .filter(isJuryJudged)
    .filter((clause, index, all) => all.findIndex((other) => other.metric === clause.metric) === index);
  const { from, to } = sliceBounds(run.caseCount, run.sliceCount, slice);
  const cases = await dataSource
    .getRepository(EvaluationCase)
    .find({ where: { runId: run.id }, order: { position: "ASC" }, skip: from, take: to - from });
  const questions = cases.flatMap((c) =>
    juryClauses.flatMap((clause) => {
      const definition = metricDefinition(clause.metric);
      const value = caseValue(definition, { ...c, timings: c.timings ?? {} });
      if (value === null || !definition.juryQuestion) return [];
      const deterministic = meets(clause.comparator, value, clause.threshold) ? CaseOutcome.PASS : CaseOutcome.FAIL;
      return [
        {
          c,
          clause,
          deterministic,
          question: {
            metric: clause.metric,
            rubric: definition.juryQuestion,
            caseId: c.caseId,
            input: c.input,
            expected: c.expected,
            output: c.output,
          },
        },
      ];
    }),
  );
  // The builder who submitted the run pays; the period is the job's month, so a slice judged again
  // after the month turns draws on the new month's budget.
  const cap = panel.budget?.capUsd;
  const budget: JuryBudget | undefined =
    panel.budget && cap !== null && cap !== undefined
      ? { guard: builderSpend(dataSource, run.submittedBy, spendPeriod(now), cap), maxCallUsd: panel.budget.maxCallUsd }
      : undefined;
  // What reviews have said about each juror on each metric asked, read once for the slice.
  const calibrationOf = panel.calibration
    ? await calibrationsFor(
        dataSource,
        panel.jurors.map((j) => j.name),
        juryClauses.map((clause) => clause.metric),
        panel.calibration,
      )
    : undefined;
  return pooled(questions, panel.concurrency, async ({ c, clause, deterministic, question }) => {
    const verdict = await convene(panel.jurors, question, panel.policy, { budget, calibration: calibrationOf?.(clause.metric) });
    // Waiting: the job fails with the reason recorded, and SQS and the reconciler bring it back.
    if (verdict.uncertainBecause === SPEND_CAP_REACHED && panel.budget?.whenCapped === "wait")
      throw new Error(`${SPEND_CAP_REACHED}; the slice waits for the next period or a higher cap`);
    const hybrid = clause.method === EvaluationMethod.HYBRID;
    const contradicted = hybrid && verdict.outcome !== "UNCERTAIN" && verdict.outcome !== deterministic;
    const juryOutcome = verdict.outcome as CaseOutcome;
    const outcome = contradicted ? CaseOutcome.UNCERTAIN : juryOutcome;
    return Object.assign(new JuryVerdict(), {
      id: randomUUID(),
      runId: run.id,
      caseId: c.caseId,
      agentId: run.agentId,
      metric: clause.metric,
      clauseKey: clause.key,
      method: clause.method,
      deterministicOutcome: hybrid ? deterministic : null,
      juryOutcome,
      uncertainBecause: contradicted ? `the deterministic check says ${deterministic}, the jury ${juryOutcome}` : verdict.uncertainBecause,
      votes: verdict.votes,
      majorityShare: verdict.majorityShare,
      costUsd: verdict.costUsd,
      outcome,
      decidedBy: outcome === CaseOutcome.UNCERTAIN ? null : DecidedBy.JURY,
      reviewer: null,
      reviewNote: null,
      reviewedAt: null,
      createdAt: now,
    });
  });
}
