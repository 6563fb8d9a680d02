import { describe, expect, it } from "vitest";
import { AgentDomain } from "../../../../lib/contracts/agent-domain.js";
import { BadUserInputError } from "../../../../lib/platform/errors.js";
import { thrownBy } from "../../../../test/support/thrown.js";
import type { ConsequenceStep, ConsequenceTrigger, RecoveryCondition } from "../consequence.types.js";
import { checkPactTerms, type PactTerms } from "../pact.validation.js";
import { PACT_TEMPLATES, clauseStatement } from "../pact.templates.js";
import { ClauseSeverity, Comparator, ConsequenceAction, EscalationRecipient, EvaluationMethod, PactMetric } from "../../pact.enums.js";

const { WARN, REQUIRE_HUMAN_REVIEW, THROTTLE, DELIST } = ConsequenceAction;
const { ESCALATION_OWNER, BUILDER, ARBITERS, BUYERS } = EscalationRecipient;

/** A fresh copy of a template's terms, to break. */
function termsOf(name: string): PactTerms {
  const { passThreshold, clauses, consequenceLadder, escalationRoute } = structuredClone(PACT_TEMPLATES[name]!);
  return { passThreshold, clauses, consequenceLadder, escalationRoute };
}
const step = (action: ConsequenceAction, trigger: ConsequenceTrigger, recovery: RecoveryCondition | null = null): ConsequenceStep => ({
  action,
  trigger,
  recovery,
});
/** Alert-triage terms with the given ladder, and a route that leaves every step to the default. */
const withLadder = (...ladder: ConsequenceStep[]): PactTerms => ({
  ...termsOf("alert-triage"),
  consequenceLadder: ladder,
  escalationRoute: [],
});

/** The BadUserInputError checkPactTerms refuses `terms` with, failing the test when it accepts them. */
const errorOf = (terms: PactTerms, workflow = AgentDomain.ALERT_TRIAGE, at = "input"): BadUserInputError =>
  thrownBy(() => checkPactTerms(workflow, terms, at), BadUserInputError);

describe("checkPactTerms on the templates", () => {
  it.each(Object.values(PACT_TEMPLATES).map((t) => [t.name, t] as const))(
    "accepts %s unchanged, with one route entry per ladder step",
    (name, template) => {
      const before = structuredClone(template);
      const checked = checkPactTerms(template.workflow, termsOf(name), "input");

      expect(template).toEqual(before);
      expect(checked.passThreshold).toBe(template.passThreshold);
      expect(checked.clauses).toEqual(template.clauses);
      expect(checked.consequenceLadder.map((s) => s.action)).toEqual([
        WARN,
        REQUIRE_HUMAN_REVIEW,
        THROTTLE,
        ConsequenceAction.SUSPEND_LISTING,
        DELIST,
      ]);
      expect(checked.escalationRoute.map((r) => r.action)).toEqual(checked.consequenceLadder.map((s) => s.action));
      expect(checked.escalationRoute).toEqual(template.escalationRoute);
    },
  );

  it("makes the ladder's defaults explicit", () => {
    const { consequenceLadder } = checkPactTerms(AgentDomain.ALERT_TRIAGE, termsOf("alert-triage"), "input");

    expect(consequenceLadder[0]).toEqual({
      action: WARN,
      trigger: { breachCount: 1, breachWindowDays: 30, scoreDropPoints: null, scoreDropWindowDays: null, driftAlarm: false },
      recovery: { passingRuns: 1, minCompositeScore: null, quietDays: null },
    });
    expect(consequenceLadder[4]).toEqual({
      action: DELIST,
      trigger: { breachCount: 8, breachWindowDays: 30, scoreDropPoints: null, scoreDropWindowDays: null, driftAlarm: false },
      recovery: null,
    });
  });
});

