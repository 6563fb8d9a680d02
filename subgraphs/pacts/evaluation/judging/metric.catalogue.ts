import { AgentDomain } from "../../../../lib/contracts/agent-domain.js";
import { EvaluationMethod, MetricDirection, MetricUnit, PactMetric } from "../../pact.enums.js";
import {
  CASE_SCHEMAS,
  indicatorSet,
  sameName,
  techniqueSet,
  type FactField,
  type JudgedCase,
  type TimingField,
} from "./evaluation-case.facts.js";

export type CaseFieldPath = `expected.${FactField}` | `output.${FactField}` | `timings.${TimingField}`;

/** A case field a metric reads; `when` limits the need to the cases it applies to. */
export interface FieldNeed {
  path: CaseFieldPath;
  when?: { describe: string; applies: (c: JudgedCase) => boolean };
}

interface MetricBase {
  metric: PactMetric;
  /** How the metric reads in a clause's statement. */
  phrase: string;
  definition: string;
  unit: MetricUnit;
  direction: MetricDirection;
  /** Thresholds a clause may set. */
  range: { min: number; max: number };
  needs: FieldNeed[];
  methods: EvaluationMethod[];
  /**
   * The question a jury answers about one case, for metrics whose per-case value is a yes or no
   * (a jury's PASS is the good answer); such metrics offer JURY and HYBRID judging.
   */
  juryQuestion?: string;
}

/** Σ numerators / Σ denominators over the cases that have one (a micro-average). */
interface RatioMetric extends MetricBase {
  kind: "ratio";
  /** The case's numerator and denominator, or null when the metric does not apply to the case. */
  count: (c: JudgedCase) => [number, number] | null;
}

/** A nearest-rank percentile of one value per case. */
interface PercentileMetric extends MetricBase {
  kind: "percentile";
  percentile: number;
  value: (c: JudgedCase) => number | null;
}

export type MetricDefinition = RatioMetric | PercentileMetric;

const RATIO = { unit: MetricUnit.RATIO, range: { min: 0, max: 1 } };
const SECONDS = { unit: MetricUnit.SECONDS, range: { min: 1, max: 30 * 24 * 3600 } };
const HIGHER = MetricDirection.HIGHER_IS_BETTER;
const LOWER = MetricDirection.LOWER_IS_BETTER;
const DETERMINISTIC_ONLY = [EvaluationMethod.DETERMINISTIC];
const ANY_METHOD = [EvaluationMethod.DETERMINISTIC, EvaluationMethod.JURY, EvaluationMethod.HYBRID];

const escalated = { describe: "the agent escalated", applies: (c: JudgedCase) => c.output.escalate === true };
/** An escalation is right when one was warranted and, if the case names a team, it went there. */
const rightTeam = (c: JudgedCase) => c.expected.escalateTo === undefined || sameName(c.expected.escalateTo, c.output.escalateTo);
const hit = (correct: boolean): [number, number] => [correct ? 1 : 0, 1];

/** The case's distinct expected and reported indicators, and how many of them are both. */
function indicatorOverlap(c: JudgedCase): { expected: number; reported: number; shared: number } {
  const expected = indicatorSet(c.expected.indicators);
  const reported = indicatorSet(c.output.indicators);
  return { expected: expected.size, reported: reported.size, shared: [...reported].filter((i) => expected.has(i)).length };
}

function percentileMetric(
  metric: PactMetric,
  percentile: number,
  phrase: string,
  timing: TimingField,
  definition: string,
  when?: FieldNeed["when"],
): PercentileMetric {
  return {
    kind: "percentile",
    metric,
    percentile,
    phrase,
    definition,
    ...SECONDS,
    direction: LOWER,
    needs: [...(when ? [{ path: "output.escalate" as const }] : []), { path: `timings.${timing}`, when }],
    methods: DETERMINISTIC_ONLY,
    value: (c) => (when && !when.applies(c) ? null : (c.timings[timing] ?? null)),
  };
}

