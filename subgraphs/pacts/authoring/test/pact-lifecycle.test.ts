import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentDomain } from "../../../../lib/contracts/agent-domain.js";
import type { Identity } from "../../../../lib/platform/identity.js";
import { DATABASE_KINDS } from "../../../../test/support/databases.js";
import { SUBMIT_RUN } from "../../../../test/support/fixtures.js";
import { dataOf, type GraphQLResponse } from "../../../../test/support/graphql-client.js";
import { errorOf, startSubgraphHarness, type Data, type SubgraphHarness } from "../../../../test/support/subgraph-harness.js";
import { pactsSubgraph } from "../../index.js";

const PACT = `id version status workflow template passThreshold createdBy activatedAt closedAt retiredReason amends { id }
  clauses { key metric comparator threshold windowCases windowDays method weight severity position statement }
  consequenceLadder { action trigger { breachCount breachWindowDays scoreDropPoints scoreDropWindowDays driftAlarm } recovery { passingRuns minCompositeScore quietDays } }
  escalationRoute { action notify }
  escalationOwner { team contact ackDeadlineMinutes }`;
const ADOPT = `mutation($agentId: ID!, $template: String!) { adoptPactTemplate(agentId: $agentId, template: $template) { ${PACT} } }`;
const CREATE = `mutation($input: CreatePactInput!) { createPact(input: $input) { ${PACT} } }`;
const AMEND = `mutation($pactId: ID!, $input: AmendPactInput!) { amendPact(pactId: $pactId, input: $input) { ${PACT} } }`;
const ACTIVATE = `mutation($pactId: ID!) { activatePact(pactId: $pactId) { ${PACT} } }`;
const RETIRE = `mutation($pactId: ID!, $reason: String) { retirePact(pactId: $pactId, reason: $reason) { ${PACT} } }`;
const READ = `query($id: ID!) { pact(id: $id) { id status } }`;
const AGENT_PACTS = `query($representations: [_Any!]!, $workflow: AgentDomain, $statuses: [PactStatus!]) {
  _entities(representations: $representations) { ... on Agent { pacts(workflow: $workflow, statuses: $statuses) { version status workflow } } }
}`;
const CATALOGUE = `{
  pactTemplates { name workflow passThreshold ackDeadlineMinutes clauses { key metric statement } consequenceLadder { action } escalationRoute { action notify } }
  pactMetrics { metric unit direction minThreshold maxThreshold workflows methods caseFields { path requiredWhen } }
}`;

const TEMPLATES: Record<string, AgentDomain> = {
  "alert-triage": AgentDomain.ALERT_TRIAGE,
  "incident-escalation": AgentDomain.INCIDENT_ESCALATION,
  "playbook-routing": AgentDomain.PLAYBOOK_ROUTING,
  "threat-intel-synthesis": AgentDomain.THREAT_INTEL_SYNTHESIS,
};
const ALL_DOMAINS = Object.values(AgentDomain);
const DEFAULT_ROUTE = [
  { action: "WARN", notify: ["ESCALATION_OWNER"] },
  { action: "REQUIRE_HUMAN_REVIEW", notify: ["ESCALATION_OWNER", "BUILDER"] },
  { action: "THROTTLE", notify: ["ESCALATION_OWNER", "BUILDER", "BUYERS"] },
  { action: "SUSPEND_LISTING", notify: ["ESCALATION_OWNER", "BUILDER", "ARBITERS", "BUYERS"] },
  { action: "DELIST", notify: ["ESCALATION_OWNER", "BUILDER", "ARBITERS", "BUYERS"] },
];
/** One valid case per workflow, for submitting against a pact. */
const SAMPLE_CASE: Record<AgentDomain, Data> = {
  ALERT_TRIAGE: { expected: { severity: "HIGH", truePositive: true }, output: { severity: "HIGH", truePositive: true } },
  INCIDENT_ESCALATION: {
    expected: { severity: "HIGH", escalate: true },
    output: { severity: "HIGH", escalate: true },
    timings: { escalationSeconds: 60 },
  },
  PLAYBOOK_ROUTING: { expected: { playbook: "isolate-host" }, output: { playbook: "isolate-host" }, timings: { containmentSeconds: 600 } },
  THREAT_INTEL_SYNTHESIS: {
    expected: { techniques: ["T1059"], indicators: ["evil.example"] },
    output: { techniques: ["T1059"], indicators: ["evil.example"] },
  },
};