describe("checkPactTerms refuses", () => {
  type Case = [label: string, terms: () => PactTerms, field: string, message: RegExp, workflow?: AgentDomain];
  const clauseEdit = (name: string, index: number, edit: Record<string, unknown>) => () => {
    const terms = termsOf(name);
    Object.assign(terms.clauses[index]!, edit);
    return terms;
  };
  const triage = (index: number, edit: Record<string, unknown>) => clauseEdit("alert-triage", index, edit);

  it.each<Case>([
    [
      "a duplicate clause id",
      triage(1, { key: "severity-accuracy" }),
      "input.clauses[1].key",
      /duplicate clause id "severity-accuracy" \(also clauses\[0\]\)/,
    ],
    [
      "a metric not measured on the workflow",
      triage(1, { metric: PactMetric.GROUNDING_RATE }),
      "input.clauses[1].metric",
      /GROUNDING_RATE is not measured on ALERT_TRIAGE cases; it applies to THREAT_INTEL_SYNTHESIS/,
    ],
    [
      "a comparator against a lower-is-better metric",
      triage(1, { comparator: Comparator.GTE }),
      "input.clauses[1].comparator",
      /must use LTE/,
    ],
    [
      "a comparator against a higher-is-better metric",
      triage(0, { comparator: Comparator.LTE }),
      "input.clauses[0].comparator",
      /must use GTE/,
    ],
    ["a ratio threshold of 1.5", triage(0, { threshold: 1.5 }), "input.clauses[0].threshold", /1.5 is outside .* range 0–1/],
    ["a ratio threshold below 0", triage(1, { threshold: -0.01 }), "input.clauses[1].threshold", /outside/],
    ["a NaN threshold", triage(0, { threshold: Number.NaN }), "input.clauses[0].threshold", /outside/],
    [
      "a seconds threshold of 0",
      clauseEdit("incident-escalation", 3, { threshold: 0 }),
      "input.clauses[3].threshold",
      /0 is outside .* range 1–2592000 \(seconds\)/,
      AgentDomain.INCIDENT_ESCALATION,
    ],
    [
      "a seconds threshold above 30 days",
      clauseEdit("playbook-routing", 2, { threshold: 2_592_001 }),
      "input.clauses[2].threshold",
      /outside/,
      AgentDomain.PLAYBOOK_ROUTING,
    ],
    // A percentile has no yes-or-no per case for a jury to decide.
    [
      "a method the metric does not offer",
      clauseEdit("playbook-routing", 2, { method: EvaluationMethod.JURY }),
      "input.clauses[2].method",
      /judged DETERMINISTIC, not JURY/,
      AgentDomain.PLAYBOOK_ROUTING,
    ],
    [
      "a clause without a window",
      triage(0, { windowCases: null, windowDays: null }),
      "input.clauses[0].windowCases",
      /set windowCases, windowDays or both/,
    ],
    [
      "clauses whose weights are all zero",
      () => {
        const t = termsOf("alert-triage");
        for (const c of t.clauses) c.weight = 0;
        return t;
      },
      "input.clauses",
      /weight above 0/,
    ],
    ["no clauses at all", () => ({ ...termsOf("alert-triage"), clauses: [] }), "input.clauses", /weight above 0/],
  ])("%s", (_label, terms, field, message, workflow) => {
    const error = errorOf(terms(), workflow);

    expect(error.extensions).toEqual({ code: "BAD_USER_INPUT", field });
    expect(error.message).toMatch(message);
    expect(error.message.startsWith(`${field}: `)).toBe(true);
  });

  it.each<Case>([
    [
      "WARN after THROTTLE",
      () => withLadder(step(THROTTLE, { breachCount: 1 }), step(WARN, { breachCount: 2 })),
      "input.consequenceLadder[1].action",
      /WARN cannot follow THROTTLE/,
    ],
    [
      "a step twice",
      () => withLadder(step(WARN, { breachCount: 1 }), step(WARN, { breachCount: 2 })),
      "input.consequenceLadder[1].action",
      /WARN cannot follow WARN/,
    ],
    ["a step with no trigger", () => withLadder(step(WARN, {})), "input.consequenceLadder[0].trigger", /needs something that fires it/],
    [
      "a step whose only trigger is driftAlarm false",
      () => withLadder(step(WARN, { driftAlarm: false })),
      "input.consequenceLadder[0].trigger",
      /needs something that fires it/,
    ],
    [
      "breachWindowDays without breachCount",
      () => withLadder(step(WARN, { breachWindowDays: 30, driftAlarm: true })),
      "input.consequenceLadder[0].trigger.breachWindowDays",
      /without breachCount/,
    ],
    [
      "scoreDropWindowDays without scoreDropPoints",
      () => withLadder(step(WARN, { scoreDropWindowDays: 30, breachCount: 1 })),
      "input.consequenceLadder[0].trigger.scoreDropWindowDays",
      /without scoreDropPoints/,
    ],
    [
      "a harsher step with a smaller breachCount than a milder one",
      () =>
        withLadder(step(WARN, { breachCount: 2 }), step(REQUIRE_HUMAN_REVIEW, { driftAlarm: true }), step(THROTTLE, { breachCount: 1 })),
      "input.consequenceLadder[2].trigger.breachCount",
      /THROTTLE would fire on 1 breaches in 30 days, more easily than the milder WARN \(2 in 30 days\)/,
    ],
    [
      "a harsher step with a smaller scoreDropPoints than a milder one",
      () => withLadder(step(WARN, { scoreDropPoints: 100 }), step(THROTTLE, { scoreDropPoints: 50 })),
      "input.consequenceLadder[1].trigger.scoreDropPoints",
      /THROTTLE would fire on 50 points of score drop in 30 days, more easily than the milder WARN \(100 in 30 days\)/,
    ],
    [
      // Same count over a longer look-back: DELIST could fire while WARN never did.
      "a harsher step with the same breachCount over more days",
      () => withLadder(step(WARN, { breachCount: 5, breachWindowDays: 1 }), step(DELIST, { breachCount: 5, breachWindowDays: 365 })),
      "input.consequenceLadder[1].trigger.breachWindowDays",
      /DELIST would fire on 5 breaches in 365 days, more easily than the milder WARN \(5 in 1 days\)/,
    ],
    [
      "a harsher step whose score-drop window defaults to longer than a milder one's",
      () => withLadder(step(WARN, { scoreDropPoints: 50, scoreDropWindowDays: 7 }), step(THROTTLE, { scoreDropPoints: 80 })),
      "input.consequenceLadder[1].trigger.scoreDropWindowDays",
      /THROTTLE would fire on 80 points of score drop in 30 days/,
    ],
    [
      "a recovery with no condition",
      () => withLadder(step(WARN, { breachCount: 1 }, {})),
      "input.consequenceLadder[0].recovery",
      /leave recovery null for arbiter-only/,
    ],
    [
      "a recovery whose conditions are all null",
      () => withLadder(step(WARN, { breachCount: 1 }, { passingRuns: null, minCompositeScore: null, quietDays: null })),
      "input.consequenceLadder[0].recovery",
      /set passingRuns/,
    ],
    [
      "a route naming a step not on the ladder",
      () => ({ ...withLadder(step(WARN, { breachCount: 1 })), escalationRoute: [{ action: DELIST, notify: [BUILDER] }] }),
      "input.escalationRoute[0].action",
      /DELIST is not a step of the consequence ladder/,
    ],
    [
      "a route naming a step twice",
      () => ({
        ...withLadder(step(WARN, { breachCount: 1 })),
        escalationRoute: [
          { action: WARN, notify: [BUILDER] },
          { action: WARN, notify: [ARBITERS] },
        ],
      }),
      "input.escalationRoute[1].action",
      /WARN is routed twice/,
    ],
    [
      "a route naming a recipient twice",
      () => ({
        ...withLadder(step(WARN, { breachCount: 1 })),
        escalationRoute: [{ action: WARN, notify: [BUILDER, ESCALATION_OWNER, BUILDER] }],
      }),
      "input.escalationRoute[0].notify",
      /names a recipient twice/,
    ],
  ])("a ladder or route with %s", (_label, terms, field, message) => {
    const error = errorOf(terms());

    expect(error.extensions).toEqual({ code: "BAD_USER_INPUT", field });
    expect(error.message).toMatch(message);
  });

  it("names the path under the `at` it is given", () => {
    const terms = termsOf("alert-triage");
    terms.clauses[0]!.threshold = 2;

    expect(errorOf(terms, AgentDomain.ALERT_TRIAGE, "input.terms").extensions.field).toBe("input.terms.clauses[0].threshold");
  });
});

