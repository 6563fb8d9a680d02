import { afterEach, describe, expect, it, vi } from "vitest";
import { convene, decide, fleissKappa, type JuryPolicy, type MemberVote } from "../jury/jury.convene.js";
import { ModelCallError, type JuryQuestion, type ModelAnswer, type ModelJudge, type VoteVerdict } from "../jury/model.juror.js";
import { AlertSeverity, PactMetric } from "../../pact.enums.js";

const QUESTION: JuryQuestion = {
  metric: PactMetric.SEVERITY_CLASSIFICATION_ACCURACY,
  rubric: "Is the agent's severity right for this alert?",
  caseId: "case-1",
  input: { alert: "x" },
  expected: { severity: AlertSeverity.HIGH },
  output: { severity: AlertSeverity.HIGH },
};

const POLICY: JuryPolicy = { timeoutMs: 5_000, retries: 2, backoffMs: 100, quorum: 2, minAgreement: 0.6, minConfidence: 0.5 };

// ---------------------------------------------------------------------------------------------
// decide()

function vote(verdict: VoteVerdict | "ABSTAIN", confidence: number | null = verdict === "ABSTAIN" ? null : 0.9, juror = "j"): MemberVote {
  return {
    juror,
    verdict,
    confidence,
    rationale: "",
    error: verdict === "ABSTAIN" ? "down" : null,
    attempts: 1,
    inputTokens: 0,
    outputTokens: 0,
    costUsd: 0,
    latencyMs: 0,
  };
}

const DECIDE = { quorum: 2, minAgreement: 0.6, minConfidence: 0.5 };