const builder = (subject: string): Identity => ({ role: "builder", subject });
const ALICE = builder("alice");
const STRANGERS: { who: string; identity: Identity; code: string }[] = [
  { who: "another builder", identity: builder("mallory"), code: "FORBIDDEN" },
  { who: "a buyer", identity: { role: "buyer", subject: "alice" }, code: "FORBIDDEN" },
  { who: "an anonymous caller", identity: { role: "anonymous", subject: null }, code: "UNAUTHENTICATED" },
];

/** A clause as ClauseInput takes it, from a clause as the API returns it. */
const clauseInput = ({ key, metric, comparator, threshold, windowCases, windowDays, method, weight, severity }: Data) => ({
  key,
  metric,
  comparator,
  threshold,
  windowCases,
  windowDays,
  method,
  weight,
  severity,
});
const triageClause = (overrides: Data = {}) => ({
  key: "severity-accuracy",
  metric: "SEVERITY_CLASSIFICATION_ACCURACY",
  comparator: "GTE",
  threshold: 0.9,
  windowCases: 200,
  weight: 1,
  severity: "CRITICAL",
  ...overrides,
});
const fpClause = {
  key: "fp-rate",
  metric: "FALSE_POSITIVE_RATE",
  comparator: "LTE",
  threshold: 0.2,
  windowCases: null,
  windowDays: 14,
  weight: 0.5,
  severity: "MAJOR",
};
const createInput = (agentId: string, overrides: Data = {}) => ({
  agentId,
  workflow: "ALERT_TRIAGE",
  passThreshold: 0.75,
  clauses: [triageClause(), fpClause],
  ...overrides,
});

