import { describe, expect, it } from "vitest";
import { AgentDomain } from "../../../../lib/contracts/agent-domain.js";
import { countGroundedIndicators, type CaseFacts, type CaseTimings, type JudgedCase } from "../judging/evaluation-case.facts.js";
import {
  METRIC_CATALOGUE,
  caseValue,
  measure,
  metricDefinition,
  missingFields,
  nearestRank,
  workflowsOf,
} from "../judging/metric.catalogue.js";
import { AlertSeverity, EvaluationMethod, MetricDirection, MetricUnit, PactMetric } from "../../pact.enums.js";

const { HIGH, LOW, MEDIUM, CRITICAL } = AlertSeverity;

function kase(
  caseId: string,
  expected: CaseFacts,
  output: CaseFacts,
  extra: { timings?: CaseTimings; grounded?: number | null } = {},
): JudgedCase {
  return { caseId, expected, output, timings: extra.timings ?? {}, groundedIndicators: extra.grounded ?? null };
}

/** The metric over the cases, plus each case's own value, so one assertion shows which cases applied. */
function run(metric: PactMetric, cases: JudgedCase[]) {
  const definition = metricDefinition(metric);
  return { ...measure(definition, cases), perCase: cases.map((c) => caseValue(definition, c)) };
}

describe("the catalogue", () => {
  it("defines every PactMetric, each with a definition, unit, direction, range and a method", () => {
    expect([...METRIC_CATALOGUE.keys()].sort()).toEqual(Object.values(PactMetric).sort());
    for (const [metric, d] of METRIC_CATALOGUE) {
      expect(d.metric).toBe(metric);
      expect(d.definition.length).toBeGreaterThan(20);
      expect(d.phrase.length).toBeGreaterThan(0);
      expect(Object.values(MetricUnit)).toContain(d.unit);
      expect(Object.values(MetricDirection)).toContain(d.direction);
      expect(d.range.min).toBeLessThan(d.range.max);
      expect(d.methods.length).toBeGreaterThanOrEqual(1);
      expect(d.methods.every((m) => Object.values(EvaluationMethod).includes(m))).toBe(true);
      expect(d.needs.length).toBeGreaterThanOrEqual(1);
    }
  });

  it.each([
    [
      PactMetric.SEVERITY_CLASSIFICATION_ACCURACY,
      "ratio",
      MetricUnit.RATIO,
      MetricDirection.HIGHER_IS_BETTER,
      [AgentDomain.ALERT_TRIAGE, AgentDomain.INCIDENT_ESCALATION],
    ],
    [PactMetric.FALSE_POSITIVE_RATE, "ratio", MetricUnit.RATIO, MetricDirection.LOWER_IS_BETTER, [AgentDomain.ALERT_TRIAGE]],
    [PactMetric.ESCALATION_PRECISION, "ratio", MetricUnit.RATIO, MetricDirection.HIGHER_IS_BETTER, [AgentDomain.INCIDENT_ESCALATION]],
    [PactMetric.ESCALATION_RECALL, "ratio", MetricUnit.RATIO, MetricDirection.HIGHER_IS_BETTER, [AgentDomain.INCIDENT_ESCALATION]],
    [PactMetric.TIME_TO_ESCALATE_P90, "percentile", MetricUnit.SECONDS, MetricDirection.LOWER_IS_BETTER, [AgentDomain.INCIDENT_ESCALATION]],
    [PactMetric.PLAYBOOK_ROUTING_ACCURACY, "ratio", MetricUnit.RATIO, MetricDirection.HIGHER_IS_BETTER, [AgentDomain.PLAYBOOK_ROUTING]],
    [PactMetric.TIME_TO_CONTAINMENT_P50, "percentile", MetricUnit.SECONDS, MetricDirection.LOWER_IS_BETTER, [AgentDomain.PLAYBOOK_ROUTING]],
    [PactMetric.TIME_TO_CONTAINMENT_P90, "percentile", MetricUnit.SECONDS, MetricDirection.LOWER_IS_BETTER, [AgentDomain.PLAYBOOK_ROUTING]],
    [PactMetric.ATTACK_TECHNIQUE_F1, "ratio", MetricUnit.RATIO, MetricDirection.HIGHER_IS_BETTER, [AgentDomain.THREAT_INTEL_SYNTHESIS]],
    [PactMetric.INDICATOR_PRECISION, "ratio", MetricUnit.RATIO, MetricDirection.HIGHER_IS_BETTER, [AgentDomain.THREAT_INTEL_SYNTHESIS]],
    [PactMetric.GROUNDING_RATE, "ratio", MetricUnit.RATIO, MetricDirection.HIGHER_IS_BETTER, [AgentDomain.THREAT_INTEL_SYNTHESIS]],
  ])("%s is a %s metric in %s, %s, on %j", (metric, kind, unit, direction, workflows) => {
    const d = metricDefinition(metric);

    expect({ kind: d.kind, unit: d.unit, direction: d.direction }).toEqual({ kind, unit, direction });
    expect(d.range).toEqual(unit === MetricUnit.RATIO ? { min: 0, max: 1 } : { min: 1, max: 30 * 24 * 3600 });
    expect(workflowsOf(d)).toEqual(workflows);
  });

  it("refuses a metric it does not know", () => {
    expect(() => metricDefinition("MEAN_TIME_TO_COFFEE" as PactMetric)).toThrow(/not in the catalogue/);
  });
});