describe("decide", () => {
  it("a unanimous PASS stands", () => {
    expect(decide([vote("PASS"), vote("PASS"), vote("PASS")], DECIDE)).toEqual({
      outcome: "PASS",
      majorityShare: 1,
      uncertainBecause: null,
    });
  });

  it("a unanimous FAIL stands", () => {
    expect(decide([vote("FAIL"), vote("FAIL"), vote("FAIL")], DECIDE)).toEqual({
      outcome: "FAIL",
      majorityShare: 1,
      uncertainBecause: null,
    });
  });

  it("a 2–1 split is uncertain when 0.75 agreement is required, naming 2 of 3", () => {
    const result = decide([vote("PASS"), vote("FAIL"), vote("PASS")], { ...DECIDE, minAgreement: 0.75 });
    expect(result.outcome).toBe("UNCERTAIN");
    expect(result.majorityShare).toBeCloseTo(2 / 3, 12);
    expect(result.uncertainBecause).toBe("the jurors disagree: 2 of 3 say PASS");
  });

  it("a 2–1 FAIL split names the FAIL majority", () => {
    const result = decide([vote("FAIL"), vote("FAIL"), vote("PASS")], { ...DECIDE, minAgreement: 0.75 });
    expect(result).toEqual({ outcome: "UNCERTAIN", majorityShare: 2 / 3, uncertainBecause: "the jurors disagree: 2 of 3 say FAIL" });
  });

  it("a 2–1 majority stands when 0.6 agreement is enough", () => {
    expect(decide([vote("PASS"), vote("FAIL"), vote("PASS")], DECIDE)).toEqual({
      outcome: "PASS",
      majorityShare: 2 / 3,
      uncertainBecause: null,
    });
    expect(decide([vote("FAIL"), vote("PASS"), vote("FAIL")], DECIDE)).toEqual({
      outcome: "FAIL",
      majorityShare: 2 / 3,
      uncertainBecause: null,
    });
  });

  it("agreement exactly at minAgreement stands (3 of 4 at 0.75)", () => {
    expect(decide([vote("PASS"), vote("PASS"), vote("FAIL"), vote("PASS")], { ...DECIDE, minAgreement: 0.75 })).toEqual({
      outcome: "PASS",
      majorityShare: 0.75,
      uncertainBecause: null,
    });
  });

  it("an even split is uncertain", () => {
    expect(decide([vote("PASS"), vote("FAIL")], DECIDE)).toEqual({
      outcome: "UNCERTAIN",
      majorityShare: 0.5,
      uncertainBecause: "the jurors split evenly",
    });
    expect(decide([vote("FAIL"), vote("PASS"), vote("PASS"), vote("FAIL")], { ...DECIDE, minAgreement: 0.5 })).toEqual({
      outcome: "UNCERTAIN",
      majorityShare: 0.5,
      uncertainBecause: "the jurors split evenly",
    });
  });

  it("an even split among the answering jurors is uncertain even if abstentions break the tie in count", () => {
    const result = decide([vote("PASS"), vote("ABSTAIN"), vote("FAIL")], DECIDE);
    expect(result.outcome).toBe("UNCERTAIN");
    expect(result.uncertainBecause).toBe("the jurors split evenly");
  });

  it("is uncertain when too few jurors answer for the quorum", () => {
    expect(decide([vote("ABSTAIN"), vote("PASS"), vote("ABSTAIN")], DECIDE)).toEqual({
      outcome: "UNCERTAIN",
      majorityShare: 1,
      uncertainBecause: "only 1 of 3 jurors answered; 2 needed",
    });
  });

  it("is uncertain, with majorityShare 0, when nobody answers", () => {
    expect(decide([vote("ABSTAIN"), vote("ABSTAIN")], DECIDE)).toEqual({
      outcome: "UNCERTAIN",
      majorityShare: 0,
      uncertainBecause: "only 0 of 2 jurors answered; 2 needed",
    });
    expect(decide([], DECIDE)).toEqual({
      outcome: "UNCERTAIN",
      majorityShare: 0,
      uncertainBecause: "only 0 of 0 jurors answered; 2 needed",
    });
  });

  it("is uncertain when the majority's mean confidence is too low", () => {
    // Majority PASS at 0.5 and 0.6: mean 0.55 < 0.7. The confident FAIL juror does not lift it.
    const result = decide([vote("PASS", 0.5), vote("PASS", 0.6), vote("FAIL", 1)], { ...DECIDE, minConfidence: 0.7 });
    expect(result).toEqual({ outcome: "UNCERTAIN", majorityShare: 2 / 3, uncertainBecause: "the jurors are unsure: mean confidence 0.55" });
  });

  it("counts only the majority's confidence, and a mean exactly at the minimum stands", () => {
    // Minority at 0 would drag an all-juror mean to 0.6 < 0.75; the majority's mean is (0.5 + 1) / 2 = 0.75.
    expect(decide([vote("FAIL", 0.5), vote("FAIL", 1), vote("PASS", 0.3)], { ...DECIDE, minConfidence: 0.75 })).toEqual({
      outcome: "FAIL",
      majorityShare: 2 / 3,
      uncertainBecause: null,
    });
  });

  it("never counts an abstention as a PASS: 2 abstain + 1 FAIL with quorum 1 is FAIL", () => {
    expect(decide([vote("ABSTAIN"), vote("ABSTAIN"), vote("FAIL")], { ...DECIDE, quorum: 1 })).toEqual({
      outcome: "FAIL",
      majorityShare: 1,
      uncertainBecause: null,
    });
  });

  it("reports majorityShare over the answering jurors only", () => {
    expect(decide([vote("PASS"), vote("PASS"), vote("PASS"), vote("FAIL")], DECIDE).majorityShare).toBe(0.75);
    expect(decide([vote("FAIL"), vote("FAIL"), vote("FAIL"), vote("PASS"), vote("ABSTAIN")], DECIDE).majorityShare).toBe(0.75);
    expect(decide([vote("PASS"), vote("FAIL"), vote("FAIL"), vote("FAIL"), vote("FAIL")], DECIDE).majorityShare).toBe(0.8);
    expect(decide([vote("PASS"), vote("ABSTAIN"), vote("ABSTAIN")], { ...DECIDE, quorum: 1 }).majorityShare).toBe(1);
  });

  it("checks the quorum before the split and the agreement", () => {
    // One PASS, one FAIL, two abstain, quorum 3: the quorum is the reason given.
    expect(decide([vote("PASS"), vote("FAIL"), vote("ABSTAIN"), vote("ABSTAIN")], { ...DECIDE, quorum: 3 }).uncertainBecause).toBe(
      "only 2 of 4 jurors answered; 3 needed",
    );
  });
});

// ---------------------------------------------------------------------------------------------
// convene()

