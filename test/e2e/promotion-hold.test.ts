/**
 * Issue 18, item 1, end to end through the gateway: no promotion under an open alarm
 * (listing-2026.12-1, docs/scoring.md "No promotion under an open alarm").
 *
 * An alert-triage agent under the alert-triage template pact (severity accuracy ≥ 0.92 over the
 * last 500 cases, critical; the default ladder). Ten ISO weeks, the current week last (reports may
 * not be filed for weeks that have not started). Each week a buyer files its KPI report; in the
 * four pilot weeks the builder also submits a 200-case evaluation run (194 severities right, no
 * false positive), which leaves the composite at 971 with confidence 0.922: PLATINUM's composite
 * bars are met from the pilot on, so reputation alone decides between GOLD and PLATINUM.
 *
 *  week  severity accuracy   report quality   reputation (depends on the weekday: see below)
 *  W1–4  0.958 … 0.966       0.912 … 0.915    784–791 at W4: GOLD (PLATINUM needs 850)
 *  W5    0.951               0.911
 *  W6    0.944 ← KPI alarm   0.909            REQUIRE_HUMAN_REVIEW fires, still GOLD
 *  W7    0.936               0.907
 *  W8    0.925               0.904            844–848: still GOLD on the scores alone
 *  W9    0.917 (< 0.92)      0.902            852–856: the scores alone give PLATINUM; held at GOLD
 *  W10   0.893               0.896            857–860: held at GOLD
 *
 * The other KPIs stay put: escalation quality 0.88, false-positive load 0.16, containment 45 min,
 * 200 analyst overrides in 2,000 alerts. The KPI CUSUM's baseline is the pilot's mean, 0.9625;
 * with k = 0.005 it reaches 0.0065 at 0.951 and 0.020 > h = 0.015 at 0.944.
 *
 * Reputation depends on the weekday the test runs: past weeks' reports count from the end of
 * their week, decayed to now, so up to a week's more decay (a factor down to 0.92) on the same
 * evidence. The ranges above cover a whole week; the assertions only use the bars 750 and 850.
 * Finally an arbiter lifts the step: the alarm, raised before the lift, no longer counts, and the
 * agent is promoted to PLATINUM at once.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { isoWeekOf, weeksEnding } from "../../subgraphs/reputation/scorecard.math.js";
import { DATABASE_KINDS } from "../support/databases.js";
import { REGISTER_AGENT } from "../support/fixtures.js";
import { bearer, dataOf, postGraphQL } from "../support/graphql-client.js";
import { eventually, useTestSystem } from "../support/system.js";

type Data = Record<string, any>;

const ADOPT = `mutation($a: ID!) { adoptPactTemplate(agentId: $a, template: "alert-triage") { id status } }`;
const SUBMIT = `mutation($i: SubmitEvaluationRunInput!) { submitEvaluationRun(input: $i) { id } }`;
const RUN = `query($id: ID!) { evaluationRun(id: $id) { id status passed passedCount failedCount } }`;
const REPORT = `mutation($i: KpiReportInput!) { submitKpiReport(input: $i) }`;
const TRUST = `query($id: ID!) {
  agent(id: $id) {
    trust { compositeScore compositeConfidence reputationScore reputationConfidence tier eligible reasons consequence humanReviewRequired driftAlarm policyVersion }
    eligibilityHistory(first: 100) { edges { node { tier eligible consequence cause policyVersion } } }
  }
}`;
const RECOMPUTE = `mutation($a: ID!) { recomputeTrust(agentId: $a) { tier eligible reasons compositeScore reputationScore } }`;
const LIFT = `mutation($a: ID!, $r: String!) { liftConsequence(agentId: $a, reason: $r) { tier eligible reasons consequence driftAlarm } }`;

/** The numbers: a pilot reaching 0.966, then the slide. */
const SEVERITY_ACCURACY = [0.958, 0.962, 0.964, 0.966, 0.951, 0.944, 0.936, 0.925, 0.917, 0.893];
const PILOT_WEEKS = 4;
const RUN_CASES = 200;
/** The true-positive alerts the agent under-calls INFORMATIONAL in each pilot run: 6 of 200. */
const MISSES = new Set([1, 2, 4, 5, 7, 8]);
const HELD =
  "tier held at GOLD (the scores alone give PLATINUM) while a KPI drift alarm from the weekly scorecard and the consequence step REQUIRE_HUMAN_REVIEW stands: no promotion until the alarm clears or the step is lifted";

/** One pilot week's cases: expected HIGH, every third alert benign and called so. */
function pilotCases(week: number) {
  return Array.from({ length: RUN_CASES }, (_, i) => {
    const truePositive = i % 3 !== 0;
    return {
      caseId: `w${week}-${i}`,
      input: { rule: "suspicious-powershell", host: `ws-${week}-${i}` },
      expected: { severity: "HIGH", truePositive },
      output: { severity: MISSES.has(i) ? "INFORMATIONAL" : "HIGH", truePositive },
    };
  });
}

