import { describe, expect, it } from "vitest";
import type { CaseFacts } from "../judging/evaluation-case.facts.js";
import { ModelCallError, type JuryQuestion, type ModelAnswer } from "../jury/model.juror.js";
import { RUBRIC_THRESHOLDS, nameSimilarity, nameTokens, rubricJuror, type RubricVariant } from "../jury/rubric.juror.js";
import { AlertSeverity, PactMetric } from "../../pact.enums.js";

const { INFORMATIONAL, LOW, MEDIUM, HIGH, CRITICAL } = AlertSeverity;
const VARIANTS: RubricVariant[] = ["strict", "balanced", "lenient"];

function question(metric: PactMetric, expected: CaseFacts, output: CaseFacts): JuryQuestion {
  return { metric, rubric: "Is the agent right?", caseId: "case-1", input: { alert: "x" }, expected, output };
}

function ask(variant: RubricVariant, q: JuryQuestion, signal: AbortSignal = new AbortController().signal): Promise<ModelAnswer> {
  return rubricJuror(variant).judge(q, signal);
}

/** Verdict and confidence of each variant, strict/balanced/lenient. */
async function votes(q: JuryQuestion): Promise<Array<[string, number]>> {
  const answers = await Promise.all(VARIANTS.map((v) => ask(v, q)));
  return answers.map((a) => [a.vote.verdict, a.vote.confidence]);
}

async function abstention(q: JuryQuestion): Promise<ModelCallError> {
  const error = await ask("balanced", q).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ModelCallError);
  return error as ModelCallError;
}

describe("rubricJuror: identity and cost", () => {
  it("is named rubric:<variant> and has the documented thresholds", () => {
    expect(VARIANTS.map((v) => rubricJuror(v).name)).toEqual(["rubric:strict", "rubric:balanced", "rubric:lenient"]);
    expect(RUBRIC_THRESHOLDS).toEqual({ strict: 0.9, balanced: 0.7, lenient: 0.5 });
  });

  it("costs nothing and reports no tokens", async () => {
    const answer = await ask("strict", question(PactMetric.SEVERITY_CLASSIFICATION_ACCURACY, { severity: HIGH }, { severity: HIGH }));
    expect(answer).toEqual({
      vote: {
        verdict: "PASS",
        confidence: 0.6,
        rationale: "similarity 1 against the strict threshold 0.9 (severity HIGH vs expected HIGH)",
      },
      inputTokens: 0,
      outputTokens: 0,
      costUsd: 0,
    });
  });
});

describe("severity classification: s = 1 − distance / 4", () => {
  const sev = (expected: AlertSeverity, output: AlertSeverity) =>
    question(PactMetric.SEVERITY_CLASSIFICATION_ACCURACY, { severity: expected }, { severity: output });

  it("same severity (s = 1): all pass, confidence 0.6 / 0.8 / 1", async () => {
    expect(await votes(sev(CRITICAL, CRITICAL))).toEqual([
      ["PASS", 0.6],
      ["PASS", 0.8],
      ["PASS", 1],
    ]);
  });

  it("one step off (s = 0.75): strict fails, balanced and lenient pass", async () => {
    expect(await votes(sev(CRITICAL, HIGH))).toEqual([
      ["FAIL", 0.65],
      ["PASS", 0.55],
      ["PASS", 0.75],
    ]);
    // distance is symmetric
    expect(await votes(sev(LOW, INFORMATIONAL))).toEqual(await votes(sev(INFORMATIONAL, LOW)));
  });

  it("two steps off (s = 0.5): only lenient passes, at its threshold", async () => {
    expect(await votes(sev(CRITICAL, MEDIUM))).toEqual([
      ["FAIL", 0.9],
      ["FAIL", 0.7],
      ["PASS", 0.5],
    ]);
  });

  it("three steps off (s = 0.25): all fail; strict confidence capped at 1", async () => {
    expect(await votes(sev(CRITICAL, LOW))).toEqual([
      ["FAIL", 1],
      ["FAIL", 0.95],
      ["FAIL", 0.75],
    ]);
  });

  it("four steps off (s = 0): all fail with confidence 1", async () => {
    expect(await votes(sev(INFORMATIONAL, CRITICAL))).toEqual([
      ["FAIL", 1],
      ["FAIL", 1],
      ["FAIL", 1],
    ]);
  });

  it("states the similarity and threshold in the rationale", async () => {
    const answer = await ask("balanced", sev(CRITICAL, MEDIUM));
    expect(answer.vote.rationale).toBe("similarity 0.5 against the balanced threshold 0.7 (severity MEDIUM vs expected CRITICAL)");
  });
});