type Step =
  | { answer: VoteVerdict; confidence?: number; costUsd?: number; inputTokens?: number; outputTokens?: number }
  | { error: unknown }
  | "hang";

interface FakeJuror extends ModelJudge {
  calls: Array<{ question: JuryQuestion; signal: AbortSignal; abortedAtCall: boolean }>;
}

/** A juror that plays `steps` in order, one per call; the last step repeats. */
function juror(name: string, steps: Step[]): FakeJuror {
  const calls: FakeJuror["calls"] = [];
  return {
    name,
    calls,
    judge(question, signal) {
      calls.push({ question, signal, abortedAtCall: signal.aborted });
      const step = steps[Math.min(calls.length - 1, steps.length - 1)]!;
      if (step === "hang") {
        return new Promise<ModelAnswer>((_, reject) => {
          signal.addEventListener("abort", () => reject(new ModelCallError("the model did not answer in time", true)), { once: true });
        });
      }
      if ("error" in step) return Promise.reject(step.error);
      return Promise.resolve({
        vote: { verdict: step.answer, confidence: step.confidence ?? 0.9, rationale: `${name} says ${step.answer}` },
        inputTokens: step.inputTokens ?? 100,
        outputTokens: step.outputTokens ?? 20,
        costUsd: step.costUsd ?? 0.01,
      });
    },
  };
}

function recordingSleep() {
  const delays: number[] = [];
  const sleep = (ms: number) => {
    delays.push(ms);
    return Promise.resolve();
  };
  return { delays, sleep };
}

const throttled = (retryAfterMs?: unknown) =>
  Object.assign(new ModelCallError("429 too many requests", true), retryAfterMs === undefined ? {} : { retryAfterMs });

