import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentDomain } from "../../../lib/contracts/agent-domain.js";
import type { Identity } from "../../../lib/platform/identity.js";
import { DATABASE_KINDS } from "../../../test/support/databases.js";
import { dataOf } from "../../../test/support/graphql-client.js";
import { errorOf, startSubgraphHarness, type Data, type SubgraphHarness } from "../../../test/support/subgraph-harness.js";
import { reputationSubgraph } from "../index.js";
import { isoWeekOf, weeksEnding } from "../scorecard.math.js";

const SUBMIT = `mutation($input: KpiReportInput!) { submitKpiReport(input: $input) }`;
const SCORECARD = `query($representations: [_Any!]!, $weeks: Int, $endingWeek: String) {
  _entities(representations: $representations) { ... on Agent { id scorecard(weeks: $weeks, endingWeek: $endingWeek) {
    weeks { week reports alertsHandled timeToContainmentMinutes falsePositiveLoad severityAccuracy escalationQuality }
    trends { kpi trend slopePerWeek latest }
    driftAlarms { kpi week statistic baseline }
  } } }
}`;

const SOC: Identity = { role: "buyer", subject: "soc-north" };
const OTHER_SOC: Identity = { role: "buyer", subject: "soc-south" };

describe.each(DATABASE_KINDS)("weekly scorecard (%s)", (kind) => {
  let harness: SubgraphHarness;

  beforeAll(async () => {
    harness = await startSubgraphHarness(kind, (dataSource) => reputationSubgraph(dataSource));
  });
  afterAll(async () => {
    await harness?.stop();
  });

  // The last 10 weeks up to the current one, so none is in the future.
  const WEEKS = weeksEnding(isoWeekOf(new Date()), 10);
  const report = (agentId: string, week: string, kpis: Partial<Record<string, number>> = {}) => ({
    agentId,
    week,
    alertsHandled: 1000,
    timeToContainmentMinutes: 45,
    falsePositiveLoad: 0.1,
    severityAccuracy: 0.95,
    escalationQuality: 0.9,
    ...kpis,
  });
  const submit = (input: Data, identity: Identity = SOC) => harness.call(SUBMIT, { input }, identity);
  const scorecardOf = async (agentId: string, weeks = 10, endingWeek = WEEKS.at(-1)) =>
    dataOf(await harness.call(SCORECARD, { representations: [{ __typename: "Agent", id: agentId }], weeks, endingWeek }))._entities[0]
      .scorecard;

  it("follows the domain scenario: a strong pilot, growing volume, accuracy slipping a point a week, and the drift alarm in the slide's second week", async () => {
    const agent = await harness.seedAgent("bea", [AgentDomain.ALERT_TRIAGE]);
    // Four pilot weeks at 0.95, then volume grows and accuracy slips: 0.94, 0.93, …
    const accuracy = [0.95, 0.95, 0.95, 0.95, 0.94, 0.93, 0.92, 0.91, 0.9, 0.89];
    for (const [i, week] of WEEKS.entries()) {
      expect(dataOf(await submit(report(agent.id, week, { severityAccuracy: accuracy[i]!, alertsHandled: 1000 + 500 * i })))).toEqual({
        submitKpiReport: true,
      });
    }

    const card = await scorecardOf(agent.id);

    expect(card.weeks.map((w: Data) => [w.week, w.reports, w.alertsHandled, w.severityAccuracy])).toEqual(
      WEEKS.map((week, i) => [week, 1, 1000 + 500 * i, accuracy[i]]),
    );
    expect(card.trends.find((t: Data) => t.kpi === "SEVERITY_ACCURACY")).toMatchObject({ trend: "DEGRADING", latest: 0.89 });
    expect(card.trends.find((t: Data) => t.kpi === "TIME_TO_CONTAINMENT")).toMatchObject({ trend: "STABLE", slopePerWeek: 0 });
    // CUSUM below 0.95 with slack 0.005: 0.005 after 0.94, 0.02 after 0.93: over 0.015.
    expect(card.driftAlarms).toHaveLength(1);
    expect(card.driftAlarms[0]).toMatchObject({ kpi: "SEVERITY_ACCURACY", week: WEEKS[5], baseline: 0.95 });
    expect(card.driftAlarms[0].statistic).toBeCloseTo(0.02, 9);
  });

  it("weighs reporters by the alerts they handled, and leaves weeks without reports empty", async () => {
    const agent = await harness.seedAgent("cai", [AgentDomain.ALERT_TRIAGE]);
    await submit(report(agent.id, WEEKS[8]!, { alertsHandled: 100, severityAccuracy: 0.9 }), SOC);
    await submit(report(agent.id, WEEKS[8]!, { alertsHandled: 300, severityAccuracy: 0.8 }), OTHER_SOC);

    const card = await scorecardOf(agent.id, 2);

    expect(card.weeks).toEqual([
      {
        week: WEEKS[8],
        reports: 2,
        alertsHandled: 400,
        timeToContainmentMinutes: 45,
        falsePositiveLoad: 0.1,
        severityAccuracy: expect.closeTo(0.825, 9),
        escalationQuality: expect.closeTo(0.9, 9),
      },
      {
        week: WEEKS[9],
        reports: 0,
        alertsHandled: 0,
        timeToContainmentMinutes: null,
        falsePositiveLoad: null,
        severityAccuracy: null,
        escalationQuality: null,
      },
    ]);
    expect(card.trends.every((t: Data) => t.trend === null)).toBe(true);
    expect(card.driftAlarms).toEqual([]);
  });

  it("refuses bad reports with the field named, and writes nothing", async () => {
    const agent = await harness.seedAgent("dax", [AgentDomain.ALERT_TRIAGE]);
    const before = await harness.count("kpi_reports");
    const next = weeksEnding(isoWeekOf(new Date(Date.now() + 14 * 24 * 3600 * 1000)), 1)[0]!;
    for (const [input, identity, code, field] of [
      [report(agent.id, "2026-47"), SOC, "BAD_USER_INPUT", "input.week"],
      [report(agent.id, "2021-W53"), SOC, "BAD_USER_INPUT", "input.week"],
      [report(agent.id, next), SOC, "BAD_USER_INPUT", "input.week"],
      [report(agent.id, WEEKS[0]!, { severityAccuracy: 1.2 }), SOC, "BAD_USER_INPUT", "input.severityAccuracy"],
      [report(agent.id, WEEKS[0]!, { alertsHandled: 0 }), SOC, "BAD_USER_INPUT", "input.alertsHandled"],
      [report("00000000-0000-4000-8000-000000000000", WEEKS[0]!), SOC, "NOT_FOUND", "input.agentId"],
      [report(agent.id, WEEKS[0]!), { role: "builder", subject: "not-the-owner" }, "FORBIDDEN", undefined],
      [report(agent.id, WEEKS[0]!), { role: "arbiter", subject: "ada" }, "FORBIDDEN", undefined],
      [report(agent.id, WEEKS[0]!), { role: "anonymous", subject: "" }, "UNAUTHENTICATED", undefined],
    ] as const) {
      expect(errorOf(await submit(input, identity as Identity)), JSON.stringify(input)).toMatchObject({
        code,
        ...(field ? { field } : {}),
      });
    }
    expect(await harness.count("kpi_reports")).toBe(before);

    // The owner may report; a second report of the same week by the same reporter is a conflict.
    expect(dataOf(await submit(report(agent.id, WEEKS[0]!), { role: "builder", subject: "dax" }))).toEqual({ submitKpiReport: true });
    expect(errorOf(await submit(report(agent.id, WEEKS[0]!), { role: "builder", subject: "dax" }))).toMatchObject({
      code: "CONFLICT",
      field: "input.week",
    });
    expect(await harness.count("kpi_reports")).toBe(before + 1);
  });

  it("loads the scorecards of a page of agents in one statement", async () => {
    const agents = [];
    for (let i = 0; i < 5; i += 1) agents.push(await harness.seedAgent(`eve-${i}`, [AgentDomain.ALERT_TRIAGE]));
    for (const agent of agents) await submit(report(agent.id, WEEKS[9]!));
    const query = (ids: string[]) =>
      harness.statementsFor(SCORECARD, { representations: ids.map((id) => ({ __typename: "Agent", id })), weeks: 4 });

    const [two, five] = [await query(agents.slice(0, 2).map((a) => a.id)), await query(agents.map((a) => a.id))];

    expect(five.response.data?._entities).toHaveLength(5);
    expect(two.statements).toBe(1);
    expect(five.statements).toBe(1);
  });
});
