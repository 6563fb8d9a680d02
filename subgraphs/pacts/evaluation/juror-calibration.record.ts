import type { DataSource, EntityManager } from "typeorm";
import { config } from "../../../lib/platform/config.js";
import { CaseOutcome, type PactMetric } from "../pact.enums.js";
import { JurorCalibration } from "./juror-calibration.entity.js";
import type { JuryCalibration } from "./jury/jury.convene.js";
import { type CalibrationPolicy, NO_LABELS, withLabel } from "./jury/juror-calibration.math.js";
import type { JuryVerdict } from "./jury-verdict.entity.js";

/**
 * A human review as a label for every juror that voted on the case: each answering juror's counts on
 * the verdict's metric move by one, in the review's transaction (review.decide.ts calls this right
 * after it stores the human verdict). A review is final and taken under the run's lock, so each
 * verdict is labelled once. Rows are updated in the order of their jurors' names, so two reviews
 * at once lock them in the same order; the rows exist already (created by `calibrationsFor` when the
 * jury deliberated), and one that does not, a verdict from before calibration, is created here.
 */
export async function recordJurorLabels(
  manager: EntityManager,
  verdict: Pick<JuryVerdict, "metric" | "votes">,
  human: CaseOutcome,
  decay = config().jury.calibration.decay,
): Promise<void> {
  if (human !== CaseOutcome.PASS && human !== CaseOutcome.FAIL) return;
  const answered = verdict.votes
    .filter((v) => v.verdict === "PASS" || v.verdict === "FAIL")
    .sort((a, b) => (a.juror < b.juror ? -1 : a.juror > b.juror ? 1 : 0));
  for (const vote of answered) {
    const juror = vote.verdict as "PASS" | "FAIL";
    const agreed = juror === human ? 1 : 0;
    const cell = juror === "PASS" ? (human === "PASS" ? "pass_pass" : "pass_fail") : human === "PASS" ? "fail_pass" : "fail_fail";
    const { affected } = await manager
      .createQueryBuilder()
      .update(JurorCalibration)
      .set({
        [cell === "pass_pass" ? "passPass" : cell === "pass_fail" ? "passFail" : cell === "fail_pass" ? "failPass" : "failFail"]: () =>
          `${cell} + 1`,
        recentAgreed: () => `recent_agreed * :decay + ${agreed}`,
        recentTotal: () => "recent_total * :decay + 1",
      })
      .where("juror = :juror AND metric = :metric", { juror: vote.juror, metric: verdict.metric })
      .setParameter("decay", decay)
      .execute();
    if (!affected)
      await manager.insert(JurorCalibration, {
        juror: vote.juror,
        metric: verdict.metric,
        ...withLabel(NO_LABELS, juror, human as "PASS" | "FAIL", decay),
      });
  }
}

/**
 * The calibration a jury deliberates with: every row of the panel's jurors on the metrics asked,
 * read in one query, after creating the missing ones in their own statements (no transaction is
 * open here), so that reviews later only update rows that exist.
 */
export async function calibrationsFor(
  dataSource: DataSource,
  jurors: readonly string[],
  metrics: readonly PactMetric[],
  policy: CalibrationPolicy,
): Promise<(metric: PactMetric) => JuryCalibration> {
  const rows =
    jurors.length && metrics.length
      ? await dataSource
          .getRepository(JurorCalibration)
          .createQueryBuilder("c")
          .where("c.juror IN (:...jurors) AND c.metric IN (:...metrics)", { jurors, metrics })
          .getMany()
      : [];
  const known = new Set(rows.map((r) => `${r.juror}\u0000${r.metric}`));
  const missing = jurors.flatMap((juror) =>
    metrics.filter((metric) => !known.has(`${juror}\u0000${metric}`)).map((metric) => ({ juror, metric })),
  );
  if (missing.length)
    await dataSource
      .createQueryBuilder()
      .insert()
      .into(JurorCalibration)
      .values(missing.map((key) => ({ ...key, ...NO_LABELS })))
      .orIgnore()
      .execute();
  const byKey = new Map(rows.map((r) => [`${r.juror}\u0000${r.metric}`, r]));
  return (metric) => ({ policy, of: (juror) => byKey.get(`${juror}\u0000${metric}`) });
}