describe("false positive rate: truePositive equal or not", () => {
  const fp = (expected: boolean, output: boolean) =>
    question(PactMetric.FALSE_POSITIVE_RATE, { truePositive: expected }, { truePositive: output });

  it("equal (s = 1): all pass", async () => {
    expect(await votes(fp(false, false))).toEqual([
      ["PASS", 0.6],
      ["PASS", 0.8],
      ["PASS", 1],
    ]);
  });

  it("different (s = 0): all fail", async () => {
    expect(await votes(fp(false, true))).toEqual([
      ["FAIL", 1],
      ["FAIL", 1],
      ["FAIL", 1],
    ]);
    expect((await ask("lenient", fp(true, false))).vote.rationale).toBe(
      "similarity 0 against the lenient threshold 0.5 (truePositive false vs expected true)",
    );
  });
});

describe("escalation precision and recall", () => {
  const esc = (metric: PactMetric, expected: CaseFacts, output: CaseFacts) => question(metric, expected, output);
  const BOTH = [PactMetric.ESCALATION_PRECISION, PactMetric.ESCALATION_RECALL];

  it("different decisions score 0 even when the teams match", async () => {
    for (const metric of BOTH) {
      expect(await votes(esc(metric, { escalate: true, escalateTo: "SOC" }, { escalate: false, escalateTo: "SOC" }))).toEqual([
        ["FAIL", 1],
        ["FAIL", 1],
        ["FAIL", 1],
      ]);
    }
  });

  it("same decision and no expected team score 1; so does agreeing not to escalate", async () => {
    for (const metric of BOTH) {
      expect((await votes(esc(metric, { escalate: true }, { escalate: true, escalateTo: "Anyone" }))).map((v) => v[0])).toEqual([
        "PASS",
        "PASS",
        "PASS",
      ]);
      expect((await votes(esc(metric, { escalate: false }, { escalate: false }))).map((v) => v[0])).toEqual(["PASS", "PASS", "PASS"]);
    }
    const answer = await ask("strict", esc(PactMetric.ESCALATION_RECALL, { escalate: false, escalateTo: "SOC" }, { escalate: false }));
    expect(answer.vote.rationale).toBe("similarity 1 against the strict threshold 0.9 (escalate false as expected)");
  });

  it("team names compare by tokens: 'Tier-2 SOC' = 'tier 2 soc'", async () => {
    const q = esc(
      PactMetric.ESCALATION_PRECISION,
      { escalate: true, escalateTo: "Tier-2 SOC" },
      { escalate: true, escalateTo: "tier 2 soc" },
    );
    expect(await votes(q)).toEqual([
      ["PASS", 0.6],
      ["PASS", 0.8],
      ["PASS", 1],
    ]);
  });

  it("'Identity Response' vs 'Identity Response Team' (s = 2/3): the variants split", async () => {
    const q = esc(
      PactMetric.ESCALATION_RECALL,
      { escalate: true, escalateTo: "Identity Response Team" },
      { escalate: true, escalateTo: "Identity Response" },
    );
    expect(await votes(q)).toEqual([
      ["FAIL", 0.73],
      ["FAIL", 0.53],
      ["PASS", 0.67],
    ]);
    expect((await ask("balanced", q)).vote.rationale).toBe(
      'similarity 0.67 against the balanced threshold 0.7 (team "Identity Response" vs expected "Identity Response Team")',
    );
  });

  it("'Network Security Team' vs 'Cloud Security Team' (s = 2/4); a missing output team scores 0", async () => {
    const partial = esc(
      PactMetric.ESCALATION_PRECISION,
      { escalate: true, escalateTo: "Cloud Security Team" },
      { escalate: true, escalateTo: "Network Security Team" },
    );
    expect(await votes(partial)).toEqual([
      ["FAIL", 0.9],
      ["FAIL", 0.7],
      ["PASS", 0.5],
    ]);
    const noTeam = esc(PactMetric.ESCALATION_PRECISION, { escalate: true, escalateTo: "Cloud Security Team" }, { escalate: true });
    expect(await votes(noTeam)).toEqual([
      ["FAIL", 1],
      ["FAIL", 1],
      ["FAIL", 1],
    ]);
    expect((await ask("lenient", noTeam)).vote.rationale).toBe(
      'similarity 0 against the lenient threshold 0.5 (team none vs expected "Cloud Security Team")',
    );
  });
});