const DEFINITIONS: MetricDefinition[] = [
  {
    kind: "ratio",
    metric: PactMetric.SEVERITY_CLASSIFICATION_ACCURACY,
    phrase: "severity classification accuracy",
    definition: "Cases whose output severity equals the expected severity, over all cases.",
    ...RATIO,
    direction: HIGHER,
    needs: [{ path: "expected.severity" }, { path: "output.severity" }],
    methods: ANY_METHOD,
    juryQuestion:
      "Is the severity the agent gave this alert right, given the expected severity and the alert itself? Answer PASS when an analyst would accept it.",
    count: (c) => hit(c.output.severity === c.expected.severity),
  },
  {
    kind: "ratio",
    metric: PactMetric.FALSE_POSITIVE_RATE,
    phrase: "false positive rate",
    definition: "FP / (FP + TN): benign alerts (expected truePositive false) that the agent called true positives, over all benign alerts.",
    ...RATIO,
    direction: LOWER,
    needs: [{ path: "expected.truePositive" }, { path: "output.truePositive" }],
    methods: ANY_METHOD,
    juryQuestion:
      "This alert is benign. Did the agent correctly treat it as a false positive? Answer PASS if it did, FAIL if it raised it as a real threat.",
    count: (c) => (c.expected.truePositive === false ? hit(c.output.truePositive === true) : null),
  },
  {
    kind: "ratio",
    metric: PactMetric.ESCALATION_PRECISION,
    phrase: "escalation precision",
    definition:
      "Escalations that were warranted (expected escalate true) and went to the expected team when the case names one, over all escalations the agent made.",
    ...RATIO,
    direction: HIGHER,
    needs: [{ path: "expected.escalate" }, { path: "output.escalate" }],
    methods: ANY_METHOD,
    count: (c) => (c.output.escalate === true ? hit(c.expected.escalate === true && rightTeam(c)) : null),
    juryQuestion:
      "The agent escalated this incident. Was the escalation warranted, and did it go to the right team (the expected one, or an equivalent)? Answer PASS if both.",
  },
  {
    kind: "ratio",
    metric: PactMetric.ESCALATION_RECALL,
    phrase: "escalation recall",
    definition: "Warranted escalations the agent made, to the expected team when the case names one, over all warranted escalations.",
    ...RATIO,
    direction: HIGHER,
    needs: [{ path: "expected.escalate" }, { path: "output.escalate" }],
    methods: ANY_METHOD,
    count: (c) => (c.expected.escalate === true ? hit(c.output.escalate === true && rightTeam(c)) : null),
    juryQuestion:
      "This incident needed escalating. Did the agent escalate it to the right team (the expected one, or an equivalent)? Answer PASS if it did.",
  },
  percentileMetric(
    PactMetric.TIME_TO_ESCALATE_P90,
    90,
    "time to escalate (p90, seconds)",
    "escalationSeconds",
    "Nearest-rank 90th percentile of timings.escalationSeconds over the cases the agent escalated.",
    escalated,
  ),
  {
    kind: "ratio",
    metric: PactMetric.PLAYBOOK_ROUTING_ACCURACY,
    phrase: "playbook routing accuracy",
    definition: "Cases routed to the expected playbook (names compared ignoring case and surrounding spaces), over all cases.",
    ...RATIO,
    direction: HIGHER,
    needs: [{ path: "expected.playbook" }, { path: "output.playbook" }],
    methods: ANY_METHOD,
    count: (c) => hit(sameName(c.expected.playbook, c.output.playbook)),
    juryQuestion:
      "Did the agent route this incident to the expected response playbook, or to one that is equivalent for this incident? Answer PASS if so.",
  },
  percentileMetric(
    PactMetric.TIME_TO_CONTAINMENT_P50,
    50,
    "time to containment (p50, seconds)",
    "containmentSeconds",
    "Nearest-rank median of timings.containmentSeconds over all cases.",
  ),
  percentileMetric(
    PactMetric.TIME_TO_CONTAINMENT_P90,
    90,
    "time to containment (p90, seconds)",
    "containmentSeconds",
    "Nearest-rank 90th percentile of timings.containmentSeconds over all cases.",
  ),
  {
    kind: "ratio",
    metric: PactMetric.ATTACK_TECHNIQUE_F1,
    phrase: "ATT&CK technique F1",
    definition:
      "Micro-averaged F1 of output against expected technique ids: 2·ΣTP / (2·ΣTP + ΣFP + ΣFN) over the window. Ids compare exactly, so T1059.001 is not T1059. Cases where both sets are empty do not count.",
    ...RATIO,
    direction: HIGHER,
    needs: [{ path: "expected.techniques" }, { path: "output.techniques" }],
    methods: DETERMINISTIC_ONLY,
    count: (c) => {
      const expected = techniqueSet(c.expected.techniques);
      const output = techniqueSet(c.output.techniques);
      const truePositives = [...output].filter((t) => expected.has(t)).length;
      const denominator = expected.size + output.size; // = 2·TP + FP + FN
      return denominator === 0 ? null : [2 * truePositives, denominator];
    },
  },
  {
    kind: "ratio",
    metric: PactMetric.INDICATOR_PRECISION,
    phrase: "indicator precision",
    definition:
      "Distinct reported indicators (refanged, lower-cased) that are among the expected ones, over all distinct reported indicators. Cases reporting none do not count.",
    ...RATIO,
    direction: HIGHER,
    needs: [{ path: "expected.indicators" }, { path: "output.indicators" }],
    methods: DETERMINISTIC_ONLY,
    count: (c) => {
      const { reported, shared } = indicatorOverlap(c);
      return reported === 0 ? null : [shared, reported];
    },
  },
  {
    kind: "ratio",
    metric: PactMetric.INDICATOR_RECALL,
    phrase: "indicator recall",
    definition:
      "Distinct expected indicators (refanged, lower-cased) that the agent reported, over all distinct expected indicators: precision and grounding alone reward reporting less. Cases expecting none do not count.",
    ...RATIO,
    direction: HIGHER,
    needs: [{ path: "expected.indicators" }, { path: "output.indicators" }],
    methods: DETERMINISTIC_ONLY,
    count: (c) => {
      const { expected, shared } = indicatorOverlap(c);
      return expected === 0 ? null : [shared, expected];
    },
  },
  {
    kind: "ratio",
    metric: PactMetric.GROUNDING_RATE,
    phrase: "grounding rate",
    definition:
      "Distinct reported indicators that occur verbatim (refanged, ignoring case) in the case's input, over all distinct reported indicators: an indicator absent from the sources was made up. Cases reporting none do not count.",
    ...RATIO,
    direction: HIGHER,
    needs: [{ path: "output.indicators" }],
    methods: DETERMINISTIC_ONLY,
    count: (c) => {
      const claimed = indicatorSet(c.output.indicators).size;
      // Not counted at submission (never happens for cases stored since grounding exists): unknown, not wrong.
      return claimed === 0 || c.groundedIndicators === null ? null : [c.groundedIndicators, claimed];
    },
  },
];