describe("checkPactTerms accepts", () => {
  it("a harsher step with an equal breachCount, or none at all", () => {
    const terms = withLadder(step(WARN, { breachCount: 2 }), step(THROTTLE, { breachCount: 2 }), step(DELIST, { driftAlarm: true }));

    expect(checkPactTerms(AgentDomain.ALERT_TRIAGE, terms, "input").consequenceLadder.map((s) => s.trigger.breachCount)).toEqual([
      2,
      2,
      null,
    ]);
  });

  it("a ladder that skips rungs", () => {
    const terms = withLadder(step(WARN, { breachCount: 1 }), step(DELIST, { breachCount: 9 }));

    expect(checkPactTerms(AgentDomain.ALERT_TRIAGE, terms, "input").consequenceLadder.map((s) => s.action)).toEqual([WARN, DELIST]);
  });
});

describe("checkPactTerms fills defaults", () => {
  it("a 30-day window for a count or drop given without one, false for driftAlarm, null for the rest", () => {
    const terms = withLadder(step(WARN, { breachCount: 2 }, { quietDays: 5 }), step(THROTTLE, { scoreDropPoints: 40 }));

    expect(checkPactTerms(AgentDomain.ALERT_TRIAGE, terms, "input").consequenceLadder).toEqual([
      {
        action: WARN,
        trigger: { breachCount: 2, breachWindowDays: 30, scoreDropPoints: null, scoreDropWindowDays: null, driftAlarm: false },
        recovery: { passingRuns: null, minCompositeScore: null, quietDays: 5 },
      },
      {
        action: THROTTLE,
        trigger: { breachCount: null, breachWindowDays: null, scoreDropPoints: 40, scoreDropWindowDays: 30, driftAlarm: false },
        recovery: null,
      },
    ]);
  });

  it("keeps a window that is given", () => {
    const [warn] = checkPactTerms(
      AgentDomain.ALERT_TRIAGE,
      withLadder(step(WARN, { breachCount: 2, breachWindowDays: 7 })),
      "input",
    ).consequenceLadder;

    expect(warn!.trigger).toMatchObject({ breachCount: 2, breachWindowDays: 7 });
  });

  it("a route in ladder order, telling only the escalation owner at steps it leaves out", () => {
    const terms: PactTerms = {
      ...withLadder(step(WARN, { breachCount: 1 }), step(REQUIRE_HUMAN_REVIEW, { breachCount: 2 }), step(DELIST, { breachCount: 5 })),
      escalationRoute: [
        { action: DELIST, notify: [ARBITERS, BUYERS] },
        { action: WARN, notify: [BUILDER] },
      ],
    };

    expect(checkPactTerms(AgentDomain.ALERT_TRIAGE, terms, "input").escalationRoute).toEqual([
      { action: WARN, notify: [BUILDER] },
      { action: REQUIRE_HUMAN_REVIEW, notify: [ESCALATION_OWNER] },
      { action: DELIST, notify: [ARBITERS, BUYERS] },
    ]);
  });
});

