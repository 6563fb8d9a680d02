import { randomUUID } from "node:crypto";
import { IsNull, type EntityManager } from "typeorm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentDomain } from "../../../lib/contracts/agent-domain.js";
import type { JudgedRun } from "../../../lib/contracts/judged-run.js";
import { inTransaction } from "../../../lib/platform/database.js";
import type { Identity } from "../../../lib/platform/identity.js";
import { encodeCursor } from "../../../lib/platform/pagination.js";
import { DEFAULT_LADDER, DEFAULT_ROUTE } from "../../../test/support/contexts.js";
import { DATABASE_KINDS } from "../../../test/support/databases.js";
import { dataOf } from "../../../test/support/graphql-client.js";
import { errorOf, startSubgraphHarness, type Data, type SubgraphHarness } from "../../../test/support/subgraph-harness.js";
import { reputationSubgraph } from "../index.js";
import { appendTrustEvents } from "../trust-event.append.js";
import { TrustEvent, TrustEventType } from "../trust-event.entity.js";
import { sequenceTrustEvents } from "../trust-event.sequence.js";
import { sweepTrustEvents } from "../trust-event.sweep.js";
import { TrustCause } from "../trust-history.entity.js";
import { recordEvaluation } from "../trust.record.js";

const FEED = `query Feed($after: String, $first: Int, $agentIds: [ID!], $types: [TrustEventType!]) {
  trustEvents(after: $after, first: $first, agentIds: $agentIds, types: $types) {
    edges { cursor node { id agent { id } type scoreBefore scoreAfter tierBefore tierAfter eligibleBefore eligibleAfter
      consequenceBefore consequenceAfter cause causeId occurredAt } }
    pageInfo { hasNextPage endCursor }
  }
}`;
const LIFT = `mutation Lift($agentId: ID!) { liftConsequence(agentId: $agentId, reason: "reviewed") { consequence } }`;

const PARTNER: Identity = { role: "partner", subject: "feed-partner" };
const ARBITER: Identity = { role: "arbiter", subject: "olga" };

/** A judged run of a one-clause pact under the default ladder: 39 of 40 cases met unless told otherwise. */
function judged(agentId: string, overrides: Partial<JudgedRun> = {}): JudgedRun {
  const pactId = randomUUID();
  const casesPassed = overrides.casesPassed ?? 39;
  const casesFailed = overrides.casesFailed ?? 1;
  return {
    runId: randomUUID(),
    agentId,
    pactId,
    pactVersion: 1,
    casesPassed,
    casesFailed,
    runPassed: true,
    failedCriticalClauses: [],
    clauses: [{ metric: "SEVERITY_CLASSIFICATION_ACCURACY", weight: 1, passed: casesPassed, failed: casesFailed }],
    terms: {
      pactId,
      pactVersion: 1,
      ladder: DEFAULT_LADDER,
      route: DEFAULT_ROUTE,
      owner: { team: "soc-reliability", contact: "oncall@example.test", ackDeadlineMinutes: 60 },
    },
    submittedAt: new Date(),
    judgedAt: new Date(),
    ...overrides,
  };
}

