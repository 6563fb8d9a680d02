import { describe, expect, it } from "vitest";
import { AlertSeverity, PactMetric } from "../../pact.enums.js";
import { convene, decide, type JuryCalibration, type JuryPolicy, type MemberVote } from "../jury/jury.convene.js";
import {
  agreementOf,
  type CalibrationCounts,
  type CalibrationPolicy,
  NO_LABELS,
  standingOf,
  withLabel,
} from "../jury/juror-calibration.math.js";
import { ModelCallError, type JuryQuestion, type ModelAnswer, type ModelJudge, type VoteVerdict } from "../jury/model.juror.js";

const CALIBRATION: CalibrationPolicy = { target: 0.8, minLabels: 5, decay: 0.9 };
const POLICY: JuryPolicy = { timeoutMs: 2_000, retries: 0, backoffMs: 0, quorum: 2, minAgreement: 0.75, minConfidence: 0.6 };

const labelled = (pairs: [VoteVerdict, VoteVerdict][], decay = CALIBRATION.decay): CalibrationCounts =>
  pairs.reduce((counts, [juror, human]) => withLabel(counts, juror, human, decay), NO_LABELS);

function vote(juror: string, verdict: VoteVerdict | "ABSTAIN"): MemberVote {
  return {
    juror,
    verdict,
    confidence: verdict === "ABSTAIN" ? null : 0.9,
    rationale: "",
    error: verdict === "ABSTAIN" ? "down" : null,
    attempts: 1,
    inputTokens: 0,
    outputTokens: 0,
    costUsd: 0,
    latencyMs: 0,
  };
}

describe("juror calibration math", () => {
  it("computes accuracy, its Wilson bound and Cohen's kappa from the counts", () => {
    // 8 PASS/PASS, 2 PASS/FAIL, 1 FAIL/PASS, 9 FAIL/FAIL: accuracy 17/20, kappa (0.85 - 0.5) / 0.5 = 0.7.
    const counts = labelled([
      ...Array<[VoteVerdict, VoteVerdict]>(8).fill(["PASS", "PASS"]),
      ...Array<[VoteVerdict, VoteVerdict]>(2).fill(["PASS", "FAIL"]),
      ["FAIL", "PASS"],
      ...Array<[VoteVerdict, VoteVerdict]>(9).fill(["FAIL", "FAIL"]),
    ]);
    const agreement = agreementOf(counts);
    expect(agreement.labels).toBe(20);
    expect(agreement.accuracy).toBeCloseTo(0.85, 12);
    expect(agreement.kappa).toBeCloseTo(0.7, 12);
    expect(agreement.accuracyLowerBound).toBeCloseTo(0.6396, 3);
    expect(agreementOf(NO_LABELS)).toEqual({ labels: 0, accuracy: null, accuracyLowerBound: null, kappa: null, recentAgreement: null });
  });

  it("weighs recent labels more: a long good past does not hide a drift", () => {
    const good = Array<[VoteVerdict, VoteVerdict]>(100).fill(["PASS", "PASS"]);
    const drifted = labelled([...good, ...Array<[VoteVerdict, VoteVerdict]>(10).fill(["PASS", "FAIL"])]);
    expect(agreementOf(drifted).accuracy).toBeCloseTo(100 / 110, 12);
    expect(agreementOf(drifted).recentAgreement).toBeCloseTo(0.9 ** 10, 4);
    expect(standingOf(drifted, CALIBRATION)).toMatchObject({ below: true });
  });

  it("holds no juror to the target before it has enough labels", () => {
    const few = labelled(Array<[VoteVerdict, VoteVerdict]>(4).fill(["PASS", "FAIL"]));
    expect(standingOf(few, CALIBRATION)).toEqual({ weight: 1, below: false, agreement: null });
    expect(standingOf(undefined, CALIBRATION)).toEqual({ weight: 1, below: false, agreement: null });
  });
});

describe("decide with a calibration", () => {
  const of = (table: Record<string, CalibrationCounts>): JuryCalibration => ({ policy: CALIBRATION, of: (juror) => table[juror] });
  const good = labelled(Array<[VoteVerdict, VoteVerdict]>(10).fill(["PASS", "PASS"]));
  const poor = labelled([
    ...Array<[VoteVerdict, VoteVerdict]>(6).fill(["PASS", "PASS"]),
    ...Array<[VoteVerdict, VoteVerdict]>(4).fill(["PASS", "FAIL"]),
  ]);

  it("sends a case a juror below the target answered to humans, naming the juror", () => {
    const result = decide([vote("a", "PASS"), vote("b", "PASS"), vote("d", "PASS")], POLICY, of({ a: good, b: good, d: poor }));
    expect(result.outcome).toBe("UNCERTAIN");
    expect(result.uncertainBecause).toMatch(
      /^juror d agrees with reviewers on 0\.\d\d of its recent reviewed cases of this metric, below the target 0\.8$/,
    );
    // The same votes stand without calibration, and when the juror below the target abstained.
    expect(decide([vote("a", "PASS"), vote("b", "PASS"), vote("d", "PASS")], POLICY).outcome).toBe("PASS");
    expect(decide([vote("a", "PASS"), vote("b", "PASS"), vote("d", "ABSTAIN")], POLICY, of({ a: good, b: good, d: poor })).outcome).toBe(
      "PASS",
    );
  });

  it("weighs votes by recent agreement: a 2–1 split can reach the share a reliable juror's dissent would not allow", () => {
    const fair = labelled([
      ...Array<[VoteVerdict, VoteVerdict]>(3).fill(["PASS", "FAIL"]),
      ...Array<[VoteVerdict, VoteVerdict]>(20).fill(["PASS", "PASS"]),
    ]);
    const votes = [vote("a", "FAIL"), vote("b", "FAIL"), vote("c", "PASS")];
    const weighted = decide(votes, { ...POLICY, minAgreement: 0.67 }, of({ a: good, b: good, c: fair }));
    const share = 2 / (2 + agreementOf(fair).recentAgreement!);
    expect(weighted).toEqual({ outcome: "FAIL", majorityShare: share, uncertainBecause: null });
    expect(decide(votes, { ...POLICY, minAgreement: 0.67 }).outcome).toBe("UNCERTAIN");
  });
});