describe("convene", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("records a vote for every juror, in order, with name, attempts and cost", async () => {
    const { delays, sleep } = recordingSleep();
    const jurors = [
      juror("openai:gpt-4o-mini", [{ answer: "PASS", confidence: 0.8, costUsd: 0.002, inputTokens: 900, outputTokens: 40 }]),
      juror("bedrock:claude", [{ answer: "FAIL", confidence: 0.6, costUsd: 0.005, inputTokens: 1000, outputTokens: 50 }]),
      juror("rubric:strict", [{ answer: "PASS", confidence: 1, costUsd: 0, inputTokens: 0, outputTokens: 0 }]),
    ];
    const verdict = await convene(jurors, QUESTION, POLICY, sleep);
    expect(
      verdict.votes.map((v) => [v.juror, v.verdict, v.confidence, v.attempts, v.costUsd, v.inputTokens, v.outputTokens, v.error]),
    ).toEqual([
      ["openai:gpt-4o-mini", "PASS", 0.8, 1, 0.002, 900, 40, null],
      ["bedrock:claude", "FAIL", 0.6, 1, 0.005, 1000, 50, null],
      ["rubric:strict", "PASS", 1, 1, 0, 0, 0, null],
    ]);
    expect(verdict.votes[1]!.rationale).toBe("bedrock:claude says FAIL");
    for (const v of verdict.votes) expect(v.latencyMs).toBeGreaterThanOrEqual(0);
    expect(verdict.outcome).toBe("PASS");
    expect(verdict.majorityShare).toBeCloseTo(2 / 3, 12);
    expect(verdict.uncertainBecause).toBeNull();
    expect(verdict.costUsd).toBeCloseTo(0.007, 12);
    expect(delays).toEqual([]);
    // Each juror was asked the question once, with a live signal.
    for (const j of jurors) {
      expect(j.calls).toHaveLength(1);
      expect(j.calls[0]!.question).toBe(QUESTION);
      expect(j.calls[0]!.abortedAtCall).toBe(false);
    }
  });

  it("retries a retryable failure and records 2 attempts, sleeping once within backoffMs", async () => {
    const { delays, sleep } = recordingSleep();
    const j = juror("flaky", [{ error: new ModelCallError("503 service unavailable", true) }, { answer: "FAIL", confidence: 0.7 }]);
    const verdict = await convene([j], QUESTION, { ...POLICY, quorum: 1 }, sleep);
    expect(verdict.votes[0]).toMatchObject({ juror: "flaky", verdict: "FAIL", confidence: 0.7, attempts: 2, error: null });
    expect(verdict.outcome).toBe("FAIL");
    expect(j.calls).toHaveLength(2);
    expect(delays).toHaveLength(1);
    expect(delays[0]).toBeGreaterThanOrEqual(0);
    expect(delays[0]).toBeLessThanOrEqual(POLICY.backoffMs);
    // Each attempt gets its own, fresh timeout signal.
    expect(j.calls[0]!.signal).not.toBe(j.calls[1]!.signal);
    expect(j.calls[1]!.abortedAtCall).toBe(false);
  });

  it("uses full jitter: the delay is random × the ceiling", async () => {
    vi.spyOn(Math, "random").mockReturnValue(0.25);
    const { delays, sleep } = recordingSleep();
    const j = juror("flaky", [{ error: new ModelCallError("500", true) }, { answer: "PASS" }]);
    await convene([j], QUESTION, { ...POLICY, backoffMs: 400 }, sleep);
    expect(delays).toEqual([100]);
  });

  it("doubles the ceiling with each retry", async () => {
    const { delays, sleep } = recordingSleep();
    const j = juror("down", [{ error: new ModelCallError("500", true) }]);
    const verdict = await convene([j], QUESTION, { ...POLICY, retries: 4, backoffMs: 100 }, sleep);
    expect(verdict.votes[0]!.attempts).toBe(5);
    expect(delays).toHaveLength(4);
    delays.forEach((delay, i) => {
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThanOrEqual(100 * 2 ** i);
    });
  });

  it("sleeps random × 100, × 200, × 400 on the 1st, 2nd and 3rd retry", async () => {
    vi.spyOn(Math, "random").mockReturnValue(0.5);
    const { delays, sleep } = recordingSleep();
    const j = juror("down", [{ error: new ModelCallError("500", true) }]);
    await convene([j], QUESTION, { ...POLICY, retries: 3, backoffMs: 100 }, sleep);
    expect(delays).toEqual([50, 100, 200]);
  });

  it("caps the backoff ceiling at 30 s", async () => {
    vi.spyOn(Math, "random").mockReturnValue(0.5);
    const { delays, sleep } = recordingSleep();
    const j = juror("down", [{ error: new ModelCallError("500", true) }]);
    // Ceilings 20 s, min(40 s, 30 s), min(80 s, 30 s).
    await convene([j], QUESTION, { ...POLICY, retries: 3, backoffMs: 20_000 }, sleep);
    expect(delays).toEqual([10_000, 15_000, 15_000]);
  });

  it("honours a retryAfterMs hint exactly", async () => {
    const { delays, sleep } = recordingSleep();
    const j = juror("throttled", [{ error: throttled(1_234) }, { error: throttled(7) }, { answer: "PASS" }]);
    const verdict = await convene([j], QUESTION, { ...POLICY, quorum: 1 }, sleep);
    expect(delays).toEqual([1_234, 7]);
    expect(verdict.votes[0]).toMatchObject({ verdict: "PASS", attempts: 3 });
  });

  it("caps a retryAfterMs hint at 30 s", async () => {
    const { delays, sleep } = recordingSleep();
    const j = juror("throttled", [{ error: throttled(120_000) }, { answer: "PASS" }]);
    await convene([j], QUESTION, POLICY, sleep);
    expect(delays).toEqual([30_000]);
  });

  it("ignores a retryAfterMs hint that is not a number", async () => {
    vi.spyOn(Math, "random").mockReturnValue(0.5);
    const { delays, sleep } = recordingSleep();
    const j = juror("throttled", [{ error: throttled("5000") }, { answer: "PASS" }]);
    await convene([j], QUESTION, POLICY, sleep);
    expect(delays).toEqual([50]);
  });

  it("abstains at once on a non-retryable error, recording its message", async () => {
    const { delays, sleep } = recordingSleep();
    const j = juror("garbled", [
      { error: Object.assign(new ModelCallError("the reply's JSON does not parse", false), { retryAfterMs: 10 }) },
      { answer: "PASS" },
    ]);
    const verdict = await convene([j], QUESTION, { ...POLICY, quorum: 1 }, sleep);
    expect(verdict.votes[0]).toMatchObject({
      juror: "garbled",
      verdict: "ABSTAIN",
      confidence: null,
      rationale: "",
      error: "the reply's JSON does not parse",
      attempts: 1,
      inputTokens: 0,
      outputTokens: 0,
      costUsd: 0,
    });
    expect(j.calls).toHaveLength(1);
    expect(delays).toEqual([]);
    expect(verdict.outcome).toBe("UNCERTAIN");
    expect(verdict.uncertainBecause).toBe("only 0 of 1 jurors answered; 1 needed");
  });

  it("abstains after retries + 1 attempts when every attempt fails", async () => {
    const { delays, sleep } = recordingSleep();
    const j = juror("down", [{ error: new ModelCallError("502 bad gateway", true) }]);
    const verdict = await convene([j], QUESTION, { ...POLICY, retries: 2 }, sleep);
    expect(verdict.votes[0]).toMatchObject({ verdict: "ABSTAIN", attempts: 3, error: "502 bad gateway" });
    expect(j.calls).toHaveLength(3);
    expect(delays).toHaveLength(2);
  });

  it("with retries 0, abstains after one failed attempt without sleeping", async () => {
    const { delays, sleep } = recordingSleep();
    const j = juror("down", [{ error: new ModelCallError("503", true) }, { answer: "PASS" }]);
    const verdict = await convene([j], QUESTION, { ...POLICY, retries: 0 }, sleep);
    expect(verdict.votes[0]).toMatchObject({ verdict: "ABSTAIN", attempts: 1, error: "503" });
    expect(delays).toEqual([]);
  });

  it("aborts a hanging juror at timeoutMs, and it abstains", async () => {
    const { delays, sleep } = recordingSleep();
    const hanging = juror("slow", ["hang"]);
    const quick = juror("quick", [{ answer: "PASS" }]);
    const verdict = await convene([hanging, quick], QUESTION, { ...POLICY, timeoutMs: 50, retries: 0, quorum: 1 }, sleep);
    expect(verdict.votes.map((v) => [v.juror, v.verdict, v.attempts, v.error])).toEqual([
      ["slow", "ABSTAIN", 1, "the model did not answer in time"],
      ["quick", "PASS", 1, null],
    ]);
    expect(hanging.calls[0]!.signal.aborted).toBe(true);
    expect((hanging.calls[0]!.signal.reason as Error).name).toBe("TimeoutError");
    expect(quick.calls[0]!.signal.aborted).toBe(false);
    expect(verdict.outcome).toBe("PASS");
    expect(delays).toEqual([]);
  });

  it("retries a timed-out juror with a fresh signal", async () => {
    const { delays, sleep } = recordingSleep();
    const j = juror("slow-then-ok", ["hang", { answer: "FAIL" }]);
    const verdict = await convene([j], QUESTION, { ...POLICY, timeoutMs: 30, retries: 1, quorum: 1 }, sleep);
    expect(verdict.votes[0]).toMatchObject({ verdict: "FAIL", attempts: 2 });
    expect(j.calls[0]!.signal.aborted).toBe(true);
    expect(j.calls[1]!.abortedAtCall).toBe(false);
    expect(delays).toHaveLength(1);
  });

  it("treats a plain Error as retryable", async () => {
    const { delays, sleep } = recordingSleep();
    const j = juror("network", [{ error: new TypeError("fetch failed") }, { answer: "PASS" }]);
    const verdict = await convene([j], QUESTION, { ...POLICY, quorum: 1 }, sleep);
    expect(verdict.votes[0]).toMatchObject({ verdict: "PASS", attempts: 2, error: null });
    expect(delays).toHaveLength(1);
  });

  it("records a non-Error rejection's text and truncates long messages to 300 characters", async () => {
    const { sleep } = recordingSleep();
    const verdict = await convene(
      [juror("stringly", [{ error: "socket hang up" }]), juror("verbose", [{ error: new ModelCallError("x".repeat(500), false) }])],
      QUESTION,
      { ...POLICY, retries: 1 },
      sleep,
    );
    expect(verdict.votes[0]).toMatchObject({ verdict: "ABSTAIN", attempts: 2, error: "socket hang up" });
    expect(verdict.votes[1]!.error).toBe("x".repeat(300));
  });

  it("sums the cost of the answered votes only", async () => {
    const { sleep } = recordingSleep();
    const verdict = await convene(
      [
        juror("a", [{ answer: "PASS", costUsd: 0.125 }]),
        juror("b", [{ error: new ModelCallError("bad", false) }]),
        juror("c", [{ answer: "PASS", costUsd: 0.25 }]),
      ],
      QUESTION,
      POLICY,
      sleep,
    );
    expect(verdict.votes.map((v) => v.costUsd)).toEqual([0.125, 0, 0.25]);
    expect(verdict.costUsd).toBe(0.375);
    expect(verdict.outcome).toBe("PASS");
    expect(verdict.majorityShare).toBe(1);
  });

  it("never throws when every juror fails, and is UNCERTAIN", async () => {
    const { sleep } = recordingSleep();
    const verdict = await convene(
      [juror("a", [{ error: new Error("boom") }]), juror("b", [{ error: new ModelCallError("bad", false) }]), juror("c", ["hang"])],
      QUESTION,
      { ...POLICY, timeoutMs: 20, retries: 1 },
      sleep,
    );
    expect(verdict.votes.map((v) => [v.verdict, v.attempts])).toEqual([
      ["ABSTAIN", 2],
      ["ABSTAIN", 1],
      ["ABSTAIN", 2],
    ]);
    expect(verdict).toMatchObject({
      outcome: "UNCERTAIN",
      majorityShare: 0,
      costUsd: 0,
      uncertainBecause: "only 0 of 3 jurors answered; 2 needed",
    });
  });

  it("never throws when a juror's judge throws synchronously", async () => {
    const { sleep } = recordingSleep();
    const throwing: ModelJudge = {
      name: "sync",
      judge() {
        throw new ModelCallError("no credentials", false);
      },
    };
    const verdict = await convene([throwing], QUESTION, { ...POLICY, quorum: 1 }, sleep);
    expect(verdict.votes[0]).toMatchObject({ juror: "sync", verdict: "ABSTAIN", attempts: 1, error: "no credentials" });
  });

  it("with no jurors, is UNCERTAIN at no cost", async () => {
    const verdict = await convene([], QUESTION, POLICY, recordingSleep().sleep);
    expect(verdict).toEqual({
      outcome: "UNCERTAIN",
      votes: [],
      majorityShare: 0,
      uncertainBecause: "only 0 of 0 jurors answered; 2 needed",
      costUsd: 0,
    });
  });

  // A rejection with null or undefined is not a ModelCallError, hence retryable; reading its
  // retry hint must not throw (jury/jury.convene.ts guards it).
  it("never throws when a juror rejects with null or undefined", async () => {
    const { sleep } = recordingSleep();
    const verdict = await convene(
      [juror("null", [{ error: null }]), juror("undefined", [{ error: undefined }])],
      QUESTION,
      { ...POLICY, retries: 1 },
      sleep,
    );
    expect(verdict.votes.map((v) => [v.verdict, v.attempts])).toEqual([
      ["ABSTAIN", 2],
      ["ABSTAIN", 2],
    ]);
  });
});