export const METRIC_CATALOGUE: ReadonlyMap<PactMetric, MetricDefinition> = new Map(DEFINITIONS.map((d) => [d.metric, d]));

export function metricDefinition(metric: PactMetric): MetricDefinition {
  const definition = METRIC_CATALOGUE.get(metric);
  if (!definition) throw new Error(`metric ${metric} is not in the catalogue`);
  return definition;
}

/** The workflows whose cases carry every field the metric reads. */
export function workflowsOf(definition: MetricDefinition): AgentDomain[] {
  return Object.values(AgentDomain).filter((workflow) =>
    definition.needs.every(({ path }) => {
      const [side, field] = path.split(".") as ["expected" | "output" | "timings", string];
      const schema = CASE_SCHEMAS[workflow];
      return side === "timings" ? schema.timings.includes(field as TimingField) : schema.facts.includes(field as FactField);
    }),
  );
}

/** The fields the metric needs that the case lacks. */
export function missingFields(definition: MetricDefinition, c: JudgedCase): CaseFieldPath[] {
  return definition.needs
    .filter((need) => !need.when || need.when.applies(c))
    .filter(({ path }) => {
      const [side, field] = path.split(".") as ["expected" | "output" | "timings", string];
      return (c[side] as Record<string, unknown>)[field] == null;
    })
    .map(({ path }) => path);
}