// ---------------------------------------------------------------------------------------------
// A drifting juror, end to end through convene: two jurors of one model family that drift together,
// and a steady juror that is always right but abstains on every third case (a throttled provider).
// When the steady juror abstains, the drifted pair alone decides: wrong, and no human sees it. The
// only labels are the cases humans review (UNCERTAIN ones), reviewed after each run.

const RUN_CASES = 30;
const RUNS = 10;
/** Share of cases the drifting jurors get wrong in run `r`: none for two runs, then 0.15 more each run. */
const drift = (run: number) => Math.min(1, Math.max(0, (run - 1) * 0.15));
const truth = (i: number): VoteVerdict => (i % 2 === 0 ? "PASS" : "FAIL");
const flip = (v: VoteVerdict): VoteVerdict => (v === "PASS" ? "FAIL" : "PASS");
/** Deterministic stand-in for chance: case `t` is among the drifted ones in run `r` when its hash falls under the drift. */
const drifted = (run: number, t: number) => (t * 37) % 100 < drift(run) * 100;

interface CaseRef {
  run: number;
  t: number;
}
const questionOf = ({ run, t }: CaseRef): JuryQuestion => ({
  metric: PactMetric.SEVERITY_CLASSIFICATION_ACCURACY,
  rubric: "Is the agent's severity right for this alert?",
  caseId: `${run}-${t}`,
  input: {},
  expected: { severity: AlertSeverity.HIGH },
  output: { severity: AlertSeverity.HIGH },
});
const refOf = (question: JuryQuestion): CaseRef => {
  const [run, t] = question.caseId.split("-").map(Number);
  return { run: run!, t: t! };
};
const answer = (verdict: VoteVerdict): ModelAnswer => ({
  vote: { verdict, confidence: 0.9, rationale: "" },
  inputTokens: 0,
  outputTokens: 0,
  costUsd: 0,
});

const steady: ModelJudge = {
  name: "steady",
  async judge(question) {
    const { t } = refOf(question);
    if (t % 3 === 2) throw new ModelCallError("throttled", false);
    return answer(truth(t));
  },
};
/** A juror whose answers degrade over time: right, then wrong on a growing share of cases. */
const drifting = (name: string): ModelJudge => ({
  name,
  async judge(question) {
    const { run, t } = refOf(question);
    return answer(drifted(run, t) ? flip(truth(t)) : truth(t));
  },
});

/** Runs the runs; returns each run's agreement with humans and the runs where a juror was sent to humans for its calibration. */
async function simulate(calibrate: boolean): Promise<{ agreement: number[]; routedRuns: number[] }> {
  const jurors = [steady, drifting("drift:a"), drifting("drift:b")];
  const table = new Map<string, CalibrationCounts>();
  const agreement: number[] = [];
  const routedRuns: number[] = [];
  for (let run = 0; run < RUNS; run += 1) {
    // The jury deliberates a run with what reviews said up to its start.
    const snapshot = new Map(table);
    const calibration: JuryCalibration | undefined = calibrate ? { policy: CALIBRATION, of: (j) => snapshot.get(j) } : undefined;
    let agreed = 0;
    for (let t = run * RUN_CASES; t < (run + 1) * RUN_CASES; t += 1) {
      const decision = await convene(jurors, questionOf({ run, t }), POLICY, { calibration });
      if (decision.outcome !== "UNCERTAIN") {
        agreed += decision.outcome === truth(t) ? 1 : 0;
        continue;
      }
      // A human decides: right by definition, and a label for every juror that answered.
      agreed += 1;
      if (decision.uncertainBecause?.includes("below the target")) routedRuns.push(run);
      for (const v of decision.votes)
        if (v.verdict !== "ABSTAIN") table.set(v.juror, withLabel(table.get(v.juror) ?? NO_LABELS, v.verdict, truth(t), CALIBRATION.decay));
    }
    agreement.push(agreed / RUN_CASES);
  }
  return { agreement, routedRuns: [...new Set(routedRuns)] };
}

describe("a drifting juror", () => {
  it("without calibration, drags the jury's agreement with humans below the target (what the calibrated test guards against)", async () => {
    const { agreement } = await simulate(false);
    expect(Math.min(...agreement)).toBeLessThan(CALIBRATION.target);
  });

  it("is noticed and its cases routed to humans before the jury's agreement on any run drops below the target", async () => {
    const control = await simulate(false);
    const firstBelow = control.agreement.findIndex((a) => a < CALIBRATION.target);
    const { agreement, routedRuns } = await simulate(true);
    expect(routedRuns.length).toBeGreaterThan(0);
    expect(routedRuns[0]).toBeLessThan(firstBelow);
    for (const [run, a] of agreement.entries()) expect({ run, agreement: a >= CALIBRATION.target }).toEqual({ run, agreement: true });
  });
});