describe("ratio metrics", () => {
  it("SEVERITY_CLASSIFICATION_ACCURACY: 3 of 4 severities right → 0.75", () => {
    const cases = [
      kase("a", { severity: HIGH }, { severity: HIGH }),
      kase("b", { severity: LOW }, { severity: LOW }),
      kase("c", { severity: CRITICAL }, { severity: CRITICAL }),
      kase("d", { severity: CRITICAL }, { severity: MEDIUM }),
    ];

    expect(run(PactMetric.SEVERITY_CLASSIFICATION_ACCURACY, cases)).toEqual({ observed: 0.75, sampleSize: 4, perCase: [1, 1, 1, 0] });
  });

  it("FALSE_POSITIVE_RATE: 3 of 4 benign flagged → 0.75; malicious alerts, flagged or missed, do not count", () => {
    const cases = [
      kase("fp-1", { truePositive: false }, { truePositive: true }),
      kase("fp-2", { truePositive: false }, { truePositive: true }),
      kase("fp-3", { truePositive: false }, { truePositive: true }),
      kase("tn", { truePositive: false }, { truePositive: false }),
      kase("tp", { truePositive: true }, { truePositive: true }),
      kase("fn", { truePositive: true }, { truePositive: false }),
    ];

    expect(run(PactMetric.FALSE_POSITIVE_RATE, cases)).toEqual({ observed: 0.75, sampleSize: 4, perCase: [1, 1, 1, 0, null, null] });
    // Only malicious alerts: nothing to measure.
    expect(measure(metricDefinition(PactMetric.FALSE_POSITIVE_RATE), cases.slice(4))).toEqual({ observed: null, sampleSize: 0 });
  });

  describe("escalation precision and recall", () => {
    const cases = [
      // Warranted, and the team matches ignoring case and spaces: right for both.
      kase("team-case", { escalate: true, escalateTo: "SOC-Tier2" }, { escalate: true, escalateTo: " soc-tier2 " }),
      // Warranted but sent to the wrong team: wrong for both.
      kase("wrong-team", { escalate: true, escalateTo: "IR-Team" }, { escalate: true, escalateTo: "SOC-Tier2" }),
      // Not warranted: a precision miss, not a recall case.
      kase("needless", { escalate: false }, { escalate: true, escalateTo: "SOC-Tier2" }),
      // Warranted, no team named: any team is right.
      kase("any-team", { escalate: true }, { escalate: true, escalateTo: "whoever" }),
      // Warranted but not escalated: a recall miss, not a precision case.
      kase("missed", { escalate: true, escalateTo: "IR-Team" }, { escalate: false }),
      // Warranted, team named, but the output names none: wrong for both.
      kase("no-team", { escalate: true, escalateTo: "IR-Team" }, { escalate: true }),
      // Correctly not escalated: neither.
      kase("quiet", { escalate: false }, { escalate: false }),
    ];

    it("ESCALATION_PRECISION: 2 right of 5 escalations made → 0.4", () => {
      expect(run(PactMetric.ESCALATION_PRECISION, cases)).toEqual({ observed: 0.4, sampleSize: 5, perCase: [1, 0, 0, 1, null, 0, null] });
    });

    it("ESCALATION_RECALL: 2 right of 5 warranted escalations → 0.4", () => {
      expect(run(PactMetric.ESCALATION_RECALL, cases)).toEqual({ observed: 0.4, sampleSize: 5, perCase: [1, 0, null, 1, 0, 0, null] });
    });

    it("recall and precision differ when misses and needless escalations differ: 1/2 vs 1/1", () => {
      const subset = [cases[0]!, cases[4]!]; // team-case, missed
      expect(measure(metricDefinition(PactMetric.ESCALATION_RECALL), subset)).toEqual({ observed: 0.5, sampleSize: 2 });
      expect(measure(metricDefinition(PactMetric.ESCALATION_PRECISION), subset)).toEqual({ observed: 1, sampleSize: 1 });
    });
  });

  it("PLAYBOOK_ROUTING_ACCURACY: names compare ignoring case and spaces; 2 of 3 → 2/3; a case without an output playbook does not count", () => {
    const cases = [
      kase("exact", { playbook: "phishing-response" }, { playbook: "phishing-response" }),
      kase("cased", { playbook: "Ransomware Containment" }, { playbook: "  ransomware containment " }),
      kase("wrong", { playbook: "phishing-response" }, { playbook: "ransomware containment" }),
      kase("none", { playbook: "phishing-response" }, {}),
    ];

    expect(run(PactMetric.PLAYBOOK_ROUTING_ACCURACY, cases)).toEqual({ observed: 2 / 3, sampleSize: 3, perCase: [1, 1, 0, null] });
  });

  it("leaves out cases accepted under an earlier pact version that lack the metric's fields, instead of counting them right", () => {
    // A pact that only had a false-positive clause accepted cases without severities.
    const cases = [
      kase("old", {}, { truePositive: false }),
      kase("new-right", { severity: HIGH }, { severity: HIGH }),
      kase("new-wrong", { severity: HIGH }, { severity: LOW }),
    ];

    expect(run(PactMetric.SEVERITY_CLASSIFICATION_ACCURACY, cases)).toEqual({ observed: 0.5, sampleSize: 2, perCase: [null, 1, 0] });
  });

  it("ATTACK_TECHNIQUE_F1: micro-averaged over cases, sub-techniques distinct, both-empty cases skipped", () => {
    const cases = [
      // T1059.001 is not T1059: TP {T1566}, FP {T1059.001}, FN {T1059}; duplicate output counts once → 2·1 / (2+2) = 0.5
      kase("sub", { techniques: ["T1059", "T1566"] }, { techniques: ["T1059.001", "T1566", "T1566"] }),
      // ids trimmed and upper-cased: TP {T1003}, FP {T1021} → 2·1 / (1+2) = 2/3
      kase("extra", { techniques: ["T1003"] }, { techniques: [" t1003 ", "T1021"] }),
      // Nothing expected, nothing reported: does not count.
      kase("empty", { techniques: [] }, { techniques: [] }),
      // One missed: 0 / (1+0) = 0
      kase("miss", { techniques: ["T1486"] }, { techniques: [] }),
    ];

    // Micro: 2·ΣTP / Σ(|expected| + |output|) = (2+2+0) / (4+3+1) = 4/8 = 0.5.
    // (A macro-average would be (0.5 + 0.667 + 0) / 3 ≈ 0.389.)
    expect(run(PactMetric.ATTACK_TECHNIQUE_F1, cases)).toEqual({ observed: 0.5, sampleSize: 3, perCase: [0.5, 2 / 3, null, 0] });
  });

  it("INDICATOR_PRECISION: defanged indicators equal their refanged form, duplicates count once, cases reporting none skipped", () => {
    const cases = [
      // Three spellings of one indicator → {http://evil.com}, expected → 1/1
      kase(
        "defanged",
        { indicators: ["http://evil.com", "1.2.3.4"] },
        { indicators: ["hxxp://evil[.]com", "http://evil.com", "HXXP://EVIL[.]COM"] },
      ),
      // {bad.example, 10.0.0.1, made-up.net}, only bad.example expected → 1/3
      kase("mixed", { indicators: ["bad.example"] }, { indicators: ["bad[.]example", "10.0.0.1", "made-up.net"] }),
      // Reports none: does not count, though it missed an expected one.
      kase("silent", { indicators: ["bad.example"] }, { indicators: [] }),
    ];

    // (1 + 1) / (1 + 3) = 0.5
    expect(run(PactMetric.INDICATOR_PRECISION, cases)).toEqual({ observed: 0.5, sampleSize: 2, perCase: [1, 1 / 3, null] });
  });

  it("GROUNDING_RATE: groundedIndicators over distinct reported indicators; cases reporting none skipped", () => {
    const cases = [
      // 5 entries, 4 distinct (the defanged duplicate folds), 3 grounded → 3/4
      kase("mostly", {}, { indicators: ["evil.com", "evil[.]com", "10.0.0.5", "http://evil.com/x", "made-up.net"] }, { grounded: 3 }),
      // 1 distinct, 0 grounded → 0/1
      kase("invented", {}, { indicators: ["ghost.example"] }, { grounded: 0 }),
      kase("silent", {}, { indicators: [] }, { grounded: 0 }),
    ];

    // (3 + 0) / (4 + 1) = 0.6
    expect(run(PactMetric.GROUNDING_RATE, cases)).toEqual({ observed: 0.6, sampleSize: 2, perCase: [0.75, 0, null] });
  });

  it("GROUNDING_RATE leaves out a case whose grounding was never computed, rather than count it made up", () => {
    expect(
      caseValue(metricDefinition(PactMetric.GROUNDING_RATE), kase("old", {}, { indicators: ["evil.com"] }, { grounded: null })),
    ).toBeNull();
  });

  it("every metric gives null and sample size 0 over no cases", () => {
    for (const d of METRIC_CATALOGUE.values()) expect(measure(d, [])).toEqual({ observed: null, sampleSize: 0 });
  });
});

