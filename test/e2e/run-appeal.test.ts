/**
 * A builder appeals a judged run's verdict through the gateway (docs/disputes.md, "Consequences"):
 * granted, the run is SET_ASIDE, its evidence leaves both scores and its cases leave later runs'
 * windows; rejected, nothing moves.
 *
 * Cast: builder rita owns Dock (a fresh one for each test); builder zoe owns nothing here; arbiter ada decides.
 */
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DATABASE_KINDS } from "../support/databases.js";
import { ADOPT_PACT, EVALUATION_RUN, LISTED_SCORES, REGISTER_AGENT, SUBMIT_RUN, triageCases } from "../support/fixtures.js";
import { refused } from "../support/refusals.js";
import { bearer, dataOf, postGraphQL, type GraphQLResponse } from "../support/graphql-client.js";
import { judgedRun, useTestSystem } from "../support/system.js";
import { isoWeekOf } from "../../subgraphs/reputation/scorecard.math.js";

type Data = Record<string, any>;
type Headers = Record<string, string>;

const APPEAL = `mutation($i: AppealVerdictInput!) { appealVerdict(input: $i) { id kind status contested { kind id } respondent occurredAt filedBy } }`;
const ASSIGN = `mutation($d: ID!) { assignDispute(disputeId: $d) { status } }`;
const RESOLVE = `mutation($i: ResolveDisputeInput!) { resolveDispute(input: $i) { status outcome } }`;
const REPORT = `mutation($i: KpiReportInput!) { submitKpiReport(input: $i) }`;
const SCORECARD_REPORTS = `query($id: ID!) { agent(id: $id) { scorecard(weeks: 1) { weeks { week reportIds } } } }`;
const FILE = `mutation($i: FileDisputeInput!) { fileDispute(input: $i) { id evidence { caseIds runIds kpiReportIds } } }`;
const TRUST = `query($id: ID!) { agent(id: $id) { trust { compositeScore compositeConfidence reputationScore reputationConfidence tier eligible evaluationRuns } scoreHistory(first: 1) { edges { node { cause causeId } } } } }`;

