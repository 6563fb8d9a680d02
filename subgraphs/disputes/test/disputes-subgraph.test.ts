import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentDomain } from "../../../lib/agent-domain.js";
import { inTransaction } from "../../../lib/database.js";
import type { Identity } from "../../../lib/identity.js";
import { errorOf, expectOnlyGatewayRequests, startSubgraphHarness, type SubgraphHarness } from "../../../test/support/subgraph-harness.js";
import type { Agent } from "../../agents/agent.entity.js";
import { DATABASE_KINDS } from "../../../test/support/databases.js";
import { FILE_DISPUTE } from "../../../test/support/fixtures.js";
import { dataOf } from "../../../test/support/graphql-client.js";
import { Dispute, DisputeSeverity, DisputeStatus } from "../dispute.entity.js";
import { disputesSubgraph } from "../index.js";

const DISPUTE = `query Dispute($id: ID!) { dispute(id: $id) { id reason severity status filedBy agent { id } } }`;
const OPEN_COUNTS = `query Entities($representations: [_Any!]!) { _entities(representations: $representations) { ... on Agent { id openDisputeCount } } }`;

const buyer = (subject: string): Identity => ({ role: "buyer", subject });
const REASON = "Downgraded a ransomware alert to LOW";

describe.each(DATABASE_KINDS)("disputes subgraph alone (%s)", (kind) => {
  let harness: SubgraphHarness;
  let agent: Agent;

  beforeAll(async () => {
    harness = await startSubgraphHarness(kind, disputesSubgraph);
    agent = await harness.seedAgent("alice", [AgentDomain.ALERT_TRIAGE], "Sentinel Triage");
  });
  afterAll(async () => {
    await harness?.stop();
  });

  const file = (input: Record<string, unknown>, identity: Identity) => harness.call(FILE_DISPUTE, { input }, identity);

  it("refuses requests that did not come through the gateway", async () => {
    await expectOnlyGatewayRequests(harness.url, "disputes", "agents");
  });

  describe("fileDispute", () => {
    it("files an OPEN dispute, MAJOR unless told otherwise, by the calling buyer", async () => {
      const plain = dataOf(await file({ agentId: agent.id, reason: `  ${REASON} ` }, buyer("bob"))).fileDispute;
      const critical = dataOf(await file({ agentId: agent.id, reason: REASON, severity: "CRITICAL" }, buyer("bob"))).fileDispute;

      expect(plain).toMatchObject({ status: "OPEN", severity: "MAJOR", agent: { id: agent.id } });
      expect(critical).toMatchObject({ status: "OPEN", severity: "CRITICAL" });
      const stored = await harness.dataSource.getRepository(Dispute).findOneByOrFail({ id: plain.id });
      expect(stored).toMatchObject({ agentId: agent.id, reason: REASON, filedBy: "bob", status: DisputeStatus.OPEN });
    });

    it("refuses a buyer's fourth open dispute about one agent as CONFLICT, writing nothing", async () => {
      const target = await harness.seedAgent("erin", [AgentDomain.ALERT_TRIAGE]);
      for (let i = 0; i < 3; i += 1) dataOf(await file({ agentId: target.id, reason: `${REASON} #${i}` }, buyer("zoe")));
      const before = await harness.count("disputes");

      const fourth = await file({ agentId: target.id, reason: REASON }, buyer("zoe"));
      const otherBuyer = await file({ agentId: target.id, reason: REASON }, buyer("yan"));

      expect(errorOf(fourth)).toMatchObject({ code: "CONFLICT", field: "input.agentId" });
      expect(dataOf(otherBuyer).fileDispute.status).toBe("OPEN");
      expect(await harness.count("disputes")).toBe(before + 1);
    });

    it("refuses an unknown agent as NOT_FOUND on `input.agentId`, writing nothing", async () => {
      const before = await harness.count("disputes");

      const response = await file({ agentId: randomUUID(), reason: REASON }, buyer("bob"));

      expect(errorOf(response)).toMatchObject({ code: "NOT_FOUND", field: "input.agentId" });
      expect(await harness.count("disputes")).toBe(before);
    });

    it("refuses a reason under 10 characters as BAD_USER_INPUT on `input.reason`, writing nothing", async () => {
      const before = await harness.count("disputes");

      const response = await file({ agentId: agent.id, reason: "too short" }, buyer("bob"));

      expect(errorOf(response)).toMatchObject({ code: "BAD_USER_INPUT", field: "input.reason" });
      expect(await harness.count("disputes")).toBe(before);
    });

    it("refuses a reason that is under 10 characters once its padding is trimmed", async () => {
      const before = await harness.count("disputes");

      const response = await file({ agentId: agent.id, reason: "         x" }, buyer("bob"));

      expect(errorOf(response)).toMatchObject({ code: "BAD_USER_INPUT", field: "input.reason" });
      expect(await harness.count("disputes")).toBe(before);
    });

    const callers: { caller: string; identity: Identity; code: string }[] = [
      { caller: "the agent's builder", identity: { role: "builder", subject: "alice" }, code: "FORBIDDEN" },
      { caller: "an arbiter", identity: { role: "arbiter", subject: "olga" }, code: "FORBIDDEN" },
      { caller: "an anonymous caller", identity: { role: "anonymous", subject: null }, code: "UNAUTHENTICATED" },
    ];
    for (const { caller, identity, code } of callers) {
      it(`refuses ${caller} with ${code}, writing nothing`, async () => {
        const before = await harness.count("disputes");

        const response = await file({ agentId: agent.id, reason: REASON }, identity);

        expect(errorOf(response).code).toBe(code);
        expect(await harness.count("disputes")).toBe(before);
      });
    }
  });

  describe("dispute", () => {
    let disputeId: string;
    beforeAll(async () => {
      disputeId = dataOf(await file({ agentId: agent.id, reason: REASON }, buyer("carol"))).fileDispute.id;
    });

    const readers: { reader: string; identity: Identity }[] = [
      { reader: "the buyer who filed it", identity: buyer("carol") },
      { reader: "the agent's owner", identity: { role: "builder", subject: "alice" } },
      { reader: "an arbiter", identity: { role: "arbiter", subject: "olga" } },
    ];
    for (const { reader, identity } of readers) {
      it(`is readable by ${reader}`, async () => {
        const dispute = dataOf(await harness.call(DISPUTE, { id: disputeId }, identity)).dispute;

        expect(dispute).toEqual({ id: disputeId, reason: REASON, severity: "MAJOR", status: "OPEN", filedBy: "carol", agent: { id: agent.id } });
      });
    }

    const strangers: { stranger: string; identity: Identity; code: string }[] = [
      { stranger: "another buyer", identity: buyer("dan"), code: "FORBIDDEN" },
      { stranger: "another builder", identity: { role: "builder", subject: "mallory" }, code: "FORBIDDEN" },
      // Ownership is a builder's: a buyer token carrying the owner's subject does not confer it.
      { stranger: "a buyer whose subject equals the owner's", identity: buyer("alice"), code: "FORBIDDEN" },
      { stranger: "an anonymous caller", identity: { role: "anonymous", subject: null }, code: "UNAUTHENTICATED" },
    ];
    for (const { stranger, identity, code } of strangers) {
      it(`is refused to ${stranger} with ${code}`, async () => {
        const response = await harness.call(DISPUTE, { id: disputeId }, identity);

        expect(errorOf(response).code).toBe(code);
        expect(response.data?.dispute).toBeNull();
        expect(JSON.stringify(response)).not.toContain(REASON);
      });
    }

    it("is null for an unknown id", async () => {
      expect(dataOf(await harness.call(DISPUTE, { id: randomUUID() }, buyer("carol"))).dispute).toBeNull();
    });
  });

  describe("openDisputeCount", () => {
    it("counts each agent's open disputes only, with one SQL statement for all agents", async () => {
      const calm = await harness.seedAgent("erin", [AgentDomain.ALERT_TRIAGE]);
      const busy = await harness.seedAgent("erin", [AgentDomain.ALERT_TRIAGE]);
      const settled = await harness.seedAgent("erin", [AgentDomain.ALERT_TRIAGE]);
      for (let i = 0; i < 3; i += 1) dataOf(await file({ agentId: busy.id, reason: `${REASON} #${i}` }, buyer("frank")));
      await inTransaction(harness.dataSource, (manager) =>
        manager.insert(Dispute, Object.assign(new Dispute(), { id: randomUUID(), agentId: settled.id, reason: REASON, severity: DisputeSeverity.MINOR, status: DisputeStatus.RESOLVED, filedBy: "frank", filedAt: new Date() })),
      );
      const representations = [busy, calm, settled].map(({ id }) => ({ __typename: "Agent", id }));

      const one = await harness.statementsFor(OPEN_COUNTS, { representations: representations.slice(0, 1) });
      const all = await harness.statementsFor(OPEN_COUNTS, { representations });

      expect(dataOf(all.response)._entities).toEqual([
        { id: busy.id, openDisputeCount: 3 },
        { id: calm.id, openDisputeCount: 0 },
        { id: settled.id, openDisputeCount: 0 },
      ]);
      expect(one.statements).toBe(1);
      expect(all.statements).toBe(1);
    });
  });
});