/** An event as a writer would append it: score moves of `agentId`, told apart by `causeId`. */
const rawEvent = (agentId: string, causeId: string): Omit<TrustEvent, "id"> => ({
  position: null,
  agentId,
  type: TrustEventType.COMPOSITE_SCORE,
  beforeValue: "500",
  afterValue: "600",
  cause: TrustCause.KPI_REPORT,
  causeId,
  occurredAt: new Date(),
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(DATABASE_KINDS)("the trust change feed (%s)", (kind) => {
  let harness: SubgraphHarness;

  beforeAll(async () => {
    harness = await startSubgraphHarness(kind, reputationSubgraph);
  });
  afterAll(async () => {
    await harness?.stop();
  });

  const feed = (variables: Record<string, unknown> = {}, identity: Identity = PARTNER) => harness.call(FEED, variables, identity);
  const page = async (variables: Record<string, unknown> = {}, identity: Identity = PARTNER) =>
    dataOf(await feed(variables, identity)).trustEvents;
  /** Every event of the feed from `after` on, paging `first` at a time. */
  async function readAll(variables: Record<string, unknown> = {}, first = 50): Promise<{ nodes: Data[]; endCursor: string | null }> {
    const nodes: Data[] = [];
    let after = (variables.after as string | null | undefined) ?? null;
    for (;;) {
      const connection = await page({ ...variables, after, first });
      nodes.push(...connection.edges.map((edge: Data) => edge.node));
      after = connection.pageInfo.endCursor;
      if (!connection.pageInfo.hasNextPage) return { nodes, endCursor: after };
    }
  }
  const record = (run: JudgedRun) => inTransaction(harness.dataSource, (manager) => recordEvaluation(manager, run));

  describe("what is written", () => {
    it("writes one event per value that moved, with before, after, cause and time, readable in order", async () => {
      const { endCursor: start } = await readAll();
      const agent = await harness.seedAgent("feed-builder", [AgentDomain.ALERT_TRIAGE]);
      const first = judged(agent.id, { judgedAt: new Date("2026-11-20T10:00:00.000Z") });

      await record(first);

      const { nodes } = await readAll({ after: start, agentIds: [agent.id] });
      // The newcomer's prior (500, UNRATED, not listed) to one run of 39/40 cases: composite 880,
      // BRONZE, listed. The reputation score has no production evidence and stays at 500: no event.
      const common = { agent: { id: agent.id }, cause: "EVALUATION_RUN", causeId: first.runId, occurredAt: "2026-11-20T10:00:00.000Z" };
      const none = {
        scoreBefore: null,
        scoreAfter: null,
        tierBefore: null,
        tierAfter: null,
        eligibleBefore: null,
        eligibleAfter: null,
        consequenceBefore: null,
        consequenceAfter: null,
      };
      expect(nodes.map(({ id: _id, ...node }) => node)).toEqual([
        { ...common, ...none, type: "COMPOSITE_SCORE", scoreBefore: 500, scoreAfter: 880 },
        { ...common, ...none, type: "TIER", tierBefore: "UNRATED", tierAfter: "BRONZE" },
        { ...common, ...none, type: "ELIGIBILITY", eligibleBefore: false, eligibleAfter: true },
      ]);
    });

    it("reports a consequence step taken by the ladder and lifted by an arbiter", async () => {
      const { endCursor: start } = await readAll();
      const agent = await harness.seedAgent("feed-builder", [AgentDomain.ALERT_TRIAGE]);
      await record(judged(agent.id));
      const breach = judged(agent.id, { casesPassed: 20, casesFailed: 20, runPassed: false, failedCriticalClauses: ["severity-accuracy"] });
      await record(breach);
      dataOf(await harness.call(LIFT, { agentId: agent.id }, ARBITER));

      const consequences = (await readAll({ after: start, agentIds: [agent.id], types: ["CONSEQUENCE"] })).nodes;
      expect(consequences).toEqual([
        expect.objectContaining({ consequenceBefore: null, consequenceAfter: "WARN", cause: "EVALUATION_RUN", causeId: breach.runId }),
        expect.objectContaining({ consequenceBefore: "WARN", consequenceAfter: null, cause: "ARBITER" }),
      ]);
      const eligibility = (await readAll({ after: start, agentIds: [agent.id], types: ["ELIGIBILITY"] })).nodes;
      // Listed after the first run, unlisted by the breach's failed critical clause.
      expect(eligibility.map((node) => [node.eligibleBefore, node.eligibleAfter])).toEqual([
        [false, true],
        [true, false],
      ]);
    });

    it("writes nothing when the change rolls back", async () => {
      const agent = await harness.seedAgent("feed-builder", [AgentDomain.ALERT_TRIAGE]);
      const before = await harness.count("trust_events");

      const failed = inTransaction(harness.dataSource, async (manager) => {
        await recordEvaluation(manager, judged(agent.id));
        throw new Error("the judge's transaction fails after trust settled");
      });

      await expect(failed).rejects.toThrow("after trust settled");
      expect(await harness.count("trust_events")).toBe(before);
      expect((await readAll({ agentIds: [agent.id] })).nodes).toEqual([]);
    });
  });

  describe("paging", () => {
    it("pages through the feed in position order, each event once, and resumes from endCursor", async () => {
      const agents = await Promise.all([1, 2, 3].map(() => harness.seedAgent("pager", [AgentDomain.ALERT_TRIAGE])));
      for (const agent of agents) await record(judged(agent.id));
      const { nodes: all, endCursor } = await readAll({}, 100);

      const { nodes: paged } = await readAll({}, 2);

      expect(paged.map((node) => node.id)).toEqual(all.map((node) => node.id));
      expect(new Set(all.map((node) => node.id)).size).toBe(all.length);
      // At the end: an empty page that hands back the cursor, and later events after it.
      const end = await page({ after: endCursor });
      expect(end).toEqual({ edges: [], pageInfo: { hasNextPage: false, endCursor } });
      const late = await harness.seedAgent("pager", [AgentDomain.ALERT_TRIAGE]);
      await record(judged(late.id));
      const resumed = (await readAll({ after: endCursor })).nodes;
      expect(resumed.map((node) => node.agent.id)).toEqual([late.id, late.id, late.id]);
    });

    it("filters by agents and by types", async () => {
      const [a, b] = await Promise.all([1, 2].map(() => harness.seedAgent("filters", [AgentDomain.ALERT_TRIAGE])));
      await record(judged(a!.id));
      await record(judged(b!.id));

      const onlyB = (await readAll({ agentIds: [b!.id] })).nodes;
      const tiers = (await readAll({ agentIds: [a!.id, b!.id, a!.id], types: ["TIER"] })).nodes;

      expect(onlyB.map((node) => node.type)).toEqual(["COMPOSITE_SCORE", "TIER", "ELIGIBILITY"]);
      expect(onlyB.every((node) => node.agent.id === b!.id)).toBe(true);
      expect(tiers.map((node) => [node.agent.id, node.type])).toEqual([
        [a!.id, "TIER"],
        [b!.id, "TIER"],
      ]);
    });

    it("reads a page with the same number of SQL statements whatever its size, and a bounded few more to sequence", async () => {
      const agents = await Promise.all(Array.from({ length: 40 }, () => harness.seedAgent("statements", [AgentDomain.ALERT_TRIAGE])));
      for (const agent of agents) await record(judged(agent.id));
      const { endCursor } = await readAll();
      const costs: number[] = [];
      for (const first of [1, 20, 100]) {
        const { response, statements } = await harness.statementsFor(FEED, { first }, PARTNER);
        expect(dataOf(response).trustEvents.edges).toHaveLength(first);
        costs.push(statements);
      }
      // The look for unpositioned events, then the page.
      expect(costs).toEqual([2, 2, 2]);
      const filtered = await harness.statementsFor(FEED, { first: 100, agentIds: agents.map((a) => a.id), types: ["TIER"] }, PARTNER);
      expect(dataOf(filtered.response).trustEvents.edges).toHaveLength(40);
      expect(filtered.statements).toBe(2);

      // Dozens of events awaiting positions: the look, the sequencer's lock, its read, one update of
      // all of them, its row; then the page.
      for (const agent of agents) await record(judged(agent.id, { casesPassed: 40, casesFailed: 0 }));
      expect(await harness.dataSource.getRepository(TrustEvent).countBy({ position: IsNull() })).toBeGreaterThan(40);
      const sequencing = await harness.statementsFor(FEED, { first: 20, after: endCursor }, PARTNER);
      expect(dataOf(sequencing.response).trustEvents.edges).toHaveLength(20);
      expect(sequencing.statements).toBe(6);
      expect(await harness.dataSource.getRepository(TrustEvent).countBy({ position: IsNull() })).toBe(0);
    });

    it("is positioned by the scheduled job without any reader, in id order", async () => {
      const agent = await harness.seedAgent("sweeper", [AgentDomain.ALERT_TRIAGE]);
      await record(judged(agent.id));
      await record(judged(agent.id, { casesPassed: 40, casesFailed: 0 }));

      expect(await sweepTrustEvents(harness.dataSource)).toBeGreaterThanOrEqual(4);

      const rows = await harness.dataSource.getRepository(TrustEvent).find({ where: { agentId: agent.id }, order: { id: "ASC" } });
      const positions = rows.map((row) => Number(row.position));
      expect(positions.every((position) => position > 0)).toBe(true);
      expect(positions).toEqual([...positions].sort((x, y) => x - y));
      expect(await sweepTrustEvents(harness.dataSource)).toBe(0);
    });
  });

  describe("who may read it", () => {
    it.each<[string, Identity]>([
      ["a partner with a token", PARTNER],
      ["a partner's key with feed:read", { role: "partner", subject: "p", scopes: ["feed:read"] }],
      ["an operator", { role: "operator", subject: "ops" }],
      ["an arbiter", ARBITER],
    ])("lets %s read", async (_label, identity) => {
      expect((await feed({ first: 1 }, identity)).errors).toBeUndefined();
    });

    it.each<[string, Identity, string, string]>([
      ["anonymous callers", { role: "anonymous", subject: null }, "UNAUTHENTICATED", ""],
      ["buyers", { role: "buyer", subject: "bob" }, "FORBIDDEN", "role"],
      ["builders", { role: "builder", subject: "alice" }, "FORBIDDEN", "role"],
      ["a partner's key without feed:read", { role: "partner", subject: "p", scopes: ["reputation:read"] }, "FORBIDDEN", "feed:read"],
    ])("refuses %s", async (_label, identity, code, named) => {
      const response = await feed({ first: 1 }, identity);
      expect(errorOf(response).code).toBe(code);
      expect(errorOf(response).message).toContain(named);
      expect(response.data).toBeNull();
    });
  });

  describe("bad input", () => {
    const uuid = () => randomUUID();
    it.each<[string, Record<string, unknown>, string]>([
      ["a cursor that is not base64 JSON", { after: "not a cursor" }, "after"],
      ["a cursor of another list", { after: encodeCursor([Date.now(), "some-id"]) }, "after"],
      ["a negative position", { after: encodeCursor([-1]) }, "after"],
      ["a page of 0", { first: 0 }, "first"],
      ["a page of 101", { first: 101 }, "first"],
      ["101 agents", { agentIds: Array.from({ length: 101 }, uuid) }, "agentIds"],
      ["no agents", { agentIds: [] }, "agentIds"],
      ["a malformed agent id", { agentIds: [uuid(), "robert'); DROP TABLE trust_events;--"] }, "agentIds[1]"],
      ["no types", { types: [] }, "types"],
    ])("refuses %s as BAD_USER_INPUT naming the argument", async (_label, variables, field) => {
      const response = await feed(variables);
      expect(errorOf(response)).toMatchObject({ code: "BAD_USER_INPUT", field });
      expect(JSON.stringify(response)).not.toMatch(/SELECT|stack/);
    });

    it("refuses a type the feed does not know", async () => {
      const response = await feed({ types: ["NAME"] });
      expect(errorOf(response).code).toBe("BAD_USER_INPUT");
    });
  });

  describe("ordering under concurrent writers", () => {
    it.runIf(kind === "mysql")(
      "never skips an event committed after a later one was read: T1 inserts first, T2 commits first, T1's event comes after",
      async () => {
        const agent = await harness.seedAgent("ordering", [AgentDomain.ALERT_TRIAGE]);
        const { endCursor: start } = await readAll();
        const t1 = harness.dataSource.createQueryRunner();
        await t1.connect();
        try {
          await t1.startTransaction();
          await appendTrustEvents(t1.manager, [rawEvent(agent.id, "t1")]);
          await inTransaction(harness.dataSource, (manager) => appendTrustEvents(manager, [rawEvent(agent.id, "t2")]));

          // T1's row is still uncommitted: the reader sees T2's, and the sequencer does not wait for T1.
          const whileOpen = await readAll({ after: start, agentIds: [agent.id] });
          expect(whileOpen.nodes.map((node) => node.causeId)).toEqual(["t2"]);
          await t1.commitTransaction();

          const resumed = await readAll({ after: whileOpen.endCursor, agentIds: [agent.id] });
          expect(resumed.nodes.map((node) => node.causeId)).toEqual(["t1"]);
          // T1 took the lower id, yet sits later in the feed: the feed orders by commit, not by id.
          const [t1Row, t2Row] = await Promise.all(
            ["t1", "t2"].map((causeId) => harness.dataSource.getRepository(TrustEvent).findOneByOrFail({ causeId, agentId: agent.id })),
          );
          expect(Number(t1Row!.id)).toBeLessThan(Number(t2Row!.id));
          expect(Number(t1Row!.position)).toBeGreaterThan(Number(t2Row!.position));
          expect((await readAll({ after: resumed.endCursor, agentIds: [agent.id] })).nodes).toEqual([]);
        } finally {
          if (t1.isTransactionActive) await t1.rollbackTransaction();
          await t1.release();
        }
      },
    );

    it.runIf(kind === "mysql")("lets trust writers commit while a sequencer holds its lock", async () => {
      const agent = await harness.seedAgent("unblocked", [AgentDomain.ALERT_TRIAGE]);
      const sequencer = harness.dataSource.createQueryRunner();
      await sequencer.connect();
      try {
        await sequencer.startTransaction();
        await sequencer.query("SELECT last_position FROM trust_event_sequencer WHERE id = 1 FOR UPDATE");

        // Would wait for the lock (then fail on the lock wait timeout) if writers touched the sequencer.
        await record(judged(agent.id));

        expect(await harness.count("trust_events")).toBeGreaterThan(0);
        const pending = await harness.dataSource.getRepository(TrustEvent).countBy({ agentId: agent.id });
        expect(pending).toBe(3);
      } finally {
        await sequencer.rollbackTransaction();
        await sequencer.release();
      }
      expect((await readAll({ agentIds: [agent.id] })).nodes).toHaveLength(3);
    });

    it("hands a reader paging in a loop every committed event exactly once, in one order, while writers commit out of order", async () => {
      const agents = await Promise.all(Array.from({ length: 8 }, () => harness.seedAgent("stress", [AgentDomain.ALERT_TRIAGE])));
      const { endCursor: start } = await readAll();
      const committed: string[] = [];
      const rolledBack: string[] = [];
      let writing = true;
      // Seeded, so a failure can be replayed: a tiny linear congruential generator.
      let seed = 15;
      const random = () => {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        return seed / 2 ** 31;
      };

      const writer = async (w: number) => {
        for (let i = 0; i < 25; i += 1) {
          const causeIds = Array.from({ length: 1 + Math.floor(random() * 3) }, (_, k) => `w${w}-${i}-${k}`);
          const rollBack = random() < 0.15;
          const hold = random() * 20;
          const pause = random() * 10;
          const agentId = agents[Math.floor(random() * agents.length)]!.id;
          try {
            await inTransaction(harness.dataSource, async (manager: EntityManager) => {
              await appendTrustEvents(
                manager,
                causeIds.map((causeId) => rawEvent(agentId, causeId)),
              );
              // Held open a while after the insert, so ids are taken in one order and committed in another.
              await sleep(hold);
              if (rollBack) throw new Error("rolled back on purpose");
            });
            committed.push(...causeIds);
          } catch (error) {
            if (!rollBack) throw error;
            rolledBack.push(...causeIds);
          }
          // Writers slower than the reader keep it at the feed's tip, where a late commit would be skipped.
          await sleep(pause);
        }
      };

      const seen: string[] = [];
      const reader = async () => {
        let after: string | null = start;
        for (;;) {
          const done = !writing;
          const connection: Data = await page({ after, first: 25, agentIds: agents.map((a) => a.id) });
          seen.push(...connection.edges.map((edge: Data) => edge.node.causeId as string));
          after = connection.pageInfo.endCursor;
          // One last full pass after the writers finished: everything committed is then positioned.
          if (done && !connection.pageInfo.hasNextPage) return;
          if (!connection.pageInfo.hasNextPage) await sleep(2);
        }
      };

      const readerDone = reader();
      await Promise.all(Array.from({ length: 5 }, (_, w) => writer(w)));
      writing = false;
      await readerDone;

      expect(committed.length).toBeGreaterThan(100);
      expect(rolledBack.length).toBeGreaterThan(0);
      expect(new Set(seen).size).toBe(seen.length);
      expect([...seen].sort()).toEqual([...committed].sort());
      // The reader's order is the feed's: reading it all again from the start gives the same.
      const again = (await readAll({ after: start, agentIds: agents.map((a) => a.id) }, 100)).nodes.map((node) => node.causeId);
      expect(again).toEqual(seen);
    });

    it("positions only once per event when sequencers race", async () => {
      const agent = await harness.seedAgent("racing", [AgentDomain.ALERT_TRIAGE]);
      await inTransaction(harness.dataSource, (manager) =>
        appendTrustEvents(
          manager,
          Array.from({ length: 30 }, (_, i) => rawEvent(agent.id, `race-${i}`)),
        ),
      );

      const counts = await Promise.all(Array.from({ length: 4 }, () => sequenceTrustEvents(harness.dataSource, 10)));
      const rest = await sweepTrustEvents(harness.dataSource);

      expect(counts.reduce((sum, n) => sum + n, 0) + rest).toBe(30);
      const rows = await harness.dataSource.getRepository(TrustEvent).find({ where: { agentId: agent.id }, order: { id: "ASC" } });
      const positions = rows.map((row) => Number(row.position));
      expect(new Set(positions).size).toBe(30);
      expect(positions).toEqual([...positions].sort((x, y) => x - y));
    });
  });
});