describe.each(DATABASE_KINDS)("appealing a run's verdict through the gateway (%s)", (kind) => {
  const system = useTestSystem(kind);
  let rita: Headers;
  let zoe: Headers;
  let ada: Headers;
  let bob: Headers;
  /** The test's own Dock, fresh: no run, no report, no dispute. */
  let dock: { id: string; pactId: string };
  /** Docks registered so far: names are unique per builder. */
  let docks = 0;

  const gql = (query: string, variables: Record<string, unknown> = {}, headers: Headers = {}): Promise<GraphQLResponse<Data>> =>
    postGraphQL<Data>(system.gatewayUrl, query, variables, headers);
  const ok = async (query: string, variables: Record<string, unknown> = {}, headers: Headers = {}) =>
    dataOf(await gql(query, variables, headers));
  const trust = async () => (await ok(TRUST, { id: dock.id })).agent;
  const appeal = (runId: string, headers: Headers) =>
    gql(
      APPEAL,
      { i: { contested: { kind: "RUN", id: runId }, statement: "The analyst review marked a correct triage as wrong" } },
      headers,
    );
  const decide = async (appealId: string, outcome: string) => {
    await ok(ASSIGN, { d: appealId }, ada);
    return (await ok(RESOLVE, { i: { disputeId: appealId, outcome, note: `${outcome} on the case evidence` } }, ada)).resolveDispute;
  };
  const disputeRows = async () => Number((await system.dataSource.query("SELECT COUNT(*) AS n FROM disputes"))[0].n);

  async function submitJudged(cases: ReturnType<typeof triageCases>): Promise<Data> {
    const run = (await ok(SUBMIT_RUN, { input: { agentId: dock.id, pactId: dock.pactId, cases } }, rita)).submitEvaluationRun;
    return judgedRun(system.gatewayUrl, run.id);
  }

  beforeAll(async () => {
    [rita, zoe, ada, bob] = await Promise.all([
      bearer("builder", "rita"),
      bearer("builder", "zoe"),
      bearer("arbiter", "ada"),
      bearer("buyer", "bob"),
    ]);
  });
  beforeEach(async () => {
    docks += 1;
    const agent = (
      await ok(
        REGISTER_AGENT,
        { input: { name: `Dock Triage ${docks}`, description: "Dock triages EDR alerts", domains: ["ALERT_TRIAGE"] } },
        rita,
      )
    ).registerAgent;
    const pact = (await ok(ADOPT_PACT, { agentId: agent.id, template: "alert-triage" }, rita)).adoptPactTemplate;
    dock = { id: agent.id, pactId: pact.id };
  });

  it("sets a granted run aside: out of both scores and out of the next run's window; the rules hold and refusals write nothing", async () => {
    // 10 of 40 severities wrong: accuracy 0.75 misses the critical 0.92 clause, a critical breach.
    const breached = await submitJudged(triageCases(40, { wrongSeverity: 10, idPrefix: "r1" }));
    expect(breached.passed).toBe(false);
    expect((await trust()).trust).toMatchObject({ eligible: false, evaluationRuns: 1 });
    // A critical breach is 15 bad: reputation 1000 · 5 / (5 + 5 + 15) = 200.
    expect((await trust()).trust.reputationScore).toBe(200);

    const before = await disputeRows();
    refused(await appeal(breached.id, zoe), "FORBIDDEN");
    refused(await appeal("00000000-0000-4000-8000-000000000000", rita), "NOT_FOUND", "input.contested.id");
    expect(await disputeRows()).toBe(before);

    const filed = (
      await ok(
        APPEAL,
        { i: { contested: { kind: "RUN", id: breached.id }, statement: "The analyst review marked a correct triage as wrong" } },
        rita,
      )
    ).appealVerdict;
    expect(filed).toMatchObject({
      kind: "APPEAL",
      status: "OPEN",
      contested: { kind: "RUN", id: breached.id },
      respondent: null,
      filedBy: "rita",
    });
    // One appeal per verdict while it stands.
    refused(await appeal(breached.id, rita), "CONFLICT", "input.contested.id");

    expect(await decide(filed.id, "UPHELD")).toMatchObject({ status: "RESOLVED", outcome: "UPHELD" });
    expect((await ok(EVALUATION_RUN, { id: breached.id })).evaluationRun.status).toBe("SET_ASIDE");
    // No run counts any more: both scores back at the Beta(5, 5) prior, no tier, not listed.
    const cleared = await trust();
    expect(cleared.trust).toMatchObject({
      compositeScore: 500,
      compositeConfidence: 0,
      reputationScore: 500,
      reputationConfidence: 0,
      tier: "UNRATED",
      eligible: false,
      evaluationRuns: 0,
    });
    expect(cleared.scoreHistory.edges[0].node).toEqual({ cause: "DISPUTE", causeId: filed.id });
    // A set-aside verdict is no longer there to appeal.
    refused(await appeal(breached.id, rita), "CONFLICT", "input.contested.id");

    // The next run's window holds its own 40 cases, not the set-aside run's 40 as well.
    const next = await submitJudged(triageCases(40, { wrongSeverity: 1, idPrefix: "r2" }));
    expect(next.clauseResults.find((clause: Data) => clause.clauseKey === "severity-accuracy")).toMatchObject({
      sampleSize: 40,
      observed: 0.975,
      outcome: "PASSED",
    });
    // The trust of an agent with this one run: listed again.
    expect((await trust()).trust).toMatchObject({ ...LISTED_SCORES, tier: "BRONZE", eligible: true, evaluationRuns: 1 });
  });

  it("changes nothing when the appeal is rejected", async () => {
    const run = await submitJudged(triageCases(40, { wrongSeverity: 2, idPrefix: "r3" }));
    const before = await trust();
    const filed = dataOf(await appeal(run.id, rita)).appealVerdict;
    expect(await decide(filed.id, "REJECTED")).toMatchObject({ status: "RESOLVED", outcome: "REJECTED" });
    expect((await ok(EVALUATION_RUN, { id: run.id })).evaluationRun.status).toBe("COMPLETED");
    expect((await trust()).trust).toEqual(before.trust);
    // Decided once: the verdict stands and is not appealed again.
    refused(await appeal(run.id, rita), "CONFLICT", "input.contested.id");
  });

  it("lets a complaint cite the agent's own runs and KPI reports by the ids the API shows, and an appeal its cases too", async () => {
    const run = await submitJudged(triageCases(40, { idPrefix: "r4" }));
    const week = isoWeekOf(new Date());
    expect(
      dataOf(
        await gql(
          REPORT,
          {
            i: {
              agentId: dock.id,
              week,
              alertsHandled: 900,
              timeToContainmentMinutes: 50,
              falsePositiveLoad: 0.1,
              severityAccuracy: 0.9,
              escalationQuality: 0.9,
            },
          },
          bob,
        ),
      ),
    ).toEqual({ submitKpiReport: true });
    const [shown] = (await ok(SCORECARD_REPORTS, { id: dock.id })).agent.scorecard.weeks;
    expect(shown.week).toBe(week);
    expect(shown.reportIds).toHaveLength(1);
    const evidence = { caseIds: ["r4-7", "r2-0"], runIds: [run.id], kpiReportIds: shown.reportIds };
    const filed = (await ok(FILE, { i: { agentId: dock.id, statement: "Missed the escalation in case r4-7", evidence } }, bob)).fileDispute;
    expect(filed.evidence).toEqual(evidence);
    // A buyer's case ids are their own labels (evaluation cases are private to the builder): kept
    // as given, so nobody learns which of the agent's case ids exist. A builder's are checked.
    const labelled = (
      await ok(FILE, { i: { agentId: dock.id, statement: "Cites the SOC's own ticket ids", evidence: { caseIds: ["INC-4411"] } } }, bob)
    ).fileDispute;
    expect(labelled.evidence.caseIds).toEqual(["INC-4411"]);
    refused(
      await gql(
        APPEAL,
        {
          i: {
            contested: { kind: "RUN", id: run.id },
            statement: "Case r4-7 was judged on a stale label",
            evidence: { caseIds: ["r4-7", "INC-4411"] },
          },
        },
        rita,
      ),
      "BAD_USER_INPUT",
      "input.evidence.caseIds[1]",
    );
  });
});