describe.each(DATABASE_KINDS)("pact lifecycle (%s)", (kind) => {
  let harness: SubgraphHarness;

  beforeAll(async () => {
    harness = await startSubgraphHarness(kind, (dataSource) => pactsSubgraph(dataSource));
  });
  afterAll(async () => {
    await harness?.stop();
  });

  const call = (query: string, variables: Record<string, unknown>, identity: Identity = ALICE) => harness.call(query, variables, identity);
  /** The one root field's value of a call that must succeed. */
  const ok = async (response: Promise<GraphQLResponse<Data>>): Promise<Data> => Object.values(dataOf(await response))[0] as Data;
  const adopt = (agentId: string, template = "alert-triage", identity?: Identity) => call(ADOPT, { agentId, template }, identity);
  const create = (input: Data, identity?: Identity) => call(CREATE, { input }, identity);
  const amend = (pactId: string, input: Data, identity?: Identity) => call(AMEND, { pactId, input }, identity);
  const activate = (pactId: string, identity?: Identity) => call(ACTIVATE, { pactId }, identity);
  const retire = (pactId: string, reason?: string, identity?: Identity) => call(RETIRE, { pactId, reason }, identity);
  /** Amends the first clause's threshold up by `by`, everything else carried over. */
  const raiseFirstThreshold = (pact: Data, by = 0.01) => ({
    clauses: pact.clauses.map((c: Data, i: number) =>
      clauseInput(i === 0 ? { ...c, threshold: Math.round((c.threshold + by) * 1000) / 1000 } : c),
    ),
  });

  const seedAgent = (owner = "alice", domains = ALL_DOMAINS) => harness.seedAgent(owner, domains);
  /** Every version of the agent's pacts, straight from the table. */
  async function versions(agentId: string): Promise<{ version: number; status: string; workflow: string }[]> {
    const rows: Data[] = await harness.dataSource.query(
      "SELECT version, status, workflow FROM pacts WHERE agent_id = ? ORDER BY workflow, version",
      [agentId],
    );
    return rows.map((row) => ({ version: Number(row.version), status: row.status, workflow: row.workflow }));
  }
  const countOf = async (sql: string, params: unknown[]) => Number(((await harness.dataSource.query(sql, params)) as Data[])[0]?.n);
  const snapshot = async (agentId: string) => ({
    pacts: await harness.count("pacts"),
    clauses: await harness.count("pact_clauses"),
    versions: await versions(agentId),
  });
  async function agentWithActive(template = "alert-triage") {
    const agent = await seedAgent();
    return { agent, v1: await ok(adopt(agent.id, template)) };
  }

  describe("catalogue", () => {
    it("lists four templates, one per workflow, each clause stated in words and valid for its workflow per pactMetrics", async () => {
      const { pactTemplates, pactMetrics } = dataOf(await harness.call(CATALOGUE));

      expect(pactTemplates.map((t: Data) => [t.name, t.workflow])).toEqual(Object.entries(TEMPLATES));
      const incident = pactTemplates.find((t: Data) => t.name === "incident-escalation");
      expect(incident).toMatchObject({ passThreshold: 0.8, ackDeadlineMinutes: 30, escalationRoute: DEFAULT_ROUTE });
      expect(incident.clauses.map((c: Data) => c.key)).toEqual([
        "escalation-recall",
        "escalation-precision",
        "severity-accuracy",
        "time-to-escalate-p90",
      ]);
      expect(incident.clauses[3].statement).toBe(
        "time to escalate (p90, seconds) ≤ 900 over the last 500 cases within the last 30 days (minor)",
      );
      const workflowsOf = new Map(pactMetrics.map((m: Data) => [m.metric, m.workflows]));
      for (const template of pactTemplates) {
        expect(template.clauses.length).toBeGreaterThan(0);
        expect(template.consequenceLadder.map((s: Data) => s.action)).toEqual(DEFAULT_ROUTE.map((r) => r.action));
        for (const clause of template.clauses) {
          expect(clause.statement).toMatch(/^[a-zA-Z&].+ [≥≤] [\d.]+ over the last .+ \((critical|major|minor)\)$/);
          expect(workflowsOf.get(clause.metric)).toContain(template.workflow);
        }
      }
    });

    it("lists the 12 metrics with their workflows and the case fields they read", async () => {
      const { pactMetrics } = dataOf(await harness.call(CATALOGUE));
      const byMetric = new Map<string, Data>(pactMetrics.map((m: Data) => [m.metric, m]));

      expect(pactMetrics).toHaveLength(12);
      for (const metric of pactMetrics) {
        expect(metric.workflows.length, metric.metric).toBeGreaterThan(0);
        expect(metric.caseFields.length, metric.metric).toBeGreaterThan(0);
      }
      expect(byMetric.get("TIME_TO_ESCALATE_P90")).toEqual({
        metric: "TIME_TO_ESCALATE_P90",
        unit: "SECONDS",
        direction: "LOWER_IS_BETTER",
        minThreshold: 1,
        maxThreshold: 2_592_000,
        workflows: ["INCIDENT_ESCALATION"],
        methods: ["DETERMINISTIC"],
        caseFields: [
          { path: "output.escalate", requiredWhen: null },
          { path: "timings.escalationSeconds", requiredWhen: "the agent escalated" },
        ],
      });
      expect(byMetric.get("SEVERITY_CLASSIFICATION_ACCURACY")).toMatchObject({
        unit: "RATIO",
        direction: "HIGHER_IS_BETTER",
        minThreshold: 0,
        maxThreshold: 1,
        workflows: ["ALERT_TRIAGE", "INCIDENT_ESCALATION"],
      });
      expect(byMetric.get("GROUNDING_RATE")).toMatchObject({
        workflows: ["THREAT_INTEL_SYNTHESIS"],
        caseFields: [{ path: "output.indicators", requiredWhen: null }],
      });
      expect(byMetric.get("TIME_TO_CONTAINMENT_P50")).toMatchObject({
        workflows: ["PLAYBOOK_ROUTING"],
        caseFields: [{ path: "timings.containmentSeconds", requiredWhen: null }],
      });
      expect(byMetric.get("FALSE_POSITIVE_RATE")).toMatchObject({ direction: "LOWER_IS_BETTER", workflows: ["ALERT_TRIAGE"] });
    });
  });

  describe("adopt → amend → activate → retire", () => {
    for (const [template, workflow] of Object.entries(TEMPLATES))
      it(`runs the whole lifecycle of a ${template} pact`, async () => {
        const { agent, v1 } = await agentWithActive(template);
        expect(v1).toMatchObject({ version: 1, status: "ACTIVE", workflow, template, amends: null, closedAt: null });
        expect(v1.activatedAt).toEqual(expect.any(String));

        const v2 = await ok(amend(v1.id, raiseFirstThreshold(v1)));
        expect(v2).toMatchObject({
          version: 2,
          status: "DRAFT",
          workflow,
          template,
          amends: { id: v1.id },
          activatedAt: null,
          passThreshold: v1.passThreshold,
        });
        expect(v2.clauses[0].threshold).toBeCloseTo(v1.clauses[0].threshold + 0.01, 9);
        expect(v2.clauses.slice(1)).toEqual(v1.clauses.slice(1));
        expect(v2.consequenceLadder).toEqual(v1.consequenceLadder);
        expect(v2.escalationRoute).toEqual(v1.escalationRoute);
        expect(v2.escalationOwner).toEqual(v1.escalationOwner);
        expect(await ok(call(READ, { id: v1.id }))).toEqual({ id: v1.id, status: "ACTIVE" });

        const active = await ok(activate(v2.id));
        expect(active).toMatchObject({ id: v2.id, version: 2, status: "ACTIVE" });
        expect(active.activatedAt).toEqual(expect.any(String));
        const superseded = await ok(
          call(`query($id: ID!) { pact(id: $id) { status closedAt retiredReason clauses { threshold } } }`, { id: v1.id }),
        );
        expect(superseded).toMatchObject({ status: "SUPERSEDED", retiredReason: null });
        expect(superseded.closedAt).toEqual(expect.any(String));
        expect(superseded.clauses[0].threshold).toBe(v1.clauses[0].threshold);

        const retired = await ok(retire(v2.id, "  replaced by a vendor SLA  "));
        expect(retired).toMatchObject({ id: v2.id, status: "RETIRED", retiredReason: "replaced by a vendor SLA" });
        expect(retired.closedAt).toEqual(expect.any(String));
        expect(await versions(agent.id)).toEqual([
          { version: 1, status: "SUPERSEDED", workflow },
          { version: 2, status: "RETIRED", workflow },
        ]);

        for (const pactId of [v2.id, v1.id]) {
          const submitted = await call(SUBMIT_RUN, {
            input: {
              agentId: agent.id,
              pactId,
              cases: [{ caseId: `after-${pactId}`, input: { note: "late evidence" }, ...SAMPLE_CASE[workflow] }],
            },
          });
          expect(errorOf(submitted)).toMatchObject({ code: "CONFLICT", field: "input.pactId" });
        }
        expect(await countOf("SELECT COUNT(*) AS n FROM evaluation_runs WHERE agent_id = ?", [agent.id])).toBe(0);
      });

    it("carries over what an amendment leaves out: a shorter ladder keeps its steps' routing, a new escalation owner keeps the deadline", async () => {
      const { v1 } = await agentWithActive("incident-escalation");
      const consequenceLadder = [
        { action: "WARN", trigger: { breachCount: 1 } },
        { action: "DELIST", trigger: { breachCount: 4, breachWindowDays: 14 } },
      ];

      const v2 = await ok(amend(v1.id, { consequenceLadder, escalationOwner: { team: " IR on-call ", contact: "#ir-oncall" } }));

      expect(v2).toMatchObject({
        version: 2,
        status: "DRAFT",
        passThreshold: 0.8,
        escalationOwner: { team: "IR on-call", contact: "#ir-oncall", ackDeadlineMinutes: 30 },
      });
      expect(v2.clauses).toEqual(v1.clauses);
      expect(v2.consequenceLadder.map((s: Data) => [s.action, s.trigger.breachCount, s.trigger.breachWindowDays, s.recovery])).toEqual([
        ["WARN", 1, 30, null],
        ["DELIST", 4, 14, null],
      ]);
      expect(v2.escalationRoute).toEqual([DEFAULT_ROUTE[0], DEFAULT_ROUTE[4]]);
    });

    it("refuses to retire or activate a version that is no longer open, or activate an active one, as BAD_USER_INPUT on `pactId`", async () => {
      const { agent, v1 } = await agentWithActive();
      const v2 = await ok(amend(v1.id, { passThreshold: 0.9 }));
      await ok(activate(v2.id));
      const before = await snapshot(agent.id);

      for (const response of [await retire(v1.id), await activate(v1.id), await activate(v2.id)]) {
        expect(errorOf(response)).toMatchObject({ code: "BAD_USER_INPUT", field: "pactId" });
      }
      expect(errorOf(await retire(v2.id, "x".repeat(501)))).toMatchObject({ code: "BAD_USER_INPUT", field: "reason" });
      expect(await snapshot(agent.id)).toEqual(before);
    });
  });

  describe("createPact and drafts", () => {
    it("writes a DRAFT without template, the default ladder and route made explicit, which activation puts in force", async () => {
      const agent = await seedAgent();

      const draft = await ok(create(createInput(agent.id)));

      expect(draft).toMatchObject({
        version: 1,
        status: "DRAFT",
        workflow: "ALERT_TRIAGE",
        template: null,
        passThreshold: 0.75,
        amends: null,
        activatedAt: null,
        createdBy: "alice",
        escalationOwner: { team: "builder:alice", contact: "alice", ackDeadlineMinutes: 60 },
        escalationRoute: DEFAULT_ROUTE,
      });
      expect(draft.clauses).toEqual([
        {
          ...triageClause(),
          windowDays: null,
          method: "DETERMINISTIC",
          position: 0,
          statement: "severity classification accuracy ≥ 0.9 over the last 200 cases (critical)",
        },
        { ...fpClause, method: "DETERMINISTIC", position: 1, statement: "false positive rate ≤ 0.2 over the last 14 days (major)" },
      ]);
      expect(draft.consequenceLadder).toHaveLength(5);
      expect(draft.consequenceLadder[0]).toEqual({
        action: "WARN",
        trigger: { breachCount: 1, breachWindowDays: 30, scoreDropPoints: null, scoreDropWindowDays: null, driftAlarm: false },
        recovery: { passingRuns: 1, minCompositeScore: null, quietDays: null },
      });
      expect(draft.consequenceLadder[4]).toEqual({
        action: "DELIST",
        trigger: { breachCount: 8, breachWindowDays: 30, scoreDropPoints: null, scoreDropWindowDays: null, driftAlarm: false },
        recovery: null,
      });

      const active = await ok(activate(draft.id));
      expect(active).toMatchObject({ id: draft.id, status: "ACTIVE", version: 1 });
      expect(await versions(agent.id)).toEqual([{ version: 1, status: "ACTIVE", workflow: "ALERT_TRIAGE" }]);
    });

    it("routes every step of a custom ladder, to the escalation owner where the route is silent, with trigger defaults made explicit", async () => {
      const agent = await seedAgent();
      const consequenceLadder = [
        { action: "WARN", trigger: { breachCount: 2 } },
        { action: "SUSPEND_LISTING", trigger: { scoreDropPoints: 100 }, recovery: { quietDays: 14 } },
      ];

      const silent = await ok(create(createInput(agent.id, { consequenceLadder })));
      await ok(retire(silent.id, "discarded"));
      const routed = await ok(
        create(
          createInput(agent.id, { consequenceLadder, escalationRoute: [{ action: "SUSPEND_LISTING", notify: ["ARBITERS", "BUILDER"] }] }),
        ),
      );

      expect(silent.consequenceLadder).toEqual([
        {
          action: "WARN",
          trigger: { breachCount: 2, breachWindowDays: 30, scoreDropPoints: null, scoreDropWindowDays: null, driftAlarm: false },
          recovery: null,
        },
        {
          action: "SUSPEND_LISTING",
          trigger: { breachCount: null, breachWindowDays: null, scoreDropPoints: 100, scoreDropWindowDays: 30, driftAlarm: false },
          recovery: { passingRuns: null, minCompositeScore: null, quietDays: 14 },
        },
      ]);
      expect(silent.escalationRoute).toEqual([
        { action: "WARN", notify: ["ESCALATION_OWNER"] },
        { action: "SUSPEND_LISTING", notify: ["ESCALATION_OWNER"] },
      ]);
      expect(routed).toMatchObject({ version: 2, status: "DRAFT" });
      expect(routed.escalationRoute).toEqual([
        { action: "WARN", notify: ["ESCALATION_OWNER"] },
        { action: "SUSPEND_LISTING", notify: ["ARBITERS", "BUILDER"] },
      ]);
    });

    it("shows a draft through pact(id) and Agent.pacts only to its author and arbiters", async () => {
      const agent = await seedAgent();
      const draft = await ok(create(createInput(agent.id)));
      const representations = [{ __typename: "Agent", id: agent.id }];
      const listed = async (identity: Identity) =>
        dataOf(await harness.call(AGENT_PACTS, { representations }, identity))._entities[0].pacts;

      for (const identity of [ALICE, { role: "arbiter", subject: "olga" }] as Identity[]) {
        expect(await ok(harness.call(READ, { id: draft.id }, identity)), identity.role).toEqual({ id: draft.id, status: "DRAFT" });
        expect(await listed(identity)).toEqual([{ version: 1, status: "DRAFT", workflow: "ALERT_TRIAGE" }]);
      }
      for (const { who, identity } of STRANGERS) {
        expect(await ok(harness.call(READ, { id: draft.id }, identity)), who).toBeNull();
        expect(await listed(identity), who).toEqual([]);
      }

      // Discarded, it never was in force: it stays private.
      await ok(retire(draft.id, "scrapped"));
      expect(await ok(harness.call(READ, { id: draft.id }, ALICE))).toEqual({ id: draft.id, status: "RETIRED" });
      for (const { who, identity } of STRANGERS) {
        expect(await ok(harness.call(READ, { id: draft.id }, identity)), who).toBeNull();
        expect(await listed(identity), who).toEqual([]);
      }
    });

    it("filters Agent.pacts by workflow and status, drafts hidden from strangers", async () => {
      const agent = await seedAgent();
      const triage = await ok(adopt(agent.id, "alert-triage"));
      await ok(adopt(agent.id, "incident-escalation"));
      await ok(amend(triage.id, { passThreshold: 0.9 }));
      const pactsOf = async (filter: Data, identity: Identity = ALICE) =>
        dataOf(await harness.call(AGENT_PACTS, { representations: [{ __typename: "Agent", id: agent.id }], ...filter }, identity))
          ._entities[0].pacts;
      const stranger = builder("mallory");

      expect(await pactsOf({})).toEqual([
        { version: 2, status: "DRAFT", workflow: "ALERT_TRIAGE" },
        { version: 1, status: "ACTIVE", workflow: "ALERT_TRIAGE" },
        { version: 1, status: "ACTIVE", workflow: "INCIDENT_ESCALATION" },
      ]);
      expect(await pactsOf({ workflow: "ALERT_TRIAGE" })).toEqual([
        { version: 2, status: "DRAFT", workflow: "ALERT_TRIAGE" },
        { version: 1, status: "ACTIVE", workflow: "ALERT_TRIAGE" },
      ]);
      expect(await pactsOf({ workflow: "ALERT_TRIAGE" }, stranger)).toEqual([{ version: 1, status: "ACTIVE", workflow: "ALERT_TRIAGE" }]);
      expect(await pactsOf({ statuses: ["ACTIVE"] })).toEqual([
        { version: 1, status: "ACTIVE", workflow: "ALERT_TRIAGE" },
        { version: 1, status: "ACTIVE", workflow: "INCIDENT_ESCALATION" },
      ]);
      expect(await pactsOf({ statuses: ["DRAFT"] })).toEqual([{ version: 2, status: "DRAFT", workflow: "ALERT_TRIAGE" }]);
      expect(await pactsOf({ statuses: ["DRAFT"] }, stranger)).toEqual([]);
      expect(await pactsOf({ workflow: "PLAYBOOK_ROUTING" })).toEqual([]);
      expect(await pactsOf({ workflow: "INCIDENT_ESCALATION", statuses: ["SUPERSEDED", "RETIRED"] })).toEqual([]);
    });
  });

  describe("authorisation", () => {
    for (const { who, identity, code } of STRANGERS)
      it(`refuses ${who} every write with ${code}, writing nothing`, async () => {
        const { agent, v1 } = await agentWithActive();
        const draft = await ok(amend(v1.id, { passThreshold: 0.9 }));
        const other = await seedAgent();
        const before = await snapshot(agent.id);

        const attempts = {
          createPact: await create(createInput(other.id), identity),
          amendPact: await amend(v1.id, { passThreshold: 0.95 }, identity),
          activatePact: await activate(draft.id, identity),
          retireActive: await retire(v1.id, "taken over", identity),
          retireDraft: await retire(draft.id, "taken over", identity),
          adoptPactTemplate: await adopt(other.id, "playbook-routing", identity),
        };

        for (const [label, response] of Object.entries(attempts))
          expect({ label, code: errorOf(response).code, data: response.data }).toEqual({ label, code, data: null });
        expect(await snapshot(agent.id)).toEqual(before);
        expect(await versions(other.id)).toEqual([]);
      });
  });

  describe("bad input", () => {
    const outOfOrder = [
      { action: "THROTTLE", trigger: { breachCount: 1 } },
      { action: "WARN", trigger: { breachCount: 2 } },
    ];
    for (const { label, input, field } of [
      {
        label: "a threshold out of the metric's range",
        input: { clauses: [triageClause({ threshold: 1.5 })] },
        field: "input.clauses[0].threshold",
      },
      {
        label: "a seconds threshold below 1",
        input: {
          workflow: "PLAYBOOK_ROUTING",
          clauses: [triageClause({ metric: "TIME_TO_CONTAINMENT_P90", comparator: "LTE", threshold: 0.5 })],
        },
        field: "input.clauses[0].threshold",
      },
      {
        label: "duplicate clause ids",
        input: { clauses: [triageClause(), triageClause({ threshold: 0.8 })] },
        field: "input.clauses[1].key",
      },
      { label: "a ladder out of order", input: { consequenceLadder: outOfOrder }, field: "input.consequenceLadder[1].action" },
      {
        label: "a metric not measured on the workflow",
        input: { clauses: [triageClause(), triageClause({ key: "routing", metric: "PLAYBOOK_ROUTING_ACCURACY" })] },
        field: "input.clauses[1].metric",
      },
      {
        label: "a comparator against the metric's direction",
        input: { clauses: [{ ...fpClause, comparator: "GTE" }] },
        field: "input.clauses[0].comparator",
      },
      {
        label: "a clause without window",
        input: { clauses: [triageClause({ windowCases: null })] },
        field: "input.clauses[0].windowCases",
      },
      { label: "no clause with weight", input: { clauses: [triageClause({ weight: 0 })] }, field: "input.clauses" },
      {
        label: "a route for a step not on the ladder",
        input: {
          consequenceLadder: [{ action: "WARN", trigger: { breachCount: 1 } }],
          escalationRoute: [{ action: "DELIST", notify: ["ARBITERS"] }],
        },
        field: "input.escalationRoute[0].action",
      },
      {
        label: "a harsher step firing sooner",
        input: {
          consequenceLadder: [
            { action: "WARN", trigger: { breachCount: 3 } },
            { action: "THROTTLE", trigger: { breachCount: 2 } },
          ],
        },
        field: "input.consequenceLadder[1].trigger.breachCount",
      },
    ])
      it(`refuses ${label} as BAD_USER_INPUT on \`${field}\`, on createPact and amendPact, writing nothing`, async () => {
        const { agent, v1 } = await agentWithActive(input.workflow === "PLAYBOOK_ROUTING" ? "playbook-routing" : "alert-triage");
        const fresh = await seedAgent();
        const before = await snapshot(agent.id);
        const { workflow: _workflow, ...amendment } = input as Data;

        expect(errorOf(await create(createInput(fresh.id, input)))).toMatchObject({ code: "BAD_USER_INPUT", field });
        expect(errorOf(await amend(v1.id, amendment))).toMatchObject({ code: "BAD_USER_INPUT", field });
        expect(await snapshot(agent.id)).toEqual(before);
        expect(await versions(fresh.id)).toEqual([]);
      });

    it("refuses an unknown metric as a variable coercion error naming the clause's metric", async () => {
      const agent = await seedAgent();
      const before = await snapshot(agent.id);

      const response = await create(createInput(agent.id, { clauses: [triageClause({ metric: "MEAN_TIME_TO_COFFEE" })] }));

      expect(errorOf(response).code).toBe("BAD_USER_INPUT");
      expect(errorOf(response).field).toContain("clauses[0].metric");
      expect(await snapshot(agent.id)).toEqual(before);
    });

    it("refuses to amend a DRAFT or a SUPERSEDED version, and an amendment that changes nothing, writing nothing", async () => {
      const { agent, v1 } = await agentWithActive();
      const v2 = await ok(amend(v1.id, { passThreshold: 0.9 }));
      const before = await snapshot(agent.id);

      expect(errorOf(await amend(v2.id, { passThreshold: 0.95 }))).toMatchObject({ code: "BAD_USER_INPUT", field: "pactId" });
      await ok(activate(v2.id));
      const afterActivation = await snapshot(agent.id);
      expect(errorOf(await amend(v1.id, { passThreshold: 0.95 }))).toMatchObject({ code: "BAD_USER_INPUT", field: "pactId" });
      for (const nothing of [
        {},
        { passThreshold: 0.9 },
        { clauses: v2.clauses.map(clauseInput) },
        { escalationOwner: { team: "builder:alice", contact: "alice" } },
      ]) {
        expect(errorOf(await amend(v2.id, nothing)), JSON.stringify(nothing)).toMatchObject({ code: "BAD_USER_INPUT", field: "input" });
      }
      expect(afterActivation.pacts).toBe(before.pacts);
      expect(await snapshot(agent.id)).toEqual(afterActivation);
    });
  });

  describe("conflicts", () => {
    it("refuses adopting or creating while a version is active, and a second draft, as CONFLICT, writing nothing", async () => {
      const { agent, v1 } = await agentWithActive();
      await ok(amend(v1.id, { passThreshold: 0.9 }));
      const before = await snapshot(agent.id);

      expect(errorOf(await adopt(agent.id))).toMatchObject({ code: "CONFLICT", field: "agentId" });
      expect(errorOf(await create(createInput(agent.id)))).toMatchObject({ code: "CONFLICT", field: "input.agentId" });
      expect(errorOf(await amend(v1.id, { passThreshold: 0.95 }))).toMatchObject({ code: "CONFLICT", field: "pactId" });
      expect(await snapshot(agent.id)).toEqual(before);
    });

    it("refuses a second from-scratch draft, and adopting a template while a draft is open, as CONFLICT", async () => {
      const agent = await seedAgent();
      await ok(create(createInput(agent.id)));
      const before = await snapshot(agent.id);

      expect(errorOf(await create(createInput(agent.id, { passThreshold: 0.5 })))).toMatchObject({
        code: "CONFLICT",
        field: "input.agentId",
      });
      // Adopting would leave the draft unable ever to be activated.
      expect(errorOf(await adopt(agent.id))).toMatchObject({ code: "CONFLICT", field: "agentId" });
      expect(await snapshot(agent.id)).toEqual(before);
      expect(before.versions).toEqual([{ version: 1, status: "DRAFT", workflow: "ALERT_TRIAGE" }]);
    });

    it("retires, with an active version, the draft amending it, which could never be activated after", async () => {
      const { agent, v1 } = await agentWithActive();
      const v2 = await ok(amend(v1.id, { passThreshold: 0.85 }));
      await ok(retire(v2.id, "discarded"));
      const v3 = await ok(amend(v1.id, { passThreshold: 0.9 }));
      await ok(activate(v3.id));
      const v4 = await ok(amend(v3.id, { passThreshold: 0.95 }));
      expect(v4).toMatchObject({ version: 4, amends: { id: v3.id } });

      await ok(retire(v3.id, "withdrawn"));
      const before = await snapshot(agent.id);
      const response = await activate(v4.id);

      expect(errorOf(response)).toMatchObject({ code: "BAD_USER_INPUT", field: "pactId" });
      expect(await snapshot(agent.id)).toEqual(before);
      expect(before.versions.map((v) => v.status)).toEqual(["SUPERSEDED", "RETIRED", "RETIRED", "RETIRED"]);
      expect(await ok(harness.call(`query($id: ID!) { pact(id: $id) { retiredReason } }`, { id: v4.id }, ALICE))).toEqual({
        retiredReason: "the version it amends (3) was retired",
      });
    });
  });

  describe("concurrent writes", () => {
    const openVersions = async (agentId: string) =>
      (await versions(agentId))
        .filter((v) => v.status === "ACTIVE" || v.status === "DRAFT")
        .map((v) => `${v.status}@${v.version}`)
        .sort();
    const outcomes = (responses: GraphQLResponse<Data>[]) => responses.map((r) => (r.errors ? String(errorOf(r).code) : "OK")).sort();

    it("activates a draft once when two activations race", async () => {
      const { agent, v1 } = await agentWithActive();
      const v2 = await ok(amend(v1.id, { passThreshold: 0.9 }));

      const responses = await Promise.all([activate(v2.id), activate(v2.id)]);

      expect(outcomes(responses)).toContain("OK");
      expect(outcomes(responses).filter((o) => o === "OK")).toHaveLength(1);
      expect(outcomes(responses).filter((o) => o !== "OK")[0]).toMatch(/^(CONFLICT|BAD_USER_INPUT)$/);
      expect(await versions(agent.id)).toEqual([
        { version: 1, status: "SUPERSEDED", workflow: "ALERT_TRIAGE" },
        { version: 2, status: "ACTIVE", workflow: "ALERT_TRIAGE" },
      ]);
    });

    it("writes one draft when two amendments race", async () => {
      const { agent, v1 } = await agentWithActive();

      const responses = await Promise.all([amend(v1.id, { passThreshold: 0.85 }), amend(v1.id, { passThreshold: 0.9 })]);

      expect(outcomes(responses)).toEqual(["CONFLICT", "OK"]);
      expect(await openVersions(agent.id)).toEqual(["ACTIVE@1", "DRAFT@2"]);
      expect(
        await countOf("SELECT COUNT(*) AS n FROM pact_clauses WHERE pact_id IN (SELECT id FROM pacts WHERE agent_id = ?)", [agent.id]),
      ).toBe(4);
    });

    it("lets exactly one of activating the draft and retiring the version it amends win", async () => {
      const { agent, v1 } = await agentWithActive();
      const v2 = await ok(amend(v1.id, { passThreshold: 0.9 }));

      const responses = await Promise.all([activate(v2.id), retire(v1.id, "withdrawn")]);

      expect(outcomes(responses).filter((o) => o === "OK")).toHaveLength(1);
      expect(outcomes(responses).filter((o) => o !== "OK")[0]).toMatch(/^(CONFLICT|BAD_USER_INPUT)$/);
      const open = await openVersions(agent.id);
      // Retiring v1 first also retires the draft amending it.
      expect([["ACTIVE@2"], []]).toContainEqual(open);
    });

    it("writes one version when two adoptions or two creations race", async () => {
      const adopted = await seedAgent();
      const created = await seedAgent();

      const adoptions = await Promise.all([adopt(adopted.id), adopt(adopted.id)]);
      const creations = await Promise.all([create(createInput(created.id)), create(createInput(created.id, { passThreshold: 0.5 }))]);

      expect(outcomes(adoptions)).toEqual(["CONFLICT", "OK"]);
      expect(outcomes(creations)).toEqual(["CONFLICT", "OK"]);
      expect(await versions(adopted.id)).toEqual([{ version: 1, status: "ACTIVE", workflow: "ALERT_TRIAGE" }]);
      expect(await versions(created.id)).toEqual([{ version: 1, status: "DRAFT", workflow: "ALERT_TRIAGE" }]);
    });
  });
});
