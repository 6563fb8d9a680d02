import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentDomain } from "../../../lib/contracts/agent-domain.js";
import type { Identity } from "../../../lib/platform/identity.js";
import {
  errorOf,
  expectOnlyGatewayRequests,
  startSubgraphHarness,
  type Data,
  type SubgraphHarness,
} from "../../../test/support/subgraph-harness.js";
import { DATABASE_KINDS } from "../../../test/support/databases.js";
import { REGISTER_AGENT } from "../../../test/support/fixtures.js";
import { dataOf } from "../../../test/support/graphql-client.js";
import { agentsSubgraph } from "../index.js";

const AGENT = `query Agent($id: ID!) { agent(id: $id) { id name description domains ownerId registeredAt } }`;
const ENTITIES = `query Entities($representations: [_Any!]!) { _entities(representations: $representations) { ... on Agent { id name } } }`;
const DESCRIBED = `query Entities($representations: [_Any!]!) {
  _entities(representations: $representations) { ... on Agent { id name description } }
}`;

const builder = (subject: string): Identity => ({ role: "builder", subject });
const validInput = (name: string) => ({ name, description: "Triages EDR alerts", domains: ["ALERT_TRIAGE"] });

describe.each(DATABASE_KINDS)("agents subgraph alone (%s)", (kind) => {
  let harness: SubgraphHarness;

  beforeAll(async () => {
    harness = await startSubgraphHarness(kind, agentsSubgraph);
  });
  afterAll(async () => {
    await harness?.stop();
  });

  const register = (input: Record<string, unknown>, identity: Identity) => harness.call(REGISTER_AGENT, { input }, identity);

  it("refuses requests that did not come through the gateway", async () => {
    await expectOnlyGatewayRequests(harness.url, "agents", "pacts");
  });

  describe("registerAgent", () => {
    it("registers an agent owned by the calling builder, with its text trimmed", async () => {
      const before = await harness.count("agents");

      const agent = dataOf(
        await register(
          { name: "  Sentinel Triage ", description: " Triages EDR alerts\n", domains: ["ALERT_TRIAGE", "INCIDENT_ESCALATION"] },
          builder("alice"),
        ),
      ).registerAgent;

      expect(agent).toMatchObject({
        name: "Sentinel Triage",
        description: "Triages EDR alerts",
        domains: ["ALERT_TRIAGE", "INCIDENT_ESCALATION"],
        ownerId: "alice",
      });
      expect(agent.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(await harness.count("agents")).toBe(before + 1);
      const stored = dataOf(await harness.call(AGENT, { id: agent.id })).agent;
      expect(stored).toEqual(agent);
    });

    it.each([
      ["an empty name", { name: "" }, "input.name"],
      ["a name over 120 characters", { name: "n".repeat(121) }, "input.name"],
      ["a description over 4000 characters", { description: "d".repeat(4001) }, "input.description"],
      ["no workflow", { domains: [] }, "input.domains"],
      ["a repeated workflow", { domains: ["ALERT_TRIAGE", "ALERT_TRIAGE"] }, "input.domains"],
    ])("refuses %s as BAD_USER_INPUT naming the field, writing nothing", async (_label, override, field) => {
      const before = await harness.count("agents");

      const response = await register({ ...validInput("Valid Name"), ...override }, builder("erin"));

      expect(errorOf(response)).toMatchObject({ code: "BAD_USER_INPUT", field });
      expect(response.data).toBeNull();
      expect(await harness.count("agents")).toBe(before);
    });

    it("refuses a name that is only whitespace, which would be stored empty", async () => {
      const before = await harness.count("agents");

      const response = await register(validInput("   "), builder("erin"));

      expect(errorOf(response)).toMatchObject({ code: "BAD_USER_INPUT", field: "input.name" });
      expect(await harness.count("agents")).toBe(before);
    });

    it("reports every invalid field in one error", async () => {
      const response = await register({ name: "", description: "x", domains: [] }, builder("erin"));

      expect(response.errors).toHaveLength(1);
      expect(response.errors?.[0]?.extensions?.fields).toEqual(["input.name", "input.domains"]);
    });

    it("refuses a second agent of the same name for one owner as CONFLICT, and another owner's too, writing nothing", async () => {
      dataOf(await register(validInput("Night Shift"), builder("frank")));
      const before = await harness.count("agents");

      const duplicate = await register(validInput("Night Shift"), builder("frank"));
      const otherOwner = await register(validInput("Night Shift"), builder("grace"));

      expect(errorOf(duplicate)).toMatchObject({ code: "CONFLICT", field: "input.name" });
      expect(errorOf(duplicate).message).toContain("you already have an agent named");
      expect(errorOf(otherOwner)).toMatchObject({ code: "CONFLICT", field: "input.name" });
      expect(errorOf(otherOwner).message).toContain("another builder's agent");
      expect(await harness.count("agents")).toBe(before);
    });

    it("treats names that differ only by surrounding whitespace as the same name", async () => {
      dataOf(await register(validInput("Day Shift"), builder("frank")));

      const duplicate = await register(validInput(" Day Shift  "), builder("frank"));

      expect(errorOf(duplicate)).toMatchObject({ code: "CONFLICT", field: "input.name" });
    });

    it("treats names that differ only in case or Unicode form as the same name, on every engine", async () => {
      dataOf(await register(validInput("Café Triage"), builder("frank")));

      const upperCase = await register(validInput("CAFÉ TRIAGE"), builder("frank"));
      // "e" + combining acute accent: another encoding of the same text.
      const decomposed = await register(validInput("Cafe\u0301 triage"), builder("frank"));
      const accentless = await register(validInput("Cafe Triage"), builder("frank"));

      expect(errorOf(upperCase)).toMatchObject({ code: "CONFLICT", field: "input.name" });
      expect(errorOf(decomposed)).toMatchObject({ code: "CONFLICT", field: "input.name" });
      // A different letter is a different name, even where the server's collation would fold it.
      expect(dataOf(accentless).registerAgent.name).toBe("Cafe Triage");
    });

    it("accepts a name whose folded form is much longer than the name, on every engine", async () => {
      // NFKC turns each "ﷺ" into 18 characters: 180 in all, past any name column.
      const response = await register(validInput("ﷺ".repeat(10)), builder("frank"));

      expect(dataOf(response).registerAgent.name).toBe("ﷺ".repeat(10));
    });

    it("tells apart subjects that differ only in case, on every engine", async () => {
      // Seeded as an agent from before the confusable rule (no claimed look), so that only the
      // per-owner uniqueness decides: Bob's name must not count as bob's.
      await harness.seedAgent("Bob", [AgentDomain.ALERT_TRIAGE], "Case Study");

      const response = await register(validInput("Case Study"), builder("bob"));

      expect(dataOf(response).registerAgent.ownerId).toBe("bob");
    });

    it("stores the name composed (NFC), whatever form it came in", async () => {
      const agent = dataOf(await register(validInput("Cafe\u0301 Noir"), builder("kate"))).registerAgent;

      expect(agent.name).toBe("Caf\u00e9 Noir");
      const [row] = await harness.dataSource.query("SELECT name FROM agents WHERE id = ?", [agent.id]);
      expect(row.name).toBe("Caf\u00e9 Noir");
    });

    it.each([
      ["NUL", "Sentinel\u0000", "U+0000"],
      ["a right-to-left override", "Sentinel \u202Egnp.exe", "U+202E"],
      ["a left-to-right embedding", "\u202ASentinel", "U+202A"],
      ["a first-strong isolate", "Senti\u2068nel", "U+2068"],
      ["a right-to-left mark", "Senti\u200Fnel", "U+200F"],
      ["an Arabic letter mark", "Senti\u061Cnel", "U+061C"],
      ["a zero width space", "Senti\u200Bnel", "U+200B"],
      ["a zero width joiner", "Senti\u200Dnel", "U+200D"],
      ["a word joiner", "Senti\u2060nel", "U+2060"],
      ["a byte order mark inside the name", "Senti\uFEFFnel", "U+FEFF"],
      ["a Hangul filler as the whole name", "\u3164", "U+3164"],
    ])(
      "refuses a name with %s as BAD_USER_INPUT naming input.name and the code point, writing nothing",
      async (_label, name, codePoint) => {
        const before = await harness.count("agents");

        const response = await register(validInput(name), builder("kate"));

        expect(errorOf(response)).toMatchObject({ code: "BAD_USER_INPUT", field: "input.name" });
        expect(errorOf(response).message).toContain(codePoint);
        expect(response.data).toBeNull();
        expect(await harness.count("agents")).toBe(before);
      },
    );

    it.each([
      ["Cyrillic letters", "Paypal Triage", "\u0420\u0430\u0443\u0440\u0430l Triage"],
      ["a digit for a letter", "Sentinel Watch", "Sentine1 Watch"],
      ["capitals", "Harbor Patrol", "HARBOR PATROL"],
      ["a capital I for a small l", "Alert Lens", "AIert Lens"],
      ["a fullwidth form", "Dusk Triage", "\uFF24usk Triage"],
    ])(
      "refuses a name that reads like another builder's agent's (%s) as CONFLICT naming input.name, writing nothing",
      async (_label, original, lookalike) => {
        dataOf(await register(validInput(original), builder("liam")));
        const before = await harness.count("agents");

        const response = await register(validInput(lookalike), builder("mallory"));

        expect(errorOf(response)).toMatchObject({ code: "CONFLICT", field: "input.name" });
        expect(errorOf(response).message).toContain("another builder's agent");
        expect(response.data).toBeNull();
        expect(await harness.count("agents")).toBe(before);
      },
    );

    it("refuses a name that reads like another of the owner's own agents, as CONFLICT", async () => {
      dataOf(await register(validInput("Owl Watch"), builder("liam")));

      const response = await register(validInput("0wl Watch"), builder("liam"));

      expect(errorOf(response)).toMatchObject({ code: "CONFLICT", field: "input.name" });
      expect(errorOf(response).message).toContain("another of your agents");
    });

    it("accepts names that only share letters with another builder's agent's", async () => {
      dataOf(await register(validInput("Tide Triage"), builder("liam")));

      const response = await register(validInput("Tides Triage"), builder("mallory"));

      expect(dataOf(response).registerAgent.name).toBe("Tides Triage");
    });

    it("lets exactly one of two builders racing with confusable names register", async () => {
      const before = await harness.count("agents");

      const responses = await Promise.all([
        register(validInput("Race Condition"), builder("nina")),
        register(validInput("R\u0430ce Condition"), builder("oscar")),
      ]);

      const landed = responses.filter((response) => response.errors === undefined);
      const refused = responses.filter((response) => response.errors !== undefined);
      expect(landed).toHaveLength(1);
      expect(refused.map((response) => errorOf(response))).toMatchObject([{ code: "CONFLICT", field: "input.name" }]);
      expect(await harness.count("agents")).toBe(before + 1);
    });

    const callers: { caller: string; identity: Identity; code: string }[] = [
      { caller: "a buyer", identity: { role: "buyer", subject: "bob" }, code: "FORBIDDEN" },
      { caller: "an arbiter", identity: { role: "arbiter", subject: "olga" }, code: "FORBIDDEN" },
      { caller: "an anonymous caller", identity: { role: "anonymous", subject: null }, code: "UNAUTHENTICATED" },
    ];
    for (const { caller, identity, code } of callers)
      it(`refuses ${caller} with ${code}, writing nothing`, async () => {
        const before = await harness.count("agents");

        const response = await register(validInput("Not A Builder's"), identity);

        expect(errorOf(response).code).toBe(code);
        expect(response.data).toBeNull();
        expect(await harness.count("agents")).toBe(before);
      });
  });

  describe("agent", () => {
    it("returns null for an unknown id", async () => {
      const response = await harness.call(AGENT, { id: "00000000-0000-0000-0000-000000000000" });

      expect(dataOf(response).agent).toBeNull();
    });

    it("is readable by anyone, anonymous included", async () => {
      const seeded = await harness.seedAgent("heidi", [AgentDomain.PLAYBOOK_ROUTING], "Router");

      const agent = dataOf(await harness.call(AGENT, { id: seeded.id })).agent;

      expect(agent).toMatchObject({ id: seeded.id, name: "Router", domains: ["PLAYBOOK_ROUTING"], ownerId: "heidi" });
    });
  });

  describe("_entities", () => {
    it("resolves agents in the order asked, with null for unknown ids", async () => {
      const first = await harness.seedAgent("ivan", [AgentDomain.ALERT_TRIAGE], "First");
      const second = await harness.seedAgent("ivan", [AgentDomain.ALERT_TRIAGE], "Second");
      const representations = [second, { id: "no-such-agent" }, first].map(({ id }) => ({ __typename: "Agent", id }));

      const entities = dataOf(await harness.call(ENTITIES, { representations }))._entities;

      expect(entities).toEqual([{ id: second.id, name: "Second" }, null, { id: first.id, name: "First" }]);
    });

    it("loads any number of agents with one SQL statement", async () => {
      const agents: Data[] = [];
      for (let i = 0; i < 10; i += 1) agents.push(await harness.seedAgent("judy", [AgentDomain.THREAT_INTEL_SYNTHESIS], `Batch ${i}`));
      const representations = (ids: Data[]) => ids.map(({ id }) => ({ __typename: "Agent", id }));

      const one = await harness.statementsFor(ENTITIES, { representations: representations(agents.slice(0, 1)) });
      const ten = await harness.statementsFor(ENTITIES, { representations: representations(agents) });

      expect(dataOf(ten.response)._entities.map((agent: Data) => agent.name)).toEqual(agents.map((agent) => agent.name));
      expect(one.statements).toBe(1);
      expect(ten.statements).toBe(1);
    });

    it("reads descriptions only when asked for, in one more statement for 1 agent or 10", async () => {
      const agents: Data[] = [];
      for (let i = 0; i < 10; i += 1) agents.push(await harness.seedAgent("judy", [AgentDomain.THREAT_INTEL_SYNTHESIS], `Described ${i}`));
      const representations = (ids: Data[]) => ids.map(({ id }) => ({ __typename: "Agent", id }));

      const one = await harness.statementsFor(DESCRIBED, { representations: representations(agents.slice(0, 1)) });
      const ten = await harness.statementsFor(DESCRIBED, { representations: representations(agents) });

      expect(dataOf(ten.response)._entities).toEqual(agents.map(({ id, name, description }) => ({ id, name, description })));
      expect(one.statements).toBe(2);
      expect(ten.statements).toBe(2);
    });
  });
});