describe("countGroundedIndicators", () => {
  const input = {
    alert: {
      title: "Beacon to EVIL[.]com observed",
      details: ["conn from 10.0.0.5 to port 443", { url: "hxxp://evil[.]com/payload", hits: 3, seen: true, note: null }],
    },
  };

  it("finds indicators in nested strings, refanged and ignoring case, each distinct indicator once", () => {
    const indicators = ["evil.com", "http://evil.com/payload", "HXXP://EVIL[.]COM/PAYLOAD", "10.0.0.5"];

    // evil.com, http://evil.com/payload, 10.0.0.5 (the upper-case defanged URL is the second again) → 3
    expect(countGroundedIndicators(indicators, input)).toBe(3);
  });

  it("does not count made-up indicators", () => {
    expect(countGroundedIndicators(["made-up.example", "203.0.113.9", "evil.com"], input)).toBe(1);
    expect(countGroundedIndicators(["made-up.example"], input)).toBe(0);
    expect(countGroundedIndicators([], input)).toBe(0);
  });

  it("needs the indicator as a whole token: a longer address or a parent domain does not ground it", () => {
    const text = { report: "Seen 11.2.3.45 and notevil.com, then www.evil.com. Blocked 1.2.3.4." };

    expect(countGroundedIndicators(["1.2.3.4"], text)).toBe(1);
    expect(countGroundedIndicators(["2.3.4", "1.2.3.45", "evil.com", "vil.com"], text)).toBe(0);
  });
});

