import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { AgentDomain } from "../../../lib/contracts/agent-domain.js";
import type { Identity } from "../../../lib/platform/identity.js";
import { OutboxMessage } from "../../../lib/platform/outbox.js";
import {
  errorOf,
  expectOnlyGatewayRequests,
  startSubgraphHarness,
  type Data,
  type SubgraphHarness,
} from "../../../test/support/subgraph-harness.js";
import type { Agent } from "../../../test/support/contexts.js";
import { DATABASE_KINDS } from "../../../test/support/databases.js";
import { SUBMIT_RUN, triageCases } from "../../../test/support/fixtures.js";
import { dataOf } from "../../../test/support/graphql-client.js";
import { pactsSubgraph } from "../index.js";

const ADOPT = `mutation Adopt($agentId: ID!, $template: String!, $escalationOwner: EscalationOwnerInput) {
  adoptPactTemplate(agentId: $agentId, template: $template, escalationOwner: $escalationOwner) {
    id version status workflow template passThreshold createdBy agent { id }
    clauses { key metric comparator threshold windowCases method weight severity position statement }
    escalationOwner { team contact ackDeadlineMinutes }
  }
}`;
const AGENT_PACTS = `query Entities($representations: [_Any!]!) {
  _entities(representations: $representations) { ... on Agent { id pacts { id version clauses { key } } } }
}`;
const TERMS = "id consequenceLadder { action } escalationRoute { action notify }";
const ADOPT_TERMS = `mutation($agentId: ID!) { adoptPactTemplate(agentId: $agentId, template: "playbook-routing") { ${TERMS} } }`;
const AGENT_TERMS = `query Entities($representations: [_Any!]!) {
  _entities(representations: $representations) { ... on Agent { id pacts { ${TERMS} clauses { key } } } }
}`;

const builder = (subject: string): Identity => ({ role: "builder", subject });
const PACT_TABLES = ["pacts", "pact_clauses"] as const;
const RUN_TABLES = ["evaluation_runs", "evaluation_cases", "outbox_messages"] as const;