describe("playbook routing: token Jaccard of the names", () => {
  const pb = (expected: string, output: string) =>
    question(PactMetric.PLAYBOOK_ROUTING_ACCURACY, { playbook: expected }, { playbook: output });

  it("the brief's example (s = 2/4 = 0.5): lenient PASS, balanced FAIL, strict FAIL", async () => {
    expect(await votes(pb("ransomware isolation and containment", "ransomware containment"))).toEqual([
      ["FAIL", 0.9],
      ["FAIL", 0.7],
      ["PASS", 0.5],
    ]);
  });

  it("identical names, up to case and spaces, agree on PASS", async () => {
    expect(await votes(pb("Phishing Response", "  phishing response "))).toEqual([
      ["PASS", 0.6],
      ["PASS", 0.8],
      ["PASS", 1],
    ]);
    expect(await votes(pb("phishing_response", "Phishing-Response"))).toEqual(await votes(pb("a", "a")));
  });

  it("unrelated names agree on FAIL", async () => {
    expect(await votes(pb("ransomware containment", "phishing response"))).toEqual([
      ["FAIL", 1],
      ["FAIL", 1],
      ["FAIL", 1],
    ]);
  });

  it("s = 4/5 = 0.8: strict fails, balanced and lenient pass", async () => {
    expect(await votes(pb("contain isolate wipe restore report", "contain isolate wipe restore"))).toEqual([
      ["FAIL", 0.6],
      ["PASS", 0.6],
      ["PASS", 0.8],
    ]);
  });

  it("a failing s that would round up to the threshold is shown with more digits", async () => {
    const expected = Array.from({ length: 200 }, (_, i) => `t${i}`);
    const answer = await ask("balanced", pb(expected.join(" "), expected.slice(0, 139).join(" ")));
    expect(answer.vote.verdict).toBe("FAIL");
    expect(answer.vote.rationale.startsWith("similarity 0.6950 against the balanced threshold 0.7 (")).toBe(true);
  });
});

describe("name similarity helpers", () => {
  it("tokenises lower-cased on non-alphanumerics", () => {
    expect([...nameTokens("  Tier-2 SOC / Night_Shift ")]).toEqual(["tier", "2", "soc", "night", "shift"]);
  });

  it("computes Jaccard, 1 for same names, 0 when either side has no tokens", () => {
    expect(nameSimilarity("a b c", "b c d")).toBe(0.5);
    expect(nameSimilarity("--", "--")).toBe(1);
    expect(nameSimilarity("--", "**")).toBe(0);
    expect(nameSimilarity("a", undefined)).toBe(0);
  });
});

describe("abstention", () => {
  it("throws a non-retryable ModelCallError for metrics it cannot judge", async () => {
    for (const metric of [PactMetric.ATTACK_TECHNIQUE_F1, PactMetric.TIME_TO_ESCALATE_P90, PactMetric.GROUNDING_RATE]) {
      const error = await abstention(question(metric, { severity: HIGH }, { severity: HIGH }));
      expect(error.retryable).toBe(false);
      expect(error.message).toBe(`the rubric heuristic cannot judge ${metric}`);
    }
  });

  it("throws a non-retryable ModelCallError when a needed fact is missing or malformed", async () => {
    const cases: Array<[JuryQuestion, string]> = [
      [question(PactMetric.SEVERITY_CLASSIFICATION_ACCURACY, {}, { severity: HIGH }), "the expected severity is missing or unknown"],
      [
        question(PactMetric.SEVERITY_CLASSIFICATION_ACCURACY, { severity: HIGH }, { severity: "SEVERE" as AlertSeverity }),
        "the output severity is missing or unknown",
      ],
      [question(PactMetric.FALSE_POSITIVE_RATE, { truePositive: true }, {}), "the output truePositive is missing"],
      [question(PactMetric.ESCALATION_RECALL, { escalateTo: "SOC" }, { escalate: true }), "the expected escalate is missing"],
      [question(PactMetric.ESCALATION_PRECISION, { escalate: true }, {}), "the output escalate is missing"],
      [question(PactMetric.PLAYBOOK_ROUTING_ACCURACY, { playbook: "phishing" }, { playbook: "   " }), "the output playbook is missing"],
      [question(PactMetric.PLAYBOOK_ROUTING_ACCURACY, {}, { playbook: "phishing" }), "the expected playbook is missing"],
    ];
    for (const [q, message] of cases) {
      const error = await abstention(q);
      expect(error.retryable).toBe(false);
      expect(error.message).toBe(message);
    }
  });
});

describe("abort", () => {
  it("throws a retryable 'timed out' when the signal is already aborted", async () => {
    const controller = new AbortController();
    controller.abort();
    const q = question(PactMetric.SEVERITY_CLASSIFICATION_ACCURACY, { severity: HIGH }, { severity: HIGH });
    const error = await ask("lenient", q, controller.signal).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ModelCallError);
    expect((error as ModelCallError).retryable).toBe(true);
    expect((error as ModelCallError).message).toBe("timed out");
  });
});