describe("percentile metrics", () => {
  it("nearestRank: smallest value with at least p % at or below it", () => {
    const oneTo = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

    expect(nearestRank([40, 10, 30, 20], 50)).toBe(20); // rank ceil(0.5·4) = 2
    expect(nearestRank(oneTo(10), 90)).toBe(9); // rank ceil(0.9·10) = 9
    expect(nearestRank(oneTo(20), 90)).toBe(18); // rank ceil(0.9·20) = 18
    expect(nearestRank(oneTo(7), 90)).toBe(7); // rank ceil(6.3) = 7, not the rounded 6
    expect(nearestRank([30, 10, 20], 50)).toBe(20); // rank ceil(1.5) = 2
    expect(nearestRank([7], 90)).toBe(7);
    expect(nearestRank([5, 1, 3], 100)).toBe(5);
    expect(nearestRank([], 50)).toBeNull();
  });

  it("nearestRank leaves its input unsorted", () => {
    const values = [3, 1, 2];
    nearestRank(values, 50);
    expect(values).toEqual([3, 1, 2]);
  });

  it("TIME_TO_ESCALATE_P90: only escalated cases count, even when others carry a timing", () => {
    const escalated = Array.from({ length: 10 }, (_, i) =>
      kase(`e${i}`, { escalate: true }, { escalate: true }, { timings: { escalationSeconds: (10 - i) * 60 } }),
    );
    const notEscalated = kase("held", { escalate: false }, { escalate: false }, { timings: { escalationSeconds: 99_999 } });

    // 60, 120, …, 600: rank 9 → 540; the 99 999 s of the case not escalated is ignored.
    expect(measure(metricDefinition(PactMetric.TIME_TO_ESCALATE_P90), [...escalated, notEscalated])).toEqual({
      observed: 540,
      sampleSize: 10,
    });
    expect(caseValue(metricDefinition(PactMetric.TIME_TO_ESCALATE_P90), notEscalated)).toBeNull();
    expect(caseValue(metricDefinition(PactMetric.TIME_TO_ESCALATE_P90), escalated[0]!)).toBe(600);
  });

  it("TIME_TO_CONTAINMENT_P50 and _P90 over every case with a timing", () => {
    const cases = [40, 10, 30, 20].map((s, i) => kase(`c${i}`, {}, {}, { timings: { containmentSeconds: s } }));
    const twenty = Array.from({ length: 20 }, (_, i) => kase(`t${i}`, {}, {}, { timings: { containmentSeconds: 20 - i } }));
    const untimed = kase("untimed", {}, {});

    expect(measure(metricDefinition(PactMetric.TIME_TO_CONTAINMENT_P50), [...cases, untimed])).toEqual({ observed: 20, sampleSize: 4 });
    expect(measure(metricDefinition(PactMetric.TIME_TO_CONTAINMENT_P90), [...twenty, untimed])).toEqual({ observed: 18, sampleSize: 20 });
    expect(measure(metricDefinition(PactMetric.TIME_TO_CONTAINMENT_P90), [untimed])).toEqual({ observed: null, sampleSize: 0 });
  });
});