describe.each(DATABASE_KINDS)("pacts subgraph alone (%s)", (kind) => {
  let harness: SubgraphHarness;
  let outboxNotifications = 0;

  beforeAll(async () => {
    harness = await startSubgraphHarness(kind, (dataSource) =>
      pactsSubgraph(dataSource, {
        outboxWritten: () => {
          outboxNotifications += 1;
        },
      }),
    );
  });
  afterAll(async () => {
    await harness?.stop();
  });
  beforeEach(() => {
    outboxNotifications = 0;
  });

  const counts = async <T extends string>(tables: readonly T[]): Promise<Record<T, number>> =>
    Object.fromEntries(await Promise.all(tables.map(async (table) => [table, await harness.count(table)] as const))) as Record<T, number>;
  const adopt = (agentId: string, identity: Identity, template = "alert-triage", escalationOwner?: Record<string, unknown>) =>
    harness.call(ADOPT, { agentId, template, escalationOwner }, identity);
  async function agentWithPact(owner: string, domains = [AgentDomain.ALERT_TRIAGE]): Promise<{ agent: Agent; pact: Data }> {
    const agent = await harness.seedAgent(owner, domains);
    const pact = dataOf(await adopt(agent.id, builder(owner))).adoptPactTemplate;
    return { agent, pact };
  }

  it("refuses requests that did not come through the gateway", async () => {
    await expectOnlyGatewayRequests(harness.url, "pacts", "reputation");
  });

  describe("adoptPactTemplate", () => {
    it("binds the owner's agent to version 1 of the template, clauses stated in words, escalation to the owner by default", async () => {
      const agent = await harness.seedAgent("alice", [AgentDomain.ALERT_TRIAGE]);

      const pact = dataOf(await adopt(agent.id, builder("alice"))).adoptPactTemplate;

      expect(pact).toMatchObject({
        version: 1,
        status: "ACTIVE",
        workflow: "ALERT_TRIAGE",
        template: "alert-triage",
        passThreshold: 0.8,
        createdBy: "alice",
        agent: { id: agent.id },
      });
      expect(pact.clauses).toEqual([
        {
          key: "severity-accuracy",
          metric: "SEVERITY_CLASSIFICATION_ACCURACY",
          comparator: "GTE",
          threshold: 0.92,
          windowCases: 500,
          method: "DETERMINISTIC",
          weight: 0.6,
          severity: "CRITICAL",
          position: 0,
          statement: "severity classification accuracy ≥ 0.92 over the last 500 cases (critical)",
        },
        {
          key: "false-positive-rate",
          metric: "FALSE_POSITIVE_RATE",
          comparator: "LTE",
          threshold: 0.1,
          windowCases: 500,
          method: "DETERMINISTIC",
          weight: 0.4,
          severity: "MAJOR",
          position: 1,
          statement: "false positive rate ≤ 0.1 over the last 500 cases (major)",
        },
      ]);
      expect(pact.escalationOwner).toEqual({ team: "builder:alice", contact: "alice", ackDeadlineMinutes: 60 });
    });

    it("takes the escalation owner given, keeping the template's deadline unless one is given", async () => {
      const first = await harness.seedAgent("alice", [AgentDomain.ALERT_TRIAGE]);
      const second = await harness.seedAgent("alice", [AgentDomain.ALERT_TRIAGE]);

      const withoutDeadline = dataOf(
        await adopt(first.id, builder("alice"), "alert-triage", { team: "SOC Tier 2", contact: "soc-t2@example.com" }),
      ).adoptPactTemplate;
      const withDeadline = dataOf(
        await adopt(second.id, builder("alice"), "alert-triage", { team: "SOC Tier 2", contact: "#soc-t2", ackDeadlineMinutes: 15 }),
      ).adoptPactTemplate;

      expect(withoutDeadline.escalationOwner).toEqual({ team: "SOC Tier 2", contact: "soc-t2@example.com", ackDeadlineMinutes: 60 });
      expect(withDeadline.escalationOwner).toEqual({ team: "SOC Tier 2", contact: "#soc-t2", ackDeadlineMinutes: 15 });
    });

    it("shows the escalation contact only to the pact's builder and to arbiters", async () => {
      const agent = await harness.seedAgent("alice", [AgentDomain.ALERT_TRIAGE]);
      const pact = dataOf(
        await adopt(agent.id, builder("alice"), "alert-triage", { team: "SOC", contact: "oncall-phone:+1-555-0100" }),
      ).adoptPactTemplate;
      const read = async (identity: Identity) =>
        dataOf(await harness.call(`query($id: ID!) { pact(id: $id) { escalationOwner { contact } } }`, { id: pact.id }, identity)).pact
          .escalationOwner;

      expect(await read({ role: "arbiter", subject: "olga" })).toEqual({ contact: "oncall-phone:+1-555-0100" });
      expect(await read({ role: "builder", subject: "alice" })).toEqual({ contact: "oncall-phone:+1-555-0100" });
      for (const identity of [
        { role: "anonymous", subject: null },
        { role: "buyer", subject: "alice" },
        { role: "builder", subject: "mallory" },
      ] as Identity[]) {
        expect(await read(identity)).toBeNull();
      }
    });

    for (const { label, template, code, field } of [
      { label: "an unknown template", template: "incident-escalation", code: "BAD_USER_INPUT", field: "template" },
      // The template table is a plain object: its inherited keys are not templates.
      { label: "an inherited property name as template", template: "constructor", code: "BAD_USER_INPUT", field: "template" },
    ])
      it(`refuses ${label} as ${code} on \`${field}\`, writing nothing`, async () => {
        const agent = await harness.seedAgent("bert", [AgentDomain.ALERT_TRIAGE]);
        const before = await counts(PACT_TABLES);

        const response = await adopt(agent.id, builder("bert"), template);

        expect(errorOf(response)).toMatchObject({ code, field });
        expect(await counts(PACT_TABLES)).toEqual(before);
      });

    it("refuses an agent that does not serve the template's workflow, writing nothing", async () => {
      const agent = await harness.seedAgent("bert", [AgentDomain.PLAYBOOK_ROUTING, AgentDomain.INCIDENT_ESCALATION]);
      const before = await counts(PACT_TABLES);

      const response = await adopt(agent.id, builder("bert"));

      expect(errorOf(response)).toMatchObject({ code: "BAD_USER_INPUT", field: "template" });
      expect(errorOf(response).message).toContain("ALERT_TRIAGE");
      expect(await counts(PACT_TABLES)).toEqual(before);
    });

    it("forbids binding someone else's agent, writing nothing", async () => {
      const agent = await harness.seedAgent("carol", [AgentDomain.ALERT_TRIAGE]);
      const before = await counts(PACT_TABLES);

      const response = await adopt(agent.id, builder("mallory"));

      expect(errorOf(response).code).toBe("FORBIDDEN");
      expect(await counts(PACT_TABLES)).toEqual(before);
    });

    it("refuses an unknown agent as NOT_FOUND on `agentId`", async () => {
      const response = await adopt("00000000-0000-0000-0000-000000000000", builder("carol"));

      expect(errorOf(response)).toMatchObject({ code: "NOT_FOUND", field: "agentId" });
    });

    it("refuses a second active pact for the same workflow as CONFLICT, writing nothing", async () => {
      const { agent } = await agentWithPact("dave");
      const before = await counts(PACT_TABLES);

      const response = await adopt(agent.id, builder("dave"));

      expect(errorOf(response)).toMatchObject({ code: "CONFLICT", field: "agentId" });
      expect(await counts(PACT_TABLES)).toEqual(before);
    });

    const callers: { caller: string; identity: Identity; code: string }[] = [
      { caller: "a buyer", identity: { role: "buyer", subject: "dave" }, code: "FORBIDDEN" },
      { caller: "an anonymous caller", identity: { role: "anonymous", subject: null }, code: "UNAUTHENTICATED" },
    ];
    for (const { caller, identity, code } of callers)
      it(`refuses ${caller} with ${code}`, async () => {
        const agent = await harness.seedAgent("dave", [AgentDomain.ALERT_TRIAGE]);

        expect(errorOf(await adopt(agent.id, identity)).code).toBe(code);
      });
  });

  describe("submitEvaluationRun", () => {
    const submit = (input: Record<string, unknown>, identity: Identity) => harness.call(SUBMIT_RUN, { input }, identity);

    it("stores the run and its cases, and one judge job in the outbox, in one go, then nudges the relay", async () => {
      const { agent, pact } = await agentWithPact("erin");
      const before = await counts(RUN_TABLES);

      const run = dataOf(await submit({ agentId: agent.id, pactId: pact.id, cases: triageCases(12) }, builder("erin"))).submitEvaluationRun;

      expect(run).toMatchObject({ status: "QUEUED", caseCount: 12, pactVersion: 1 });
      expect(await counts(RUN_TABLES)).toEqual({
        evaluation_runs: before.evaluation_runs + 1,
        evaluation_cases: before.evaluation_cases + 12,
        outbox_messages: before.outbox_messages + 1,
      });
      const [message] = await harness.dataSource.getRepository(OutboxMessage).find({ order: { id: "DESC" }, take: 1 });
      expect(message?.topic).toBe("judge");
      expect(JSON.parse(message?.body ?? "null")).toEqual({ kind: "evaluation-run", runId: run.id, slice: 0 });
      expect(outboxNotifications).toBe(1);
    });

    it("keeps the cases verbatim, in submitted order", async () => {
      const { agent, pact } = await agentWithPact("erin");
      const cases = triageCases(3, { wrongSeverity: 1 });

      const run = dataOf(await submit({ agentId: agent.id, pactId: pact.id, cases }, builder("erin"))).submitEvaluationRun;

      const stored: { case_id: string; position: number | string; input: string; output: string }[] = await harness.dataSource.query(
        "SELECT case_id, position, input, output FROM evaluation_cases WHERE run_id = ? ORDER BY position",
        [run.id],
      );
      expect(
        stored.map((row) => ({
          caseId: row.case_id,
          position: Number(row.position),
          input: JSON.parse(row.input),
          output: JSON.parse(row.output),
        })),
      ).toEqual(cases.map((c, position) => ({ caseId: c.caseId, position, input: c.input, output: c.output })));
    });

    const withCases = (mutate: (cases: Data[]) => Data[]) => mutate(triageCases(3));
    for (const { label, cases, field } of [
      {
        label: "a repeated caseId",
        cases: withCases((cases) => [cases[0]!, { ...cases[1]!, caseId: cases[0]!.caseId }, cases[2]!]),
        field: "input.cases[1].caseId",
      },
      {
        label: "an output without severity",
        cases: withCases((cases) => [cases[0]!, cases[1]!, { ...cases[2]!, output: { truePositive: true } }]),
        field: "input.cases[2].output.severity",
      },
      {
        label: "an expected result without truePositive",
        cases: withCases((cases) => [{ ...cases[0]!, expected: { severity: "HIGH" } }, cases[1]!, cases[2]!]),
        field: "input.cases[0].expected.truePositive",
      },
      {
        label: "a caseId with forbidden characters",
        cases: withCases((cases) => [{ ...cases[0]!, caseId: "case 1/2" }]),
        field: "input.cases[0].caseId",
      },
      { label: "more than 500 cases", cases: triageCases(501), field: "input.cases" },
      { label: "no case at all", cases: [], field: "input.cases" },
    ])
      it(`refuses ${label} as BAD_USER_INPUT on \`${field}\`, writing no run and no job`, async () => {
        const { agent, pact } = await agentWithPact("frank");
        const before = await counts(RUN_TABLES);

        const response = await submit({ agentId: agent.id, pactId: pact.id, cases }, builder("frank"));

        expect(errorOf(response)).toMatchObject({ code: "BAD_USER_INPUT", field });
        expect(await counts(RUN_TABLES)).toEqual(before);
        expect(outboxNotifications).toBe(0);
      });

    it("refuses case ids already submitted for the agent as CONFLICT, writing nothing; another agent may use them", async () => {
      const { agent, pact } = await agentWithPact("ivan");
      const other = await agentWithPact("ivan");
      dataOf(await submit({ agentId: agent.id, pactId: pact.id, cases: triageCases(3) }, builder("ivan")));
      const before = await counts(RUN_TABLES);

      const again = await submit(
        { agentId: agent.id, pactId: pact.id, cases: triageCases(3, { idPrefix: "new" }).concat(triageCases(1)) },
        builder("ivan"),
      );

      expect(errorOf(again)).toMatchObject({ code: "CONFLICT", field: "input.cases[3].caseId" });
      expect(await counts(RUN_TABLES)).toEqual(before);
      expect(
        dataOf(await submit({ agentId: other.agent.id, pactId: other.pact.id, cases: triageCases(3) }, builder("ivan"))).submitEvaluationRun
          .status,
      ).toBe("QUEUED");
    });

    it("stores an alert of exactly 64 KiB on every engine, and refuses one byte more", async () => {
      const { agent, pact } = await agentWithPact("judy");
      // JSON.stringify({ blob: "…" }) adds 11 bytes around the string.
      const alertOf = (bytes: number) => ({ blob: "x".repeat(bytes - 11) });
      const [atLimit, overLimit] = [alertOf(64 * 1024), alertOf(64 * 1024 + 1)].map((input, i) => [
        { ...triageCases(1, { idPrefix: `size-${i}` })[0]!, input },
      ]);

      const stored = await submit({ agentId: agent.id, pactId: pact.id, cases: atLimit }, builder("judy"));
      const refused = await submit({ agentId: agent.id, pactId: pact.id, cases: overLimit }, builder("judy"));

      expect(dataOf(stored).submitEvaluationRun.caseCount).toBe(1);
      expect(errorOf(refused)).toMatchObject({ code: "BAD_USER_INPUT", field: "input.cases[0].input" });
    });

    it("refuses an alert nested deeper than 32 levels as BAD_USER_INPUT, writing nothing", async () => {
      const { agent, pact } = await agentWithPact("judy");
      let alert: Record<string, unknown> = { leaf: true };
      // Deeper than an alert may be, shallow enough for the request as a whole.
      for (let i = 0; i < 40; i += 1) alert = { nested: alert };
      const before = await counts(RUN_TABLES);

      const response = await submit(
        { agentId: agent.id, pactId: pact.id, cases: [{ ...triageCases(1, { idPrefix: "deep" })[0]!, input: alert }] },
        builder("judy"),
      );

      expect(errorOf(response)).toMatchObject({ code: "BAD_USER_INPUT", field: "input.cases[0].input" });
      expect(await counts(RUN_TABLES)).toEqual(before);
    });

    it("refuses a pact that binds another agent of the same owner, writing nothing", async () => {
      const { agent } = await agentWithPact("grace");
      const other = await agentWithPact("grace");
      const before = await counts(RUN_TABLES);

      const response = await submit({ agentId: agent.id, pactId: other.pact.id, cases: triageCases(3) }, builder("grace"));

      expect(errorOf(response)).toMatchObject({ code: "BAD_USER_INPUT", field: "input.pactId" });
      expect(await counts(RUN_TABLES)).toEqual(before);
      expect(outboxNotifications).toBe(0);
    });

    it("refuses evidence for someone else's agent as FORBIDDEN, writing nothing", async () => {
      const { agent, pact } = await agentWithPact("heidi");
      const before = await counts(RUN_TABLES);

      const response = await submit({ agentId: agent.id, pactId: pact.id, cases: triageCases(3) }, builder("mallory"));

      expect(errorOf(response).code).toBe("FORBIDDEN");
      expect(await counts(RUN_TABLES)).toEqual(before);
    });

    it("refuses an unknown pact as NOT_FOUND on `input.pactId`", async () => {
      const { agent } = await agentWithPact("heidi");

      const response = await submit(
        { agentId: agent.id, pactId: "00000000-0000-0000-0000-000000000000", cases: triageCases(3) },
        builder("heidi"),
      );

      expect(errorOf(response)).toMatchObject({ code: "NOT_FOUND", field: "input.pactId" });
    });
  });

  describe("_entities", () => {
    it("lists each agent's pacts, and none for an agent without one", async () => {
      const { agent, pact } = await agentWithPact("ivan");
      const bare = await harness.seedAgent("ivan", [AgentDomain.ALERT_TRIAGE]);
      const representations = [bare, agent].map(({ id }) => ({ __typename: "Agent", id }));

      const entities = dataOf(await harness.call(AGENT_PACTS, { representations }))._entities;

      expect(entities).toEqual([
        { id: bare.id, pacts: [] },
        { id: agent.id, pacts: [{ id: pact.id, version: 1, clauses: [{ key: "severity-accuracy" }, { key: "false-positive-rate" }] }] },
      ]);
    });

    it("costs the same statements for 1 agent as for 10: one for pacts, one for clauses", async () => {
      const agents: Agent[] = [];
      for (let i = 0; i < 10; i += 1) agents.push((await agentWithPact("judy")).agent);
      const representations = (list: Agent[]) => list.map(({ id }) => ({ __typename: "Agent", id }));

      const one = await harness.statementsFor(AGENT_PACTS, { representations: representations(agents.slice(0, 1)) });
      const ten = await harness.statementsFor(AGENT_PACTS, { representations: representations(agents) });

      expect(dataOf(ten.response)._entities.every((entity: Data) => entity.pacts.length === 1)).toBe(true);
      expect(one.statements).toBe(2);
      expect(ten.statements).toBe(2);
    });

    it("reads a version's terms only when a field asks for them: one more statement for 1 agent or 10, the same terms as adopted", async () => {
      const adopted: { agent: Agent; pact: Data }[] = [];
      for (let i = 0; i < 10; i += 1) adopted.push(await agentWithPact("judy"));
      const representations = (list: typeof adopted) => list.map(({ agent }) => ({ __typename: "Agent", id: agent.id }));

      const one = await harness.statementsFor(AGENT_TERMS, { representations: representations(adopted.slice(0, 1)) });
      const ten = await harness.statementsFor(AGENT_TERMS, { representations: representations(adopted) });
      // A whole version, as a mutation returns it, answers them from what it holds.
      const other = await harness.seedAgent("judy", [AgentDomain.PLAYBOOK_ROUTING]);
      const fresh = dataOf(await harness.call(ADOPT_TERMS, { agentId: other.id }, builder("judy"))).adoptPactTemplate;

      expect(one.statements).toBe(3);
      expect(ten.statements).toBe(3);
      const read = dataOf(ten.response)._entities.map((entity: Data) => entity.pacts[0]);
      expect(read.map((pact: Data) => pact.id)).toEqual(adopted.map(({ pact }) => pact.id));
      for (const pact of [...read, fresh]) {
        expect(pact.consequenceLadder.map((step: Data) => step.action)).toEqual([
          "WARN",
          "REQUIRE_HUMAN_REVIEW",
          "THROTTLE",
          "SUSPEND_LISTING",
          "DELIST",
        ]);
        expect(pact.escalationRoute[0]).toEqual({ action: "WARN", notify: ["ESCALATION_OWNER"] });
      }
    });
  });
});