describe.each(DATABASE_KINDS)("no promotion under an open alarm, the issue's scenario through the gateway (%s)", (kind) => {
  const system = useTestSystem(kind);
  let builder: Record<string, string>;
  let buyer: Record<string, string>;
  let arbiter: Record<string, string>;
  let weeks: string[];

  const ok = async (query: string, variables: Record<string, unknown>, headers: Record<string, string>) =>
    dataOf(await postGraphQL<Data>(system.gatewayUrl, query, variables, headers));

  beforeAll(async () => {
    [builder, buyer, arbiter] = await Promise.all([bearer("builder", "nadia"), bearer("buyer", "bob"), bearer("arbiter", "ada")]);
    weeks = weeksEnding(isoWeekOf(new Date()), SEVERITY_ACCURACY.length);
  });

  it("holds a GOLD agent at GOLD from the alarm at 0.944 on, though its reputation passes PLATINUM's bar at 0.917; lifting the step promotes it", async () => {
    const agentId = (
      await ok(
        REGISTER_AGENT,
        { input: { name: "Larkspur Triage", description: "Triages EDR alerts after a strong pilot", domains: ["ALERT_TRIAGE"] } },
        builder,
      )
    ).registerAgent.id;
    const pact = (await ok(ADOPT, { a: agentId }, builder)).adoptPactTemplate;
    expect(pact.status).toBe("ACTIVE");
    const pactId = pact.id;
    const trust = async () => (await ok(TRUST, { id: agentId }, builder)).agent;

    /** Week `n` (1-based): the buyer's report, then in the pilot the builder's run, judged. */
    async function liveWeek(n: number) {
      const report = {
        agentId,
        week: weeks[n - 1],
        alertsHandled: 2000,
        humanOverrides: 200,
        timeToContainmentMinutes: 45,
        falsePositiveLoad: 0.16,
        severityAccuracy: SEVERITY_ACCURACY[n - 1],
        escalationQuality: 0.88,
      };
      expect((await ok(REPORT, { i: report }, buyer)).submitKpiReport).toBe(true);
      if (n > PILOT_WEEKS) return;
      const runId = (await ok(SUBMIT, { i: { agentId, pactId, cases: pilotCases(n) } }, builder)).submitEvaluationRun.id;
      const run = await eventually(
        async () => {
          const current = (await ok(RUN, { id: runId }, builder)).evaluationRun;
          return ["COMPLETED", "AWAITING_REVIEW", "FAILED"].includes(current.status) ? current : undefined;
        },
        30_000,
        `week ${n}'s run to be judged`,
      );
      expect(run).toMatchObject({ status: "COMPLETED", passed: true, passedCount: RUN_CASES - MISSES.size, failedCount: MISSES.size });
    }

    for (let n = 1; n <= PILOT_WEEKS; n += 1) await liveWeek(n);
    // The pilot: the composite meets PLATINUM's bars (900 at 0.9), reputation GOLD's but not PLATINUM's.
    let now = (await trust()).trust;
    expect(now).toMatchObject({ compositeScore: 971, compositeConfidence: 0.922, tier: "GOLD", eligible: true, driftAlarm: false });
    expect(now.reputationScore).toBeGreaterThanOrEqual(750);
    expect(now.reputationScore).toBeLessThan(850);

    // W5 (0.951): no alarm yet (S = 0.0065). W6 (0.944): the alarm, and the human-review step.
    await liveWeek(5);
    expect((await trust()).trust).toMatchObject({ tier: "GOLD", driftAlarm: false, consequence: null });
    await liveWeek(6);
    now = (await trust()).trust;
    expect(now).toMatchObject({
      tier: "GOLD",
      eligible: true,
      driftAlarm: true,
      consequence: "REQUIRE_HUMAN_REVIEW",
      humanReviewRequired: true,
    });

    // W7, W8: reputation keeps rising, still short of PLATINUM's 850: GOLD on the scores alone.
    await liveWeek(7);
    await liveWeek(8);
    now = (await trust()).trust;
    expect(now.reputationScore).toBeLessThan(850);
    expect(now).toMatchObject({ tier: "GOLD", eligible: true });
    expect(now.reasons).not.toContain(HELD);

    // W9 (0.917, below the pact's 0.92): the scores alone now give PLATINUM, and the agent stays GOLD.
    await liveWeek(9);
    now = (await trust()).trust;
    expect(now.compositeScore).toBeGreaterThanOrEqual(900);
    expect(now.compositeConfidence).toBeGreaterThanOrEqual(0.9);
    expect(now.reputationScore).toBeGreaterThanOrEqual(850);
    expect(now).toMatchObject({
      tier: "GOLD",
      eligible: true,
      driftAlarm: true,
      consequence: "REQUIRE_HUMAN_REVIEW",
      humanReviewRequired: true,
      policyVersion: "listing-2026.12-1",
    });
    expect(now.reasons).toContain(HELD);
    expect(now.reasons[0]).toMatch(/^tier PLATINUM: composite score 971 with confidence 0\.922, reputation score 8[5-9]\d/);

    // A recompute from all the evidence decides the same.
    const recomputed = (await ok(RECOMPUTE, { a: agentId }, arbiter)).recomputeTrust;
    expect(recomputed).toMatchObject({
      tier: "GOLD",
      eligible: true,
      compositeScore: now.compositeScore,
      reputationScore: now.reputationScore,
    });
    expect(recomputed.reasons).toContain(HELD);

    // W10 (0.893): still held.
    await liveWeek(10);
    now = (await trust()).trust;
    expect(now.reputationScore).toBeGreaterThanOrEqual(850);
    expect(now).toMatchObject({ tier: "GOLD", consequence: "REQUIRE_HUMAN_REVIEW" });
    expect(now.reasons).toContain(HELD);
    // The history never showed PLATINUM: GOLD throughout once rated.
    const history = (await trust()).eligibilityHistory.edges.map((edge: Data) => edge.node);
    expect(history.map((change: Data) => change.tier)).not.toContain("PLATINUM");

    // An arbiter lifts the step: the alarm standing since before the lift no longer counts, and
    // promotion resumes at once.
    const lifted = (await ok(LIFT, { a: agentId, r: "SOC Tier-2 re-audited the severity rubric with the builder" }, arbiter))
      .liftConsequence;
    expect(lifted).toMatchObject({ tier: "PLATINUM", eligible: true, consequence: null, driftAlarm: true });
    expect(lifted.reasons.some((reason: string) => reason.startsWith("tier held"))).toBe(false);
  }, 180_000);
});