describe("missingFields", () => {
  const need = (metric: PactMetric, c: JudgedCase) => missingFields(metricDefinition(metric), c);

  it("lists the expected and output fields a case lacks", () => {
    expect(need(PactMetric.SEVERITY_CLASSIFICATION_ACCURACY, kase("a", { severity: HIGH }, { severity: HIGH }))).toEqual([]);
    expect(need(PactMetric.SEVERITY_CLASSIFICATION_ACCURACY, kase("a", { severity: HIGH }, {}))).toEqual(["output.severity"]);
    expect(need(PactMetric.SEVERITY_CLASSIFICATION_ACCURACY, kase("a", {}, {}))).toEqual(["expected.severity", "output.severity"]);
    expect(need(PactMetric.FALSE_POSITIVE_RATE, kase("a", { truePositive: false }, { severity: LOW }))).toEqual(["output.truePositive"]);
  });

  it("requires escalationSeconds only when the output escalates", () => {
    expect(need(PactMetric.TIME_TO_ESCALATE_P90, kase("a", {}, { escalate: false }))).toEqual([]);
    expect(need(PactMetric.TIME_TO_ESCALATE_P90, kase("a", {}, { escalate: true }))).toEqual(["timings.escalationSeconds"]);
    expect(need(PactMetric.TIME_TO_ESCALATE_P90, kase("a", {}, { escalate: true }, { timings: { escalationSeconds: 30 } }))).toEqual([]);
    // Whether it escalated is itself needed.
    expect(need(PactMetric.TIME_TO_ESCALATE_P90, kase("a", {}, {}))).toEqual(["output.escalate"]);
  });

  it("requires containmentSeconds on every case", () => {
    expect(need(PactMetric.TIME_TO_CONTAINMENT_P50, kase("a", { playbook: "p" }, { playbook: "p" }))).toEqual([
      "timings.containmentSeconds",
    ]);
  });

  it("accepts an empty list as present, and grounding needs only the output's indicators", () => {
    expect(need(PactMetric.GROUNDING_RATE, kase("a", {}, { indicators: [] }))).toEqual([]);
    expect(need(PactMetric.GROUNDING_RATE, kase("a", { indicators: ["x"] }, {}))).toEqual(["output.indicators"]);
    expect(need(PactMetric.ATTACK_TECHNIQUE_F1, kase("a", { techniques: [] }, {}))).toEqual(["output.techniques"]);
  });
});