/**
 * Whether the case carries what the metric reads. Submission refuses cases lacking a field the
 * pact needs, but a window reaches back over cases accepted under earlier versions of the pact,
 * which may not have needed it: those do not count, rather than count as right or wrong.
 */
function applies(definition: MetricDefinition, c: JudgedCase): boolean {
  return missingFields(definition, c).length === 0;
}

function countOf(definition: MetricDefinition & { kind: "ratio" }, c: JudgedCase): [number, number] | null {
  return applies(definition, c) ? definition.count(c) : null;
}

function percentileOf(definition: MetricDefinition & { kind: "percentile" }, c: JudgedCase): number | null {
  return applies(definition, c) ? definition.value(c) : null;
}

/** The metric for one case on its own: its ratio, or its value; null when the metric does not apply. */
export function caseValue(definition: MetricDefinition, c: JudgedCase): number | null {
  if (definition.kind === "percentile") return percentileOf(definition, c);
  const counted = countOf(definition, c);
  return counted && counted[1] > 0 ? counted[0] / counted[1] : null;
}

/**
 * The share of cases that meet a clause's promise in a run exactly at its threshold, which sets
 * how many cases the clause needs (run-verdict.math.ts, minSampleSize): a ratio where higher is
 * better meets "≥ p" on a share p of its cases, one where lower is better meets "≤ p" on 1 − p,
 * and a percentile clause ("p90 ≤ t") on the percentile's share (0.9), whatever t. F1 is not a
 * per-case share; its threshold is taken as one, a close enough guide for a minimum.
 */
export function shareAtThreshold(definition: MetricDefinition, threshold: number): number {
  if (definition.kind === "percentile") return definition.percentile / 100;
  return definition.direction === MetricDirection.HIGHER_IS_BETTER ? threshold : 1 - threshold;
}

/** Nearest-rank percentile: the smallest value with at least p % of the values at or below it. */
export function nearestRank(values: readonly number[], percentile: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((percentile / 100) * sorted.length) - 1)]!;
}

/**
 * A case's value decided by a jury or a human instead of the deterministic check: 1 or 0 for a
 * yes-or-no metric; undefined to keep the deterministic value.
 */
export type CaseValueOverride = (c: JudgedCase) => number | undefined;

/**
 * The metric over a window of cases, and how many cases it applied to; null when none. Where
 * `override` gives a value, it replaces the case's own (only yes-or-no metrics are judged so).
 */
export function measure(
  definition: MetricDefinition,
  cases: readonly JudgedCase[],
  override?: CaseValueOverride,
): { observed: number | null; sampleSize: number } {
  if (definition.kind === "percentile") {
    const values = cases.map((c) => percentileOf(definition, c)).filter((v): v is number => v !== null);
    return { observed: nearestRank(values, definition.percentile), sampleSize: values.length };
  }
  let numerator = 0;
  let denominator = 0;
  let sampleSize = 0;
  for (const c of cases) {
    const counted = countOf(definition, c);
    if (!counted) continue;
    const decided = override?.(c);
    numerator += decided ?? counted[0];
    denominator += decided === undefined ? counted[1] : 1;
    sampleSize += 1;
  }
  return { observed: denominator > 0 ? numerator / denominator : null, sampleSize };
}
