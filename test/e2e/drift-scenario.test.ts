/**
 * The scenario of ../shared/DOMAIN.md, end to end through the gateway: a team expands an
 * alert-triage agent after a strong pilot; volume grows, edge cases multiply and accuracy slowly
 * slips while the trust controls stay as they were. The product must catch the drift early from
 * the weekly scorecard and the evaluation evidence, route uncertain cases to humans, escalate to
 * the pact's owner, and only then, if it keeps degrading, change the listing.
 *
 * One agent lives through twelve ISO weeks, the last one the current week (reports may not be
 * filed for weeks that have not started). Each week a buyer files that week's KPI report, then
 * the builder submits a 20-case evaluation run against the pact and waits for its verdict. Each
 * test tells part of the story with an agent of its own, which it first brings through the weeks
 * before its part as the tests of those weeks do (`storyThrough`): any test runs alone, in any order.
 *
 *  week  KPI severityAccuracy  alerts   run misses (of 20)       window accuracy (last 500 cases)   run
 *  W1–4  0.95                  1200…2000  1 each                 76/80   = 0.95                      pass
 *  W5    0.94                  2600       2                      94/100  = 0.94                      pass
 *  W6    0.93  ← KPI CUSUM alarm 3400     2                      112/120 = 0.9333                    pass
 *  W7    0.92                  4400       2 + 2 split → humans   129/140 = 0.9214                    pass
 *  W8    0.91                  5700       3                      146/160 = 0.9125 < 0.92             breach 1
 *  W9…W12 0.90…0.87            …          3 each                 …/240   = 0.8917                    breaches 2–5
 *
 * What must happen, and when: the KPI drift alarm in W6 (0.93), from the report alone, while
 * every run still meets the pact; at that same step REQUIRE_HUMAN_REVIEW and an escalation to the
 * pact's owner, the listing unchanged; in W7 the split cases wait for an arbiter; the listing
 * changes at the first breach of the critical severity clause (W8), not before, and the owner is
 * told; THROTTLE at the third breach (W10) and SUSPEND_LISTING at the fifth (W12), which then
 * holds even against a passing run.
 *
 * The pact is the alert-triage template (severity accuracy ≥ 0.92 over the last 500 cases,
 * critical; false-positive rate ≤ 0.1, major; the default ladder and route), with the severity
 * clause judged HYBRID so that cases the offline rubric jury splits on go to arbiters.
 */
import { beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { isoWeekOf, weeksEnding } from "../../subgraphs/reputation/scorecard.math.js";
import { DATABASE_KINDS } from "../support/databases.js";
import { REGISTER_AGENT } from "../support/fixtures.js";
import { bearer, dataOf, postGraphQL, type GraphQLResponse } from "../support/graphql-client.js";
import { eventually, useTestSystem } from "../support/system.js";

type Data = Record<string, any>;
type Severity = "INFORMATIONAL" | "LOW" | "MEDIUM" | "HIGH" | "CRITICAL";

const ADOPT = `mutation($a: ID!, $owner: EscalationOwnerInput) {
  adoptPactTemplate(agentId: $a, template: "alert-triage", escalationOwner: $owner) {
    id version clauses { key metric comparator threshold windowCases windowDays method weight severity }
  }
}`;
const AMEND = `mutation($p: ID!, $i: AmendPactInput!) { amendPact(pactId: $p, input: $i) { id } }`;
const ACTIVATE = `mutation($p: ID!) {
  activatePact(pactId: $p) { id version status clauses { key method threshold windowCases severity } escalationOwner { team contact ackDeadlineMinutes } }
}`;
const SUBMIT = `mutation($i: SubmitEvaluationRunInput!) { submitEvaluationRun(input: $i) { id status sliceCount } }`;
const RUN = `query($id: ID!) {
  evaluationRun(id: $id) {
    id status passedCount failedCount passed
    clauseResults { clauseKey observed sampleSize outcome }
    juryVerdicts { caseId outcome decidedBy juryOutcome deterministicOutcome reviewer votes { juror verdict } }
  }
}`;
const REPORT = `mutation($i: KpiReportInput!) { submitKpiReport(input: $i) }`;
const APPEAL = `mutation($i: AppealVerdictInput!) { appealVerdict(input: $i) { id } }`;
const ASSIGN = `mutation($d: ID!) { assignDispute(disputeId: $d) { status } }`;
const WITHDRAW = `mutation($d: ID!, $r: String!) { withdrawDispute(disputeId: $d, reason: $r) { status } }`;
const STANDING = `query($id: ID!) {
  agent(id: $id) {
    trust { compositeScore compositeConfidence tier eligible reasons consequence consequenceSince driftAlarm passingStreak evaluationRuns }
    eligibilityHistory(first: 1) { edges { node { eligible tier consequence cause causeId reasons } } }
  }
  searchAgents(filter: { domain: ALERT_TRIAGE }) { edges { node { id } } }
}`;
const ELIGIBILITY_HISTORY = `query($id: ID!) {
  agent(id: $id) { eligibilityHistory(first: 100) { edges { node { eligible tier consequence cause causeId } } } }
}`;
const ESCALATIONS = `query($id: ID!) {
  agent(id: $id) {
    escalations(first: 20) {
      edges { node { id pactId action direction notify ownerTeam ownerContact reason cause causeId createdAt ackDueAt acknowledgedAt } }
    }
  }
}`;
const ACKNOWLEDGE = `mutation($e: ID!) { acknowledgeEscalation(escalationId: $e) { id acknowledgedAt } }`;
const SCORECARD = `query($id: ID!, $end: String!, $weeks: Int!) {
  agent(id: $id) {
    scorecard(endingWeek: $end, weeks: $weeks) {
      weeks { week alertsHandled severityAccuracy }
      trends { kpi trend slopePerWeek }
      driftAlarms { kpi week statistic baseline }
    }
  }
}`;
const QUEUE = `{ reviewQueue(first: 50) { edges { node { id caseId agent { id } uncertainBecause votes { juror verdict } } } } }`;
const REVIEW = `mutation($id: ID!, $v: ReviewVerdict!, $note: String!) { submitReview(reviewId: $id, verdict: $v, note: $note) { caseId outcome decidedBy reviewer } }`;

/** The scorecard of the story: severity accuracy slips a point a week after a four-week pilot at 0.95, while volume grows. */
const SEVERITY_ACCURACY = [0.95, 0.95, 0.95, 0.95, 0.94, 0.93, 0.92, 0.91, 0.9, 0.89, 0.88, 0.87];
const ALERTS_HANDLED = [1200, 1400, 1700, 2000, 2600, 3400, 4400, 5700, 7400, 9600, 12_500, 16_000];
/** Positions of a run's misclassified alerts: never a benign one (every third), so the false-positive clause stays clean. */
const MISS_POSITIONS = [1, 2, 4, 5, 7, 8];

/**
 * 20 alert-triage cases for one week: expected HIGH, every third alert benign (7 of 20) and
 * correctly called so. `misses` are the severities the agent gave instead of HIGH, in order.
 * The offline rubric jury (strict 0.9 / balanced 0.7 / lenient 0.5 on s = 1 − distance/4) is
 * unanimous on HIGH (s = 1, PASS) and INFORMATIONAL (s = 0.25, FAIL), and splits 2–1 on MEDIUM
 * or CRITICAL (s = 0.75): those are the edge cases that go to a human.
 */
function weekCases(prefix: string, misses: Severity[], total = 20) {
  return Array.from({ length: total }, (_, i) => {
    const miss = MISS_POSITIONS.indexOf(i);
    const truePositive = i % 3 !== 0;
    return {
      caseId: `${prefix}-${i}`,
      input: { rule: "suspicious-powershell", host: `ws-${prefix}-${i}` },
      expected: { severity: "HIGH", truePositive },
      output: { severity: miss >= 0 && miss < misses.length ? misses[miss] : "HIGH", truePositive },
    };
  });
}
const informational = (n: number): Severity[] => Array.from({ length: n }, () => "INFORMATIONAL");
/** The pact's escalation owner: the SOC's tier-2 team, 30 minutes to acknowledge. */
const OWNER = { team: "SOC Tier-2", contact: "soc-tier2@example.com", ackDeadlineMinutes: 30 };

// This story is about the ladder, the scorecard and escalation. Its arbiters overrule the offline
// jurors at W7, which under the calibrated jury would send every later case of those jurors to
// humans; the calibrated jury has its own tests (juror-calibration.test.ts), so here it only
// weighs votes and never routes on its own (the judge reads the process's configuration).
vi.stubEnv("JURY_AGREEMENT_TARGET", "0");

describe.each(DATABASE_KINDS)("the DOMAIN drift scenario through the gateway (%s)", (kind) => {
  const system = useTestSystem(kind);
  let builder: Record<string, string>;
  let buyer: Record<string, string>;
  let arbiter: Record<string, string>;
  /** The twelve ISO weeks of the story, the current week last. */
  let weeks: string[];
  /**
   * The agent of the test under way, its pact, and its runs' ids by week (week n's at n − 1). Each
   * test arranges its own agent, living through the weeks before its own (see `storyThrough`).
   */
  let agentId: string;
  let pactId: string;
  let runIds: string[];
  /** Agents registered so far: names are unique per builder. */
  let agents = 0;

  const gql = (
    query: string,
    variables: Record<string, unknown> = {},
    headers: Record<string, string> = {},
  ): Promise<GraphQLResponse<Data>> => postGraphQL<Data>(system.gatewayUrl, query, variables, headers);
  const ok = async (query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
    dataOf(await gql(query, variables, headers));

  beforeAll(async () => {
    [builder, buyer, arbiter] = await Promise.all([bearer("builder", "nadia"), bearer("buyer", "bob"), bearer("arbiter", "ada")]);
    weeks = weeksEnding(isoWeekOf(new Date()), 12);
  });
  beforeEach(() => {
    // Nothing carries over from the test before: one that arranges no agent of its own fails.
    agentId = pactId = "none arranged";
    runIds = [];
  });

  /** Week `n` (1-based) of the buyer's scorecard: only severity accuracy and volume move. */
  const fileReport = async (n: number) =>
    expect(
      (
        await ok(
          REPORT,
          {
            i: {
              agentId,
              week: weeks[n - 1],
              alertsHandled: ALERTS_HANDLED[n - 1],
              timeToContainmentMinutes: 45,
              falsePositiveLoad: 0.12,
              severityAccuracy: SEVERITY_ACCURACY[n - 1],
              escalationQuality: 0.9,
            },
          },
          buyer,
        )
      ).submitKpiReport,
    ).toBe(true);

  /** Polls a run until the judge has done what it can: COMPLETED, or AWAITING_REVIEW when humans must decide. */
  const settled = (runId: string) =>
    eventually(
      async () => {
        const run = (await ok(RUN, { id: runId }, builder)).evaluationRun;
        return ["COMPLETED", "AWAITING_REVIEW", "FAILED"].includes(run.status) ? run : undefined;
      },
      20_000,
      `run ${runId} to be judged`,
    );

  /** Week `n`'s evaluation run, submitted by the builder; returns it as the judge left it. */
  async function submitRun(n: number, misses: Severity[], total = 20) {
    const run = (await ok(SUBMIT, { i: { agentId, pactId, cases: weekCases(`w${n}`, misses, total) } }, builder)).submitEvaluationRun;
    runIds[n - 1] = run.id;
    return settled(run.id);
  }

  async function runWeek(n: number, misses: Severity[]) {
    const run = await submitRun(n, misses);
    expect(run.status).toBe("COMPLETED");
    return run;
  }

  /** Polls a run awaiting review until it is decided. */
  const completed = (runId: string, what: string) =>
    eventually(
      async () => {
        const current = (await ok(RUN, { id: runId }, builder)).evaluationRun;
        return current.status === "COMPLETED" ? current : undefined;
      },
      20_000,
      what,
    );

  /** Trust, newest eligibility change, and whether a default search lists the agent. */
  async function standing() {
    const data = await ok(STANDING, { id: agentId });
    return {
      trust: data.agent.trust,
      lastChange: data.agent.eligibilityHistory.edges[0]?.node,
      listed: data.searchAgents.edges.some((e: Data) => e.node.id === agentId),
    };
  }
  const escalations = async () => (await ok(ESCALATIONS, { id: agentId }, builder)).agent.escalations.edges.map((e: Data) => e.node);
  const severityClause = (run: Data) => run.clauseResults.find((r: Data) => r.clauseKey === "severity-accuracy");

  /**
   * The story's start, for the test under way: an alert-triage agent of its own under the triage
   * pact, its severity clause judged HYBRID, owned by the SOC's tier-2 team. Returns the pact as
   * activated.
   */
  async function adoptStoryPact(): Promise<Data> {
    agents += 1;
    const agent = (
      await ok(
        REGISTER_AGENT,
        { input: { name: `Tidewater Triage ${agents}`, description: "Triages EDR alerts for a growing SOC", domains: ["ALERT_TRIAGE"] } },
        builder,
      )
    ).registerAgent;
    agentId = agent.id;
    const v1 = (await ok(ADOPT, { a: agentId, owner: OWNER }, builder)).adoptPactTemplate;
    const clauses = v1.clauses.map((c: Data) => (c.key === "severity-accuracy" ? { ...c, method: "HYBRID" } : c));
    const draft = (await ok(AMEND, { p: v1.id, i: { clauses } }, builder)).amendPact;
    const pact = (await ok(ACTIVATE, { p: draft.id }, builder)).activatePact;
    pactId = pact.id;
    return pact;
  }

  /** Week 7 as the edge-case test lives it: the split cases reviewed (w7-5 PASS, w7-4 FAIL), the run's verdict appealed and the appeal withdrawn. */
  async function liveWeek7() {
    await fileReport(7);
    const awaiting = await submitRun(7, ["INFORMATIONAL", "INFORMATIONAL", "MEDIUM", "CRITICAL"]);
    if (awaiting.status !== "AWAITING_REVIEW") throw new Error(`W7's run should await review, not be ${awaiting.status}`);
    const queue = (await ok(QUEUE, {}, arbiter)).reviewQueue.edges
      .map((e: Data) => e.node)
      .filter((item: Data) => item.agent.id === agentId);
    const item = (caseId: string) => queue.find((q: Data) => q.caseId === caseId)!;
    await ok(REVIEW, { id: item("w7-5").id, v: "PASS", note: "CRITICAL for a HIGH alert only pages sooner" }, arbiter);
    await ok(REVIEW, { id: item("w7-4").id, v: "FAIL", note: "MEDIUM would miss the HIGH-severity SLA" }, arbiter);
    await completed(runIds[6]!, "W7's run to be decided");
    const appeal = (
      await ok(
        APPEAL,
        { i: { contested: { kind: "RUN", id: runIds[6] }, statement: "Case w7-4 was MEDIUM by our runbook at the time" } },
        builder,
      )
    ).appealVerdict;
    await ok(WITHDRAW, { d: appeal.id, r: "Runbook updated instead" }, builder);
  }

  /** What happened in week `n` of the story, without the checks its test makes. */
  async function liveWeek(n: number) {
    if (n === 7) return liveWeek7();
    await fileReport(n);
    if (n === 6) {
      // W6's report raised the drift alarm and escalated to the owner, whose builder acknowledged it before W6's run.
      const [fired] = await escalations();
      await ok(ACKNOWLEDGE, { e: fired.id }, builder);
    }
    // One alert called INFORMATIONAL a week in the pilot, two in W5–W6, three from W8 on.
    await runWeek(n, informational(n <= 4 ? 1 : n <= 6 ? 2 : 3));
  }

  /** A fresh agent of the story, brought through weeks 1 to `last` as the tests of those weeks lived them. */
  async function storyThrough(last: number) {
    await adoptStoryPact();
    for (let n = 1; n <= last; n += 1) await liveWeek(n);
  }

  it("sets up: an alert-triage agent under the triage pact, its severity clause judged HYBRID, owned by the SOC's tier-2 team", async () => {
    const pact = await adoptStoryPact();
    expect(pact).toMatchObject({
      version: 2,
      status: "ACTIVE",
      clauses: [
        { key: "severity-accuracy", method: "HYBRID", threshold: 0.92, windowCases: 500, severity: "CRITICAL" },
        { key: "false-positive-rate", method: "DETERMINISTIC", threshold: 0.1, windowCases: 500, severity: "MAJOR" },
      ],
      escalationOwner: OWNER,
    });
    // No evidence yet: no trust row, so not listed.
    expect((await standing()).listed).toBe(false);
  });

  it("pilot (W1–W4): strong, growing, listed — tier climbs UNRATED → BRONZE → SILVER, no consequence, no drift alarm", async () => {
    await adoptStoryPact();
    // W1. The buyer's report comes first: the agent's first trust entry, the newcomer prior.
    await fileReport(1);
    let now = await standing();
    expect(now.trust).toMatchObject({
      compositeScore: 500,
      compositeConfidence: 0,
      tier: "UNRATED",
      eligible: false,
      consequence: null,
      driftAlarm: false,
    });
    expect(now.lastChange).toMatchObject({ eligible: false, tier: "UNRATED", consequence: null, cause: "KPI_REPORT" });

    // Each pilot run: 19 of 20 right, one alert called INFORMATIONAL (the jury agrees it is wrong).
    // Per metric Beta(5+passed, 5+failed); a metric with n cases weighs its pact weight × n/(n+10)
    // (0.6 severity on all 20 cases a run, 0.4 false positives on the 7 benign ones), and the
    // confidence is n̄/(n̄+50) with n̄ the cases averaged over the metrics by those weights.
    // W1: weights 0.6·20/30 = 0.4 and 0.4·7/17 = 0.1647; (0.4·24/30 + 0.1647·12/17)/0.5647 =
    // (0.32 + 0.1163)/0.5647 = 773; n̄ = (0.4·20 + 0.1647·7)/0.5647 = 16.21, 16.21/66.21 = 0.245 < 0.25.
    const expected = [
      { compositeScore: 773, compositeConfidence: 0.245, tier: "UNRATED", eligible: false },
      // W2: weights 0.6·40/50 = 0.48 and 0.4·14/24 = 0.2333; (0.48·43/50 + 0.2333·19/24)/0.7133 =
      // (0.4128 + 0.1847)/0.7133 = 838; n̄ = (19.2 + 3.267)/0.7133 = 31.50, 31.50/81.50 = 0.386.
      { compositeScore: 838, compositeConfidence: 0.386, tier: "BRONZE", eligible: true },
      // W3: weights 0.6·60/70 = 0.5143 and 0.4·21/31 = 0.2710; (0.5143·62/70 + 0.2710·26/31)/0.7853 =
      // (0.4555 + 0.2273)/0.7853 = 869; n̄ = (30.86 + 5.69)/0.7853 = 46.54, 46.54/96.54 = 0.482.
      { compositeScore: 869, compositeConfidence: 0.482, tier: "BRONZE", eligible: true },
      // W4: weights 0.6·80/90 = 0.5333 and 0.4·28/38 = 0.2947; (0.5333·81/90 + 0.2947·33/38)/0.8281 =
      // (0.48 + 0.2560)/0.8281 = 889; n̄ = (42.67 + 8.25)/0.8281 = 61.49, 61.49/111.49 = 0.552 ≥ 0.5:
      // SILVER (GOLD needs 0.75).
      { compositeScore: 889, compositeConfidence: 0.552, tier: "SILVER", eligible: true },
    ];
    for (let n = 1; n <= 4; n += 1) {
      if (n > 1) await fileReport(n);
      const run = await runWeek(n, informational(1));
      expect(run).toMatchObject({ passedCount: 19, failedCount: 1, passed: true });
      expect(severityClause(run)).toMatchObject({ observed: 0.95, sampleSize: 20 * n, outcome: "PASSED" });
      now = await standing();
      expect(now.trust).toMatchObject({ ...expected[n - 1], consequence: null, driftAlarm: false, evaluationRuns: n, passingStreak: n });
      expect(now.listed).toBe(expected[n - 1]!.eligible);
    }
    expect(now.trust.reasons).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^tier SILVER: composite score 889 with confidence 0.552/),
        "latest evaluation run met its pact",
      ]),
    );
    expect(await escalations()).toEqual([]);
  }, 60_000);

  it("growth and slow drift (W5–W6): the scorecard's CUSUM raises the alarm at 0.93, the owner is escalated to, and the listing stays", async () => {
    await storyThrough(4);
    // W5: 0.94. CUSUM on severity accuracy against the pilot mean 0.95, slack 0.005, threshold
    // 0.015: S = 0.01 − 0.005 = 0.005, no alarm. The run is slightly worse: 18 of 20.
    await fileReport(5);
    expect((await standing()).trust).toMatchObject({ driftAlarm: false, consequence: null });
    const w5 = await runWeek(5, informational(2));
    expect(severityClause(w5)).toMatchObject({ observed: 94 / 100, outcome: "PASSED" });
    let now = await standing();
    // Weights 0.6·100/110 = 0.5455 and 0.4·35/45 = 0.3111; (0.5455·99/110 + 0.3111·40/45)/0.8566 =
    // (0.4909 + 0.2765)/0.8566 = 896; n̄ = (54.55 + 10.89)/0.8566 = 76.39, 76.39/126.39 = 0.604.
    expect(now.trust).toMatchObject({
      compositeScore: 896,
      compositeConfidence: 0.604,
      tier: "SILVER",
      eligible: true,
      driftAlarm: false,
      consequence: null,
    });
    const w5Card = (await ok(SCORECARD, { id: agentId, end: weeks[4], weeks: 5 })).agent.scorecard;
    expect(w5Card.driftAlarms).toEqual([]);

    // W6: 0.93, the slide's second week: S = 0.005 + 0.02 − 0.005 = 0.02 > 0.015. The alarm is
    // raised by the report itself, while every run still meets the pact (0.9333 ≥ 0.92).
    await fileReport(6);
    now = await standing();
    // The step taken restarts the passing streak: a way back counts only the passing runs after it.
    expect(now.trust).toMatchObject({
      driftAlarm: true,
      consequence: "REQUIRE_HUMAN_REVIEW",
      eligible: true,
      tier: "SILVER",
      passingStreak: 0,
    });
    expect(now.trust.reasons).toEqual(
      expect.arrayContaining(["latest evaluation run met its pact", "consequence ladder stands at REQUIRE_HUMAN_REVIEW"]),
    );
    // The listing did not change: the newest eligibility entry records the consequence, still eligible.
    expect(now.lastChange).toMatchObject({ eligible: true, tier: "SILVER", consequence: "REQUIRE_HUMAN_REVIEW", cause: "KPI_REPORT" });
    expect(now.listed).toBe(true);

    const card = (await ok(SCORECARD, { id: agentId, end: weeks[5], weeks: 6 })).agent.scorecard;
    expect(card.weeks.map((w: Data) => w.alertsHandled)).toEqual(ALERTS_HANDLED.slice(0, 6));
    expect(card.driftAlarms).toHaveLength(1);
    expect(card.driftAlarms[0]).toMatchObject({ kpi: "SEVERITY_ACCURACY", week: weeks[5], baseline: 0.95 });
    expect(card.driftAlarms[0].statistic).toBeCloseTo(0.02, 9);
    // Early: a trend line over the same six weeks still calls it noise (slope −0.0037/week, tolerance 0.005).
    const trend = card.trends.find((t: Data) => t.kpi === "SEVERITY_ACCURACY");
    expect(trend.trend).toBe("STABLE");
    expect(trend.slopePerWeek).toBeCloseTo(-0.065 / 17.5, 9);

    // The pact's owner is escalated to, through the default route for REQUIRE_HUMAN_REVIEW.
    const [fired, ...older] = await escalations();
    expect(older).toEqual([]);
    expect(fired).toMatchObject({
      pactId,
      action: "REQUIRE_HUMAN_REVIEW",
      direction: "FIRED",
      notify: ["ESCALATION_OWNER", "BUILDER"],
      ownerTeam: "SOC Tier-2",
      ownerContact: "soc-tier2@example.com",
      reason: "drift detection raised an alarm",
      cause: "KPI_REPORT",
      acknowledgedAt: null,
    });
    expect(Date.parse(fired.ackDueAt) - Date.parse(fired.createdAt)).toBe(30 * 60_000);
    expect(Date.parse(now.trust.consequenceSince)).toBe(Date.parse(fired.createdAt));

    // Escalations are the builder's and arbiters' business only.
    expect((await gql(ESCALATIONS, { id: agentId })).errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    expect((await gql(ESCALATIONS, { id: agentId }, buyer)).errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    expect((await gql(ESCALATIONS, { id: agentId }, await bearer("builder", "mallory"))).errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    expect((await ok(ESCALATIONS, { id: agentId }, arbiter)).agent.escalations.edges).toHaveLength(1);
    // The owner's builder acknowledges it.
    const acknowledged = (await ok(ACKNOWLEDGE, { e: fired.id }, builder)).acknowledgeEscalation;
    expect(acknowledged.acknowledgedAt).toEqual(expect.any(String));

    // W6's run (18 of 20) still meets the pact; nothing more happens.
    const w6 = await runWeek(6, informational(2));
    expect(severityClause(w6)).toMatchObject({ observed: 112 / 120, outcome: "PASSED" });
    now = await standing();
    // Weights 0.6·120/130 = 0.5538 and 0.4·42/52 = 0.3231; (0.5538·117/130 + 0.3231·47/52)/0.8769 =
    // (0.4985 + 0.2920)/0.8769 = 901; n̄ = (66.46 + 13.57)/0.8769 = 91.26, 91.26/141.26 = 0.646.
    // The first passing run since the step: streak 1.
    expect(now.trust).toMatchObject({
      compositeScore: 901,
      compositeConfidence: 0.646,
      tier: "SILVER",
      eligible: true,
      driftAlarm: true,
      consequence: "REQUIRE_HUMAN_REVIEW",
      passingStreak: 1,
    });
    expect(now.listed).toBe(true);
    expect(await escalations()).toHaveLength(1);
  }, 60_000);

  it("edge cases multiply (W7): the cases the jury splits on wait for an arbiter, and the run is decided only then", async () => {
    await storyThrough(6);
    await fileReport(7);
    // Two alerts called INFORMATIONAL (jury unanimous: wrong), one MEDIUM and one CRITICAL (jury 2–1).
    const awaiting = await submitRun(7, ["INFORMATIONAL", "INFORMATIONAL", "MEDIUM", "CRITICAL"]);
    expect(awaiting.status).toBe("AWAITING_REVIEW");
    expect(awaiting.clauseResults).toEqual([]);
    const uncertain = awaiting.juryVerdicts.filter((v: Data) => v.outcome === "UNCERTAIN");
    expect(uncertain.map((v: Data) => v.caseId).sort()).toEqual(["w7-4", "w7-5"]);
    expect(uncertain[0].votes.map((v: Data) => [v.juror, v.verdict])).toEqual([
      ["rubric:strict", "FAIL"],
      ["rubric:balanced", "PASS"],
      ["rubric:lenient", "PASS"],
    ]);
    const decided = awaiting.juryVerdicts.filter((v: Data) => v.outcome !== "UNCERTAIN");
    expect(
      decided
        .filter((v: Data) => v.outcome === "FAIL")
        .map((v: Data) => v.caseId)
        .sort(),
    ).toEqual(["w7-1", "w7-2"]);
    expect(decided.every((v: Data) => v.decidedBy === "JURY")).toBe(true);
    // Not counted yet: six runs, and the one passing run (W6's) since W6's step.
    expect((await standing()).trust).toMatchObject({ evaluationRuns: 6, passingStreak: 1 });

    // The builder may not see the queue; the arbiter does.
    expect((await gql(QUEUE, {}, builder)).errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    const queue = (await ok(QUEUE, {}, arbiter)).reviewQueue.edges.map((e: Data) => e.node);
    expect(queue.map((item: Data) => [item.caseId, item.agent.id, item.uncertainBecause]).sort()).toEqual([
      ["w7-4", agentId, "the jurors disagree: 2 of 3 say PASS"],
      ["w7-5", agentId, "the jurors disagree: 2 of 3 say PASS"],
    ]);
    const item = (caseId: string) => queue.find((q: Data) => q.caseId === caseId)!;

    // Over-calling an alert CRITICAL is acceptable to the arbiter; under-calling one MEDIUM is not.
    expect(
      (await ok(REVIEW, { id: item("w7-5").id, v: "PASS", note: "CRITICAL for a HIGH alert only pages sooner" }, arbiter)).submitReview,
    ).toEqual({ caseId: "w7-5", outcome: "PASS", decidedBy: "HUMAN", reviewer: "ada" });
    expect((await ok(RUN, { id: runIds[6] }, builder)).evaluationRun.status).toBe("AWAITING_REVIEW");
    expect(
      (await ok(REVIEW, { id: item("w7-4").id, v: "FAIL", note: "MEDIUM would miss the HIGH-severity SLA" }, arbiter)).submitReview,
    ).toEqual({ caseId: "w7-4", outcome: "FAIL", decidedBy: "HUMAN", reviewer: "ada" });

    const run = await completed(runIds[6]!, "W7's run to be decided");
    // The arbiter's PASS counts: 17 of 20 (2 INFORMATIONAL + the MEDIUM), window (8 + 3)/140 = 0.9214 ≥ 0.92.
    expect(run).toMatchObject({ passedCount: 17, failedCount: 3, passed: true });
    expect(severityClause(run)).toMatchObject({ observed: 129 / 140, sampleSize: 140, outcome: "PASSED" });
    // The builder sees the human decisions; who reviewed is for arbiters only.
    const humanCalls = (verdicts: Data[]) =>
      verdicts
        .filter((v) => v.decidedBy === "HUMAN")
        .map((v) => [v.caseId, v.outcome, v.reviewer])
        .sort();
    expect(humanCalls(run.juryVerdicts)).toEqual([
      ["w7-4", "FAIL", null],
      ["w7-5", "PASS", null],
    ]);
    expect(humanCalls((await ok(RUN, { id: runIds[6] }, arbiter)).evaluationRun.juryVerdicts)).toEqual([
      ["w7-4", "FAIL", "ada"],
      ["w7-5", "PASS", "ada"],
    ]);
    expect((await ok(QUEUE, {}, arbiter)).reviewQueue.edges).toEqual([]);

    // The builder may appeal the verdict, reviews and all; the arbiter who reviewed never hears it.
    const appeal = (
      await ok(
        APPEAL,
        { i: { contested: { kind: "RUN", id: runIds[6] }, statement: "Case w7-4 was MEDIUM by our runbook at the time" } },
        builder,
      )
    ).appealVerdict;
    const ownVerdict = await gql(ASSIGN, { d: appeal.id }, arbiter);
    expect(ownVerdict.errors?.[0]).toMatchObject({
      message: "Not ada: an arbiter never hears the appeal of their own verdict",
      extensions: { code: "FORBIDDEN" },
    });
    expect((await ok(WITHDRAW, { d: appeal.id, r: "Runbook updated instead" }, builder)).withdrawDispute).toMatchObject({
      status: "WITHDRAWN",
    });

    // Still listed, one step before the breach: weights 0.6·140/150 = 0.56 and 0.4·49/59 = 0.332203;
    // (0.56·134/150 + 0.332203·54/59)/0.892203 = (0.500267 + 0.304051)/0.892203 = 0.804317/0.892203
    // = 0.901495 → 901 (just under the half: four digits would wrongly round up);
    // n̄ = (78.4 + 16.28)/0.8922 = 106.12, 106.12/156.12 = 0.680. Streak 2: W6's and W7's runs.
    const now = await standing();
    expect(now.trust).toMatchObject({
      compositeScore: 901,
      compositeConfidence: 0.68,
      tier: "SILVER",
      eligible: true,
      consequence: "REQUIRE_HUMAN_REVIEW",
      evaluationRuns: 7,
      passingStreak: 2,
    });
    expect(now.listed).toBe(true);
  }, 60_000);

  it("keeps degrading (W8–W12): the first breach changes the listing, the ladder climbs to THROTTLE at 3 breaches and SUSPEND_LISTING at 5", async () => {
    await storyThrough(7);
    const breach = async (n: number, windowCorrect: number, windowCases: number) => {
      await fileReport(n);
      const run = await runWeek(n, informational(3));
      expect(run).toMatchObject({ passedCount: 17, failedCount: 3, passed: false });
      expect(severityClause(run)).toMatchObject({ observed: windowCorrect / windowCases, sampleSize: windowCases, outcome: "FAILED" });
      return standing();
    };

    // W8: (129 + 17)/160 = 0.9125 < 0.92: the first breach. The latest run failing a critical
    // clause takes the agent off the listing; the ladder does not move (REQUIRE_HUMAN_REVIEW
    // already stands above WARN, and 1 breach is under THROTTLE's 3).
    let now = await breach(8, 146, 160);
    // The composite barely notices: weights 0.6·160/170 = 0.5647 and 0.4·56/66 = 0.3394;
    // (0.5647·151/170 + 0.3394·61/66)/0.9041 = (0.5016 + 0.3137)/0.9041 = 902, above the pilot's
    // 889. Slow drift is caught by the scorecard's CUSUM and the pact's window, not by a score drop.
    expect(now.trust).toMatchObject({
      compositeScore: 902,
      eligible: false,
      consequence: "REQUIRE_HUMAN_REVIEW",
      driftAlarm: true,
      passingStreak: 0,
    });
    expect(now.trust.reasons).toContain("latest evaluation run failed critical clause(s): severity-accuracy");
    expect(now.listed).toBe(false);
    expect(now.lastChange).toMatchObject({
      eligible: false,
      consequence: "REQUIRE_HUMAN_REVIEW",
      cause: "EVALUATION_RUN",
      causeId: runIds[7],
    });
    // Losing the listing is told to the owner, the builder and buyers, with the pact's deadline.
    const [unlisted, ...earlier] = await escalations();
    expect(unlisted).toMatchObject({
      action: null,
      direction: "UNLISTED",
      notify: ["ESCALATION_OWNER", "BUILDER", "BUYERS"],
      ownerTeam: "SOC Tier-2",
      cause: "EVALUATION_RUN",
      causeId: runIds[7],
    });
    expect(unlisted.reason).toContain("latest evaluation run failed critical clause(s): severity-accuracy");
    expect(Date.parse(unlisted.ackDueAt) - Date.parse(unlisted.createdAt)).toBe(30 * 60_000);
    expect(earlier.map((e: Data) => e.action)).toEqual(["REQUIRE_HUMAN_REVIEW"]);

    // The whole eligibility history so far: the listing changed only at W2 (listed), W4 (SILVER),
    // W6 (the consequence, still listed) and W8 (delisted), each with its cause.
    const history = (await ok(ELIGIBILITY_HISTORY, { id: agentId })).agent.eligibilityHistory.edges.map((e: Data) => e.node).reverse();
    expect(history).toEqual([
      { eligible: false, tier: "UNRATED", consequence: null, cause: "KPI_REPORT", causeId: expect.any(String) },
      { eligible: true, tier: "BRONZE", consequence: null, cause: "EVALUATION_RUN", causeId: runIds[1] },
      { eligible: true, tier: "SILVER", consequence: null, cause: "EVALUATION_RUN", causeId: runIds[3] },
      { eligible: true, tier: "SILVER", consequence: "REQUIRE_HUMAN_REVIEW", cause: "KPI_REPORT", causeId: expect.any(String) },
      { eligible: false, tier: expect.any(String), consequence: "REQUIRE_HUMAN_REVIEW", cause: "EVALUATION_RUN", causeId: runIds[7] },
    ]);

    // W9: 2 breaches: REQUIRE_HUMAN_REVIEW's own trigger, already standing.
    now = await breach(9, 163, 180);
    expect(now.trust).toMatchObject({ eligible: false, consequence: "REQUIRE_HUMAN_REVIEW" });

    // W10: 3 breaches within 30 days: THROTTLE, told to the owner, the builder and buyers.
    now = await breach(10, 180, 200);
    expect(now.trust).toMatchObject({ eligible: false, consequence: "THROTTLE" });
    let [latest] = await escalations();
    expect(latest).toMatchObject({
      action: "THROTTLE",
      direction: "FIRED",
      notify: ["ESCALATION_OWNER", "BUILDER", "BUYERS"],
      ownerTeam: "SOC Tier-2",
      reason: "3 breach(es) within 30 days (trigger: 3)",
      cause: "EVALUATION_RUN",
      causeId: runIds[9],
    });

    // W11: 4 breaches: nothing new.
    now = await breach(11, 197, 220);
    expect(now.trust).toMatchObject({ eligible: false, consequence: "THROTTLE" });
    expect(now.trust.reasons).not.toContain("consequence ladder stands at SUSPEND_LISTING");

    // W12 (this week): 5 breaches within 30 days: SUSPEND_LISTING, told to arbiters as well.
    now = await breach(12, 214, 240);
    // Weights 0.6·240/250 = 0.576 and 0.4·84/94 = 0.3574; (0.576·219/250 + 0.3574·89/94)/0.9334 =
    // (0.5046 + 0.3384)/0.9334 = 903: the suspension is the breaches' doing.
    expect(now.trust).toMatchObject({ compositeScore: 903, eligible: false, consequence: "SUSPEND_LISTING", driftAlarm: true });
    expect(now.trust.reasons).toEqual(
      expect.arrayContaining([
        "latest evaluation run failed critical clause(s): severity-accuracy",
        "consequence ladder stands at SUSPEND_LISTING",
      ]),
    );
    expect(now.listed).toBe(false);
    expect(now.lastChange).toMatchObject({ eligible: false, consequence: "SUSPEND_LISTING", cause: "EVALUATION_RUN", causeId: runIds[11] });
    const all = await escalations();
    expect(all.map((e: Data) => [e.action, e.direction, e.cause])).toEqual([
      ["SUSPEND_LISTING", "FIRED", "EVALUATION_RUN"],
      ["THROTTLE", "FIRED", "EVALUATION_RUN"],
      [null, "UNLISTED", "EVALUATION_RUN"],
      ["REQUIRE_HUMAN_REVIEW", "FIRED", "KPI_REPORT"],
    ]);
    [latest] = all;
    expect(latest).toMatchObject({
      notify: ["ESCALATION_OWNER", "BUILDER", "ARBITERS", "BUYERS"],
      reason: "5 breach(es) within 30 days (trigger: 5)",
      causeId: runIds[11],
      acknowledgedAt: null,
    });
    expect(Date.parse(latest.ackDueAt) - Date.parse(latest.createdAt)).toBe(30 * 60_000);
  }, 60_000);

  it("the suspension holds: a passing run no longer restores the listing", async () => {
    await storyThrough(12);
    // A 100-case perfect run: window (214 + 100)/340 = 0.9235 ≥ 0.92, the run meets the pact.
    const run = await submitRun(13, [], 100);
    expect(run).toMatchObject({ status: "COMPLETED", passedCount: 100, failedCount: 0, passed: true });
    expect(severityClause(run)).toMatchObject({ observed: 314 / 340, outcome: "PASSED" });
    const now = await standing();
    // Five breaches still stand within 30 days, so the ladder stays; recovery needs 5 passing runs and 14 quiet days.
    expect(now.trust).toMatchObject({ eligible: false, consequence: "SUSPEND_LISTING", passingStreak: 1 });
    expect(now.trust.reasons).toEqual(
      expect.arrayContaining(["latest evaluation run met its pact", "consequence ladder stands at SUSPEND_LISTING"]),
    );
    expect(now.listed).toBe(false);
    expect((await escalations())[0]).toMatchObject({ action: "SUSPEND_LISTING", direction: "FIRED" });
  }, 60_000);
});