// ---------------------------------------------------------------------------------------------
// fleissKappa()

describe("fleissKappa", () => {
  it("matches a hand computation with three raters", () => {
    // Four items, three votes each: (3,0) (2,1) (0,3) (1,2).
    // Per-item agreement P_i = (pass² + fail² − n) / (n(n − 1)), n = 3, n(n − 1) = 6:
    //   (9 + 0 − 3)/6 = 1, (4 + 1 − 3)/6 = 1/3, 1, 1/3  → mean P̄ = (8/3)/4 = 2/3.
    // PASS share p = (3 + 2 + 0 + 1)/12 = 1/2 → chance P_e = p² + (1 − p)² = 1/2.
    // κ = (2/3 − 1/2)/(1 − 1/2) = 1/3.
    expect(
      fleissKappa([
        { pass: 3, fail: 0 },
        { pass: 2, fail: 1 },
        { pass: 0, fail: 3 },
        { pass: 1, fail: 2 },
      ]),
    ).toBeCloseTo(1 / 3, 12);
  });

  it("matches a hand computation with unbalanced categories", () => {
    // Five items, four votes each: (4,0) (3,1) (2,2) (4,0) (0,4); n(n − 1) = 12.
    //   P_i = 12/12 = 1, (9 + 1 − 4)/12 = 1/2, (4 + 4 − 4)/12 = 1/3, 1, 1  → P̄ = (23/6)/5 = 23/30.
    // p = (4 + 3 + 2 + 4 + 0)/20 = 13/20 → P_e = 169/400 + 49/400 = 218/400 = 109/200.
    // κ = (23/30 − 109/200)/(1 − 109/200) = (133/600)/(91/200) = 133/273 = 19/39 ≈ 0.48718.
    expect(
      fleissKappa([
        { pass: 4, fail: 0 },
        { pass: 3, fail: 1 },
        { pass: 2, fail: 2 },
        { pass: 4, fail: 0 },
        { pass: 0, fail: 4 },
      ]),
    ).toBeCloseTo(19 / 39, 12);
  });

  it("handles items with different numbers of votes", () => {
    // (2,0): P = (4 − 2)/2 = 1. (1,2): P = (1 + 4 − 3)/6 = 1/3. P̄ = 2/3.
    // p = 3/5 → P_e = 9/25 + 4/25 = 13/25. κ = (2/3 − 13/25)/(12/25) = (11/75)/(12/25) = 11/36.
    expect(
      fleissKappa([
        { pass: 2, fail: 0 },
        { pass: 1, fail: 2 },
      ]),
    ).toBeCloseTo(11 / 36, 12);
  });

  it("is 1 for perfect agreement", () => {
    expect(
      fleissKappa([
        { pass: 3, fail: 0 },
        { pass: 0, fail: 3 },
        { pass: 3, fail: 0 },
      ]),
    ).toBe(1);
  });

  it("is 1 when every vote is in one category", () => {
    expect(
      fleissKappa([
        { pass: 3, fail: 0 },
        { pass: 2, fail: 0 },
      ]),
    ).toBe(1);
    expect(fleissKappa([{ pass: 0, fail: 5 }])).toBe(1);
  });

  it("ignores items with fewer than two votes", () => {
    const base = [
      { pass: 3, fail: 0 },
      { pass: 2, fail: 1 },
      { pass: 0, fail: 3 },
      { pass: 1, fail: 2 },
    ];
    expect(fleissKappa([{ pass: 1, fail: 0 }, ...base, { pass: 0, fail: 1 }, { pass: 0, fail: 0 }])).toBeCloseTo(1 / 3, 12);
    // A lone dissenting vote does not spoil otherwise one-category agreement.
    expect(
      fleissKappa([
        { pass: 3, fail: 0 },
        { pass: 0, fail: 1 },
      ]),
    ).toBe(1);
  });

  it("is null when no item has two votes", () => {
    expect(fleissKappa([])).toBeNull();
    expect(
      fleissKappa([
        { pass: 1, fail: 0 },
        { pass: 0, fail: 1 },
        { pass: 0, fail: 0 },
      ]),
    ).toBeNull();
  });

  it("is negative for systematic disagreement", () => {
    // Every item split 1–1: P_i = (1 + 1 − 2)/2 = 0; p = 1/2, P_e = 1/2; κ = (0 − 1/2)/(1/2) = −1.
    expect(
      fleissKappa([
        { pass: 1, fail: 1 },
        { pass: 1, fail: 1 },
        { pass: 1, fail: 1 },
      ]),
    ).toBe(-1);
    // Split 2–1 the PASS way and 1–2 the FAIL way: P̄ = 1/3, P_e = 1/2, κ = −1/3.
    expect(
      fleissKappa([
        { pass: 2, fail: 1 },
        { pass: 1, fail: 2 },
      ]),
    ).toBeCloseTo(-1 / 3, 12);
  });
});

describe("convene() with a juror that ignores its abort signal", () => {
  it("still bounds the call at the timeout, and the juror abstains", async () => {
    // Without the jury's own bound this never settles, and the test times out.
    const deaf: ModelJudge = { name: "deaf", judge: () => new Promise<ModelAnswer>(() => {}) };

    const verdict = await convene([deaf], QUESTION, { ...POLICY, timeoutMs: 50, retries: 0, quorum: 1 });

    expect(verdict.votes[0]).toMatchObject({ juror: "deaf", verdict: "ABSTAIN", error: "timed out", attempts: 1 });
    expect(verdict.outcome).toBe("UNCERTAIN");
  });
});