describe("clauseStatement", () => {
  const base = {
    metric: PactMetric.SEVERITY_CLASSIFICATION_ACCURACY,
    comparator: Comparator.GTE,
    threshold: 0.92,
    severity: ClauseSeverity.CRITICAL,
  };

  it("states a cases-only window", () => {
    expect(clauseStatement({ ...base, windowCases: 500, windowDays: null })).toBe(
      "severity classification accuracy ≥ 0.92 over the last 500 cases (critical)",
    );
  });

  it("states a days-only window, with one day in the singular", () => {
    expect(clauseStatement({ ...base, windowCases: null, windowDays: 30, severity: ClauseSeverity.MAJOR })).toBe(
      "severity classification accuracy ≥ 0.92 over the last 30 days (major)",
    );
    expect(clauseStatement({ ...base, windowCases: null, windowDays: 1 })).toBe(
      "severity classification accuracy ≥ 0.92 over the last day (critical)",
    );
  });

  it("states both windows", () => {
    const [, , , timeToEscalate] = PACT_TEMPLATES["incident-escalation"]!.clauses;

    expect(clauseStatement(timeToEscalate!)).toBe(
      "time to escalate (p90, seconds) ≤ 900 over the last 500 cases within the last 30 days (minor)",
    );
  });

  it("follows the comparator and metric", () => {
    expect(
      clauseStatement({
        metric: PactMetric.FALSE_POSITIVE_RATE,
        comparator: Comparator.LTE,
        threshold: 0.1,
        windowCases: 40,
        windowDays: null,
        severity: ClauseSeverity.MINOR,
      }),
    ).toBe("false positive rate ≤ 0.1 over the last 40 cases (minor)");
  });
});
