import type { JudgedRun } from "../../../lib/contracts/judged-run.js";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { AgentDomain } from "../../../lib/contracts/agent-domain.js";
import { inTransaction } from "../../../lib/platform/database.js";
import { ANONYMOUS, type Identity } from "../../../lib/platform/identity.js";
import { DATABASE_KINDS } from "../../../test/support/databases.js";
import { dataOf, type GraphQLResponse } from "../../../test/support/graphql-client.js";
import {
  errorOf,
  expectOnlyGatewayRequests,
  startSubgraphHarness,
  type Data,
  type SubgraphHarness,
} from "../../../test/support/subgraph-harness.js";
import { DEFAULT_LADDER, DEFAULT_ROUTE, recordDisputeState, recordEvaluation } from "../../../test/support/contexts.js";
import { DisputeTransition } from "../dispute-transition.entity.js";
import { Dispute } from "../dispute.entity.js";
import type { DisputeStateReport } from "../../../lib/contracts/dispute-state.js";
import { disputesSubgraph } from "../index.js";

/*
 * The disputes subgraph served alone over HTTP on both engines: filing, withdrawal, assignment and
 * resolution with every role involved, what each refusal leaves (nothing), what reputation is told
 * per transition, and the dispute row lock under concurrent arbiters.
 */

const HOUR = 3600 * 1000;
const DAY = 24 * HOUR;

/** Deliberately not the configured defaults (3, 72 h, 14 d): the subgraph must take its options. */
const OPTIONS = { maxOpenPerFiler: 2, responseHours: 10, resolutionDays: 4 };

const FIELDS = `id agentId category statement severity evidence { caseIds runIds kpiReportIds external { url sha256 } }
  status outcome filedBy filedAt occurredAt assignedTo responseDueAt resolutionDueAt escalatedAt closedAt agent { id }`;
const TRANSITIONS = `transitions { id from to outcome actor note at }`;
const FILE = `mutation($input: FileDisputeInput!) { fileDispute(input: $input) { ${FIELDS} } }`;
const WITHDRAW = `mutation($id: ID!, $reason: String!) { withdrawDispute(disputeId: $id, reason: $reason) { ${FIELDS} } }`;
const ASSIGN = `mutation($id: ID!, $arbiter: ID) { assignDispute(disputeId: $id, arbiter: $arbiter) { ${FIELDS} } }`;
const ASSIGN_WITH_STEPS = `mutation($id: ID!) { assignDispute(disputeId: $id) { id status ${TRANSITIONS} } }`;
const RESOLVE = `mutation($input: ResolveDisputeInput!) { resolveDispute(input: $input) { ${FIELDS} } }`;
const DISPUTE = `query($id: ID!) { dispute(id: $id) { ${FIELDS} ${TRANSITIONS} } }`;
const OPEN_COUNTS = `query($representations: [_Any!]!) { _entities(representations: $representations) { ... on Agent { id openDisputeCount } } }`;

const BUYER = (subject: string): Identity => ({ role: "buyer", subject });
const BUILDER = (subject: string): Identity => ({ role: "builder", subject });
const ARBITER = (subject: string): Identity => ({ role: "arbiter", subject });

/** Every agent below is owned by this builder. */
const OWNER = "alice";
const STATEMENT = "Downgraded a ransomware alert to LOW";
const NOTE = "The run logs show the downgrade plainly.";
const SHA = "0123456789abcdef".repeat(4);

/** What every caller's subject looks like (lib/platform/identity.ts): anything else can never sign in. */
const SUBJECT = /^[A-Za-z0-9._@:-]{1,128}$/;
/** Lifecycle order of statuses: ties in a transition's time are broken by it in the helper below. */
const STAGE: Record<string, number> = { OPEN: 1, UNDER_REVIEW: 2, RESOLVED: 3, WITHDRAWN: 3 };

const iso = (value: Date | string | null | undefined) => (value == null ? value : new Date(value).toISOString());
const plus = (at: string, ms: number) => new Date(new Date(at).getTime() + ms).toISOString();

describe.each(DATABASE_KINDS)("disputes subgraph alone (%s)", (kind) => {
  let harness: SubgraphHarness;
  /** Every report the subgraph made to its listener, in order. */
  const reports: DisputeStateReport[] = [];
  /** When set, the listener fails as an unavailable reputation context would. */
  let listenerFails = false;

  beforeAll(async () => {
    harness = await startSubgraphHarness(kind, (ds) =>
      disputesSubgraph(ds, {
        ...OPTIONS,
        onDisputeChanged: async (_manager, report) => {
          if (listenerFails) throw new Error("reputation is unavailable");
          reports.push(report);
        },
      }),
    );
  });
  afterAll(async () => {
    await harness?.stop();
  });

  const newAgent = async () => (await harness.seedAgent(OWNER, [AgentDomain.ALERT_TRIAGE])).id;
  const file = (input: Data, identity: Identity) => harness.call(FILE, { input }, identity);
  const fileOk = async (agentId: string, filer: string, extra: Data = {}) =>
    dataOf(await file({ agentId, statement: STATEMENT, ...extra }, BUYER(filer))).fileDispute;
  const withdraw = (id: string, reason: string, identity: Identity) => harness.call(WITHDRAW, { id, reason }, identity);
  const assign = (id: string, identity: Identity, arbiter?: string) =>
    harness.call(ASSIGN, arbiter === undefined ? { id } : { id, arbiter }, identity);
  const resolve = (disputeId: string, outcome: string, identity: Identity, note = NOTE) =>
    harness.call(RESOLVE, { input: { disputeId, outcome, note } }, identity);
  const read = (id: string, identity: Identity) => harness.call(DISPUTE, { id }, identity);
  const stored = (id: string) => harness.dataSource.getRepository(Dispute).findOneBy({ id });
  /** A dispute's stored steps by time; steps within one millisecond by lifecycle stage (not what is under test here). */
  const storedTransitions = async (id: string) =>
    (await harness.dataSource.getRepository(DisputeTransition).find({ where: { disputeId: id } })).sort(
      (a, b) =>
        a.at.getTime() - b.at.getTime() || (a.from ? STAGE[a.from]! : 0) - (b.from ? STAGE[b.from]! : 0) || STAGE[a.to]! - STAGE[b.to]!,
    );
  const reportsOf = (id: string) => reports.filter((report) => report.disputeId === id);

  /** A dispute under review by `arbiter`, filed by `filer`. */
  async function underReview(agentId: string, filer: string, arbiter: string, extra: Data = {}) {
    const filed = await fileOk(agentId, filer, extra);
    return dataOf(await assign(filed.id, ARBITER(arbiter))).assignDispute;
  }

  /** Everything a refused call must leave as it was. */
  const snapshot = async (disputeId?: string) => ({
    disputes: await harness.count("disputes"),
    transitions: await harness.count("dispute_transitions"),
    reports: reports.length,
    row: disputeId ? await stored(disputeId) : undefined,
  });

  async function expectRefused(act: () => Promise<GraphQLResponse<Data>>, expected: { code: string; field?: string }, disputeId?: string) {
    const before = await snapshot(disputeId);
    const response = await act();
    const error = errorOf(response);
    expect(error.code).toBe(expected.code);
    if ("field" in expected) expect(error.field).toBe(expected.field);
    expect(await snapshot(disputeId)).toEqual(before);
    return response;
  }

  it("refuses requests that did not come through the gateway", async () => {
    await expectOnlyGatewayRequests(harness.url, "disputes", "agents");
  });

  describe("fileDispute", () => {
    it("files an OPEN dispute by the calling buyer: category OTHER, severity MAJOR, occurred now, no evidence, the configured deadlines, a filing transition, and reports version 1", async () => {
      const agentId = await newAgent();
      const before = Date.now();
      const dispute = await fileOk(agentId, "bob", { statement: `  ${STATEMENT}  ` });
      const after = Date.now();

      expect(dispute).toMatchObject({
        agentId,
        category: "OTHER",
        statement: STATEMENT,
        severity: "MAJOR",
        evidence: { caseIds: [], runIds: [], kpiReportIds: [], external: [] },
        status: "OPEN",
        outcome: null,
        filedBy: "bob",
        assignedTo: null,
        escalatedAt: null,
        closedAt: null,
        agent: { id: agentId },
      });
      const filedAt = new Date(dispute.filedAt).getTime();
      expect(filedAt).toBeGreaterThanOrEqual(before);
      expect(filedAt).toBeLessThanOrEqual(after);
      expect(dispute.occurredAt).toBe(dispute.filedAt);
      expect(dispute.responseDueAt).toBe(plus(dispute.filedAt, 10 * HOUR));
      expect(dispute.resolutionDueAt).toBe(plus(dispute.filedAt, 4 * DAY));

      const row = await stored(dispute.id);
      expect(row).toMatchObject({
        agentId,
        category: "OTHER",
        statement: STATEMENT,
        severity: "MAJOR",
        status: "OPEN",
        filedBy: "bob",
        version: 1,
        outcome: null,
        assignedTo: null,
      });
      expect(row!.evidence).toEqual({ caseIds: [], runIds: [], kpiReportIds: [], external: [] });
      expect(iso(row!.responseDueAt)).toBe(dispute.responseDueAt);
      expect(iso(row!.resolutionDueAt)).toBe(dispute.resolutionDueAt);

      const steps = await storedTransitions(dispute.id);
      expect(steps).toHaveLength(1);
      expect(steps[0]).toMatchObject({ from: null, to: "OPEN", outcome: null, actor: "buyer:bob" });
      expect(steps[0]!.note.length).toBeGreaterThan(0);
      expect(iso(steps[0]!.at)).toBe(dispute.filedAt);

      const told = reportsOf(dispute.id);
      expect(told).toHaveLength(1);
      expect(told[0]).toMatchObject({ agentId, disputeId: dispute.id, version: 1, severity: "MAJOR", open: true, upheld: false });
      expect(iso(told[0]!.occurredAt)).toBe(dispute.filedAt);
      expect(iso(told[0]!.at)).toBe(dispute.filedAt);
    });

    it("takes the category, severity, time of the behaviour and evidence given, storing each SHA-256 lower-cased", async () => {
      const agentId = await newAgent();
      const occurredAt = new Date(Date.now() - 3 * DAY - 1234).toISOString();
      const runId = randomUUID();
      const kpiReportId = randomUUID();
      const evidence = {
        caseIds: ["case-7", "case-9"],
        runIds: [runId],
        kpiReportIds: [kpiReportId],
        external: [
          { url: "https://evidence.example/soc/ticket-4411.pdf", sha256: "ABCDEF0123456789".repeat(4) },
          { url: "https://evidence.example/soc/pcap", sha256: SHA },
        ],
      };
      const expectedEvidence = {
        ...evidence,
        external: [
          {
            url: "https://evidence.example/soc/ticket-4411.pdf",
            sha256: "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789",
          },
          { url: "https://evidence.example/soc/pcap", sha256: SHA },
        ],
      };

      const dispute = await fileOk(agentId, "bob", { category: "MISCLASSIFICATION", severity: "CRITICAL", occurredAt, evidence });

      expect(dispute).toMatchObject({ category: "MISCLASSIFICATION", severity: "CRITICAL", occurredAt, evidence: expectedEvidence });
      const row = await stored(dispute.id);
      expect(row).toMatchObject({ category: "MISCLASSIFICATION", severity: "CRITICAL" });
      expect(row!.evidence).toEqual(expectedEvidence);
      expect(iso(row!.occurredAt)).toBe(occurredAt);
      // Deadlines run from the filing, not from the behaviour.
      expect(dispute.responseDueAt).toBe(plus(dispute.filedAt, 10 * HOUR));
      const told = reportsOf(dispute.id);
      expect(told).toHaveLength(1);
      expect(told[0]).toMatchObject({ version: 1, severity: "CRITICAL", open: true, upheld: false });
      expect(iso(told[0]!.occurredAt)).toBe(occurredAt);
    });

    it("accepts the most references allowed: 50 of each kind and 20 documents, and behaviour almost two years back", async () => {
      const agentId = await newAgent();
      const ids = (n: number) => Array.from({ length: n }, (_, i) => `ref-${i}`);
      const external = Array.from({ length: 20 }, (_, i) => ({ url: `https://evidence.example/${i}`, sha256: SHA }));
      const occurredAt = new Date(Date.now() - (2 * 365 - 1) * DAY).toISOString();

      const dispute = await fileOk(agentId, "bob", {
        occurredAt,
        evidence: { caseIds: ids(50), runIds: ids(50), kpiReportIds: ids(50), external },
      });

      expect(dispute.occurredAt).toBe(occurredAt);
      expect(dispute.evidence.caseIds).toHaveLength(50);
      expect(dispute.evidence.external).toHaveLength(20);
    });

    const badInputs: { what: string; input: (agentId: string) => Data; field: string }[] = [
      {
        what: "a behaviour time in the future",
        input: (agentId) => ({ agentId, statement: STATEMENT, occurredAt: new Date(Date.now() + 5 * 60_000).toISOString() }),
        field: "input.occurredAt",
      },
      {
        what: "a behaviour time more than two years back",
        input: (agentId) => ({ agentId, statement: STATEMENT, occurredAt: new Date(Date.now() - (2 * 366 + 1) * DAY).toISOString() }),
        field: "input.occurredAt",
      },
      { what: "a statement under 10 characters", input: (agentId) => ({ agentId, statement: "too short" }), field: "input.statement" },
      {
        what: "a statement under 10 characters once trimmed",
        input: (agentId) => ({ agentId, statement: "         x         " }),
        field: "input.statement",
      },
      {
        what: "a statement over 4000 characters",
        input: (agentId) => ({ agentId, statement: "x".repeat(4001) }),
        field: "input.statement",
      },
      {
        what: "an unknown category",
        input: (agentId) => ({ agentId, statement: STATEMENT, category: "RUDENESS" }),
        field: "input.category",
      },
      {
        what: "an http URL",
        input: (agentId) => ({
          agentId,
          statement: STATEMENT,
          evidence: { external: [{ url: "http://evidence.example/a", sha256: SHA }] },
        }),
        field: "input.evidence.external[0].url",
      },
      {
        what: "a URL with a space",
        input: (agentId) => ({
          agentId,
          statement: STATEMENT,
          evidence: { external: [{ url: "https://evidence.example/a b", sha256: SHA }] },
        }),
        field: "input.evidence.external[0].url",
      },
      {
        what: "a URL over 2000 characters",
        input: (agentId) => ({
          agentId,
          statement: STATEMENT,
          evidence: { external: [{ url: `https://e.example/${"a".repeat(2000)}`, sha256: SHA }] },
        }),
        field: "input.evidence.external[0].url",
      },
      {
        what: "a SHA-256 of 63 characters",
        input: (agentId) => ({
          agentId,
          statement: STATEMENT,
          evidence: { external: [{ url: "https://e.example/a", sha256: SHA.slice(1) }] },
        }),
        field: "input.evidence.external[0].sha256",
      },
      {
        what: "a SHA-256 that is not hexadecimal",
        input: (agentId) => ({
          agentId,
          statement: STATEMENT,
          evidence: { external: [{ url: "https://e.example/a", sha256: "g".repeat(64) }] },
        }),
        field: "input.evidence.external[0].sha256",
      },
      {
        what: "a bad SHA-256 in the second document",
        input: (agentId) => ({
          agentId,
          statement: STATEMENT,
          evidence: {
            external: [
              { url: "https://e.example/a", sha256: SHA },
              { url: "https://e.example/b", sha256: `${SHA.slice(2)}zz` },
            ],
          },
        }),
        field: "input.evidence.external[1].sha256",
      },
      {
        what: "51 case ids",
        input: (agentId) => ({ agentId, statement: STATEMENT, evidence: { caseIds: Array.from({ length: 51 }, (_, i) => `c${i}`) } }),
        field: "input.evidence.caseIds",
      },
      {
        what: "51 run ids",
        input: (agentId) => ({ agentId, statement: STATEMENT, evidence: { runIds: Array.from({ length: 51 }, (_, i) => `r${i}`) } }),
        field: "input.evidence.runIds",
      },
      {
        what: "51 KPI report ids",
        input: (agentId) => ({ agentId, statement: STATEMENT, evidence: { kpiReportIds: Array.from({ length: 51 }, (_, i) => `k${i}`) } }),
        field: "input.evidence.kpiReportIds",
      },
      {
        what: "21 documents",
        input: (agentId) => ({
          agentId,
          statement: STATEMENT,
          evidence: { external: Array.from({ length: 21 }, (_, i) => ({ url: `https://e.example/${i}`, sha256: SHA })) },
        }),
        field: "input.evidence.external",
      },
      {
        what: "an empty case id",
        input: (agentId) => ({ agentId, statement: STATEMENT, evidence: { caseIds: [""] } }),
        field: "input.evidence.caseIds",
      },
    ];
    for (const { what, input, field } of badInputs) {
      it(`refuses ${what} as BAD_USER_INPUT on \`${field}\`, writing nothing`, async () => {
        const agentId = await newAgent();
        const response = await expectRefused(() => file(input(agentId), BUYER("bob")), { code: "BAD_USER_INPUT", field });
        expect(response.data?.fileDispute ?? null).toBeNull();
      });
    }

    it("refuses an unknown agent as NOT_FOUND on `input.agentId`, writing nothing", async () => {
      await expectRefused(() => file({ agentId: randomUUID(), statement: STATEMENT }, BUYER("bob")), {
        code: "NOT_FOUND",
        field: "input.agentId",
      });
    });

    const callers: { caller: string; identity: Identity; code: string }[] = [
      { caller: "the agent's owner as a buyer with the owner's subject", identity: BUYER(OWNER), code: "FORBIDDEN" },
      { caller: "the agent's builder", identity: BUILDER(OWNER), code: "FORBIDDEN" },
      { caller: "another builder", identity: BUILDER("mallory"), code: "FORBIDDEN" },
      { caller: "an arbiter", identity: ARBITER("olga"), code: "FORBIDDEN" },
      { caller: "an anonymous caller", identity: ANONYMOUS, code: "UNAUTHENTICATED" },
    ];
    for (const { caller, identity, code } of callers) {
      it(`refuses ${caller} with ${code}, writing nothing`, async () => {
        const agentId = await newAgent();
        await expectRefused(() => file({ agentId, statement: STATEMENT }, identity), { code });
      });
    }

    it("holds each filer to the configured number of open disputes per agent, counting those under review, while others still file and closed ones stop counting", async () => {
      const agentId = await newAgent();
      const otherAgentId = await newAgent();
      const first = await fileOk(agentId, "zoe");
      const second = await fileOk(agentId, "zoe");

      await expectRefused(() => file({ agentId, statement: STATEMENT }, BUYER("zoe")), { code: "CONFLICT", field: "input.agentId" });
      // Another filer about the same agent, and the same filer about another agent, are free.
      expect((await fileOk(agentId, "yan")).status).toBe("OPEN");
      expect((await fileOk(otherAgentId, "zoe")).status).toBe("OPEN");

      // Under review is still open.
      dataOf(await assign(first.id, ARBITER("olga")));
      await expectRefused(() => file({ agentId, statement: STATEMENT }, BUYER("zoe")), { code: "CONFLICT", field: "input.agentId" });

      // A withdrawn one no longer counts...
      dataOf(await withdraw(second.id, "Filed twice by mistake", BUYER("zoe")));
      const third = await fileOk(agentId, "zoe");
      await expectRefused(() => file({ agentId, statement: STATEMENT }, BUYER("zoe")), { code: "CONFLICT", field: "input.agentId" });

      // ...nor does a resolved one.
      dataOf(await resolve(first.id, "REJECTED", ARBITER("olga")));
      const fourth = await fileOk(agentId, "zoe");
      await expectRefused(() => file({ agentId, statement: STATEMENT }, BUYER("zoe")), { code: "CONFLICT", field: "input.agentId" });

      const active: { n: number | string }[] = await harness.dataSource.query(
        "SELECT COUNT(*) AS n FROM disputes WHERE agent_id = ? AND filed_by = 'zoe' AND status IN ('OPEN', 'UNDER_REVIEW')",
        [agentId],
      );
      expect(Number(active[0]!.n)).toBe(2);
      expect([third.status, fourth.status]).toEqual(["OPEN", "OPEN"]);
    });

    it("holds the limit when one filer files several disputes about one agent at once", async () => {
      const agentId = await newAgent();

      const responses = await Promise.all(
        Array.from({ length: 5 }, (_, i) => file({ agentId, statement: `${STATEMENT} #${i}` }, BUYER("quinn"))),
      );

      const filed = responses.filter((response) => response.data?.fileDispute);
      const refused = responses.filter((response) => errorOf(response).code === "CONFLICT");
      const rows: { n: number | string }[] = await harness.dataSource.query(
        "SELECT COUNT(*) AS n FROM disputes WHERE agent_id = ? AND filed_by = 'quinn'",
        [agentId],
      );
      expect({ filed: filed.length, refused: refused.length, stored: Number(rows[0]!.n) }).toEqual({ filed: 2, refused: 3, stored: 2 });
    });

    it("writes nothing when reputation cannot be told: the report is part of the transaction", async () => {
      const agentId = await newAgent();
      listenerFails = true;
      try {
        await expectRefused(() => file({ agentId, statement: STATEMENT }, BUYER("bob")), { code: "INTERNAL_SERVER_ERROR" });
      } finally {
        listenerFails = false;
      }
    });
  });

  describe("withdrawDispute", () => {
    it("lets the filer withdraw an OPEN dispute: WITHDRAWN, closed, the reason recorded, and reputation told it is no longer open", async () => {
      const agentId = await newAgent();
      const filed = await fileOk(agentId, "carol", { severity: "CRITICAL" });
      const before = Date.now();

      const withdrawn = dataOf(await withdraw(filed.id, "  Settled with the vendor directly  ", BUYER("carol"))).withdrawDispute;

      expect(withdrawn).toMatchObject({ id: filed.id, status: "WITHDRAWN", outcome: null, assignedTo: null });
      expect(new Date(withdrawn.closedAt).getTime()).toBeGreaterThanOrEqual(before);
      expect((await stored(filed.id))!).toMatchObject({ status: "WITHDRAWN", version: 2 });
      const steps = await storedTransitions(filed.id);
      expect(steps.map(({ from, to, outcome, actor, note }) => ({ from, to, outcome, actor, note }))).toEqual([
        { from: null, to: "OPEN", outcome: null, actor: "buyer:carol", note: steps[0]!.note },
        { from: "OPEN", to: "WITHDRAWN", outcome: null, actor: "buyer:carol", note: "Settled with the vendor directly" },
      ]);
      expect(iso(steps[1]!.at)).toBe(withdrawn.closedAt);
      const told = reportsOf(filed.id);
      expect(told.map(({ version, open, upheld, severity }) => ({ version, open, upheld, severity }))).toEqual([
        { version: 1, open: true, upheld: false, severity: "CRITICAL" },
        { version: 2, open: false, upheld: false, severity: "CRITICAL" },
      ]);
      expect(iso(told[1]!.at)).toBe(withdrawn.closedAt);
    });

    it("lets the filer withdraw a dispute under review", async () => {
      const agentId = await newAgent();
      const reviewed = await underReview(agentId, "carol", "olga");

      const withdrawn = dataOf(await withdraw(reviewed.id, "No longer relevant", BUYER("carol"))).withdrawDispute;

      expect(withdrawn.status).toBe("WITHDRAWN");
      expect(withdrawn.closedAt).not.toBeNull();
      const steps = await storedTransitions(reviewed.id);
      expect(steps.map((step) => [step.from, step.to, step.actor])).toEqual([
        [null, "OPEN", "buyer:carol"],
        ["OPEN", "UNDER_REVIEW", "arbiter:olga"],
        ["UNDER_REVIEW", "WITHDRAWN", "buyer:carol"],
      ]);
      expect(reportsOf(reviewed.id).map((r) => [r.version, r.open])).toEqual([
        [1, true],
        [2, true],
        [3, false],
      ]);
    });

    it("accepts a reason of exactly 2000 characters", async () => {
      const agentId = await newAgent();
      const filed = await fileOk(agentId, "carol");
      const reason = "r".repeat(2000);

      dataOf(await withdraw(filed.id, reason, BUYER("carol")));

      expect((await storedTransitions(filed.id))[1]!.note).toBe(reason);
    });

    const refusals: { who: string; identity: Identity; code: string }[] = [
      { who: "another buyer", identity: BUYER("dan"), code: "FORBIDDEN" },
      { who: "the agent's owner", identity: BUILDER(OWNER), code: "FORBIDDEN" },
      { who: "a builder with the filer's subject", identity: BUILDER("carol"), code: "FORBIDDEN" },
      { who: "an arbiter", identity: ARBITER("olga"), code: "FORBIDDEN" },
      { who: "an anonymous caller", identity: ANONYMOUS, code: "UNAUTHENTICATED" },
    ];
    for (const { who, identity, code } of refusals) {
      it(`is refused to ${who} with ${code}, writing nothing`, async () => {
        const agentId = await newAgent();
        const filed = await fileOk(agentId, "carol");
        await expectRefused(() => withdraw(filed.id, "Not mine to withdraw", identity), { code }, filed.id);
      });
    }

    it("refuses an unknown dispute as NOT_FOUND on `disputeId`", async () => {
      await expectRefused(() => withdraw(randomUUID(), "Withdrawing", BUYER("carol")), { code: "NOT_FOUND", field: "disputeId" });
    });

    it("refuses a dispute already withdrawn or resolved as CONFLICT on `disputeId`, writing nothing", async () => {
      const agentId = await newAgent();
      const withdrawn = await fileOk(agentId, "carol");
      dataOf(await withdraw(withdrawn.id, "First withdrawal", BUYER("carol")));
      const resolved = await underReview(agentId, "carol", "olga");
      dataOf(await resolve(resolved.id, "SETTLED", ARBITER("olga")));

      await expectRefused(
        () => withdraw(withdrawn.id, "Second withdrawal", BUYER("carol")),
        { code: "CONFLICT", field: "disputeId" },
        withdrawn.id,
      );
      await expectRefused(
        () => withdraw(resolved.id, "Too late now", BUYER("carol")),
        { code: "CONFLICT", field: "disputeId" },
        resolved.id,
      );
    });

    for (const [what, reason] of [
      ["an empty reason", ""],
      ["a reason of spaces", "   \n  "],
      ["a reason over 2000 characters", "r".repeat(2001)],
    ] as const) {
      it(`refuses ${what} as BAD_USER_INPUT on \`reason\`, writing nothing`, async () => {
        const agentId = await newAgent();
        const filed = await fileOk(agentId, "carol");
        await expectRefused(() => withdraw(filed.id, reason, BUYER("carol")), { code: "BAD_USER_INPUT", field: "reason" }, filed.id);
      });
    }
  });

  describe("assignDispute", () => {
    it("lets an arbiter take an OPEN dispute: UNDER_REVIEW, assigned to the caller, recorded and reported", async () => {
      const agentId = await newAgent();
      const filed = await fileOk(agentId, "carol");

      const assigned = dataOf(await assign(filed.id, ARBITER("olga"))).assignDispute;

      expect(assigned).toMatchObject({ id: filed.id, status: "UNDER_REVIEW", assignedTo: "olga", closedAt: null, outcome: null });
      expect(await stored(filed.id)).toMatchObject({ status: "UNDER_REVIEW", assignedTo: "olga", version: 2 });
      const steps = await storedTransitions(filed.id);
      expect(steps).toHaveLength(2);
      expect(steps[1]).toMatchObject({ from: "OPEN", to: "UNDER_REVIEW", outcome: null, actor: "arbiter:olga" });
      expect(steps[1]!.note).toContain("olga");
      expect(steps[1]!.at.getTime()).toBeGreaterThanOrEqual(steps[0]!.at.getTime());
      const told = reportsOf(filed.id);
      expect(told).toHaveLength(2);
      expect(told[1]).toMatchObject({ version: 2, open: true, upheld: false, severity: "MAJOR" });
      expect(iso(told[1]!.at)).toBe(iso(steps[1]!.at));
    });

    it("answers with the transitions as committed, the new step included", async () => {
      const agentId = await newAgent();
      const filed = await fileOk(agentId, "carol");

      const assigned = dataOf(await harness.call(ASSIGN_WITH_STEPS, { id: filed.id }, ARBITER("olga"))).assignDispute;

      expect(assigned.transitions.map((step: Data) => [step.from, step.to, step.actor])).toEqual([
        [null, "OPEN", "buyer:carol"],
        ["OPEN", "UNDER_REVIEW", "arbiter:olga"],
      ]);
    });

    it("assigns to a named arbiter, recording the caller as the actor", async () => {
      const agentId = await newAgent();
      const filed = await fileOk(agentId, "carol");

      const assigned = dataOf(await assign(filed.id, ARBITER("olga"), "ada")).assignDispute;

      expect(assigned).toMatchObject({ status: "UNDER_REVIEW", assignedTo: "ada" });
      const steps = await storedTransitions(filed.id);
      expect(steps[1]).toMatchObject({ from: "OPEN", to: "UNDER_REVIEW", actor: "arbiter:olga" });
      expect(steps[1]!.note).toContain("ada");
    });

    it("reassigns a dispute under review: the new arbiter decides it, the old one no longer can", async () => {
      const agentId = await newAgent();
      const reviewed = await underReview(agentId, "carol", "ada");

      const reassigned = dataOf(await assign(reviewed.id, ARBITER("olga"), "bea")).assignDispute;

      expect(reassigned).toMatchObject({ status: "UNDER_REVIEW", assignedTo: "bea" });
      const steps = await storedTransitions(reviewed.id);
      expect(steps).toHaveLength(3);
      expect(steps[2]).toMatchObject({ from: "UNDER_REVIEW", to: "UNDER_REVIEW", actor: "arbiter:olga" });
      expect(steps[2]!.note).toContain("ada");
      expect(steps[2]!.note).toContain("bea");
      expect(reportsOf(reviewed.id).map((r) => [r.version, r.open])).toEqual([
        [1, true],
        [2, true],
        [3, true],
      ]);

      await expectRefused(() => resolve(reviewed.id, "UPHELD", ARBITER("ada")), { code: "FORBIDDEN" }, reviewed.id);
      expect(dataOf(await resolve(reviewed.id, "UPHELD", ARBITER("bea"))).resolveDispute).toMatchObject({
        status: "RESOLVED",
        outcome: "UPHELD",
      });
    });

    it("refuses assigning a dispute to the arbiter it is already assigned to as CONFLICT on `disputeId`", async () => {
      const agentId = await newAgent();
      const reviewed = await underReview(agentId, "carol", "ada");

      await expectRefused(() => assign(reviewed.id, ARBITER("ada")), { code: "CONFLICT", field: "disputeId" }, reviewed.id);
      await expectRefused(() => assign(reviewed.id, ARBITER("olga"), "ada"), { code: "CONFLICT", field: "disputeId" }, reviewed.id);
    });

    const involved: { who: string; caller: string; assignee?: string }[] = [
      { who: "an arbiter taking a dispute about an agent their subject owns", caller: OWNER },
      { who: "naming an arbiter whose subject owns the agent", caller: "olga", assignee: OWNER },
      { who: "an arbiter taking a dispute their subject filed", caller: "carol" },
      { who: "naming an arbiter whose subject filed the dispute", caller: "olga", assignee: "carol" },
    ];
    for (const { who, caller, assignee } of involved) {
      it(`refuses ${who} with FORBIDDEN, writing nothing`, async () => {
        const agentId = await newAgent();
        const filed = await fileOk(agentId, "carol");
        await expectRefused(() => assign(filed.id, ARBITER(caller), assignee), { code: "FORBIDDEN" }, filed.id);
      });
    }

    it("refuses reassigning to an involved arbiter with FORBIDDEN, writing nothing", async () => {
      const agentId = await newAgent();
      const reviewed = await underReview(agentId, "carol", "ada");

      await expectRefused(() => assign(reviewed.id, ARBITER("olga"), OWNER), { code: "FORBIDDEN" }, reviewed.id);
      await expectRefused(() => assign(reviewed.id, ARBITER("olga"), "carol"), { code: "FORBIDDEN" }, reviewed.id);
    });

    it("refuses a resolved or withdrawn dispute as CONFLICT on `disputeId`, writing nothing", async () => {
      const agentId = await newAgent();
      const resolved = await underReview(agentId, "carol", "ada");
      dataOf(await resolve(resolved.id, "REJECTED", ARBITER("ada")));
      const withdrawn = await fileOk(agentId, "carol");
      dataOf(await withdraw(withdrawn.id, "Changed my mind", BUYER("carol")));

      await expectRefused(() => assign(resolved.id, ARBITER("olga")), { code: "CONFLICT", field: "disputeId" }, resolved.id);
      await expectRefused(() => assign(withdrawn.id, ARBITER("olga")), { code: "CONFLICT", field: "disputeId" }, withdrawn.id);
    });

    const strangers: { who: string; identity: Identity; code: string }[] = [
      { who: "the filer", identity: BUYER("carol"), code: "FORBIDDEN" },
      { who: "the agent's owner", identity: BUILDER(OWNER), code: "FORBIDDEN" },
      { who: "an anonymous caller", identity: ANONYMOUS, code: "UNAUTHENTICATED" },
    ];
    for (const { who, identity, code } of strangers) {
      it(`is refused to ${who} with ${code}, writing nothing`, async () => {
        const agentId = await newAgent();
        const filed = await fileOk(agentId, "carol");
        await expectRefused(() => assign(filed.id, identity, "ada"), { code }, filed.id);
      });
    }

    it("refuses an unknown dispute as NOT_FOUND on `disputeId`", async () => {
      await expectRefused(() => assign(randomUUID(), ARBITER("olga")), { code: "NOT_FOUND", field: "disputeId" });
    });

    for (const [what, arbiter] of [
      ["an empty arbiter", ""],
      ["an arbiter of spaces", "   "],
      ["an arbiter over 128 characters", "a".repeat(129)],
    ] as const) {
      it(`refuses ${what} as BAD_USER_INPUT on \`arbiter\`, writing nothing`, async () => {
        const agentId = await newAgent();
        const filed = await fileOk(agentId, "carol");
        await expectRefused(() => assign(filed.id, ARBITER("olga"), arbiter), { code: "BAD_USER_INPUT", field: "arbiter" }, filed.id);
      });
    }

    for (const arbiter of [" ada", "ada/ops"]) {
      it(`never assigns a dispute to ${JSON.stringify(arbiter)}, a subject no arbiter can sign in as`, async () => {
        const agentId = await newAgent();
        const filed = await fileOk(agentId, "carol");
        const before = await snapshot(filed.id);

        const response = await assign(filed.id, ARBITER("olga"), arbiter);

        const after = await stored(filed.id);
        if (response.errors) {
          expect(errorOf(response)).toMatchObject({ code: "BAD_USER_INPUT", field: "arbiter" });
          expect(await snapshot(filed.id)).toEqual(before);
        } else {
          // Accepted only as a subject someone can hold, or the dispute is stuck under review.
          expect(after!.assignedTo).toMatch(SUBJECT);
        }
      });
    }

    it("writes nothing when reputation cannot be told", async () => {
      const agentId = await newAgent();
      const filed = await fileOk(agentId, "carol");
      listenerFails = true;
      try {
        await expectRefused(() => assign(filed.id, ARBITER("olga")), { code: "INTERNAL_SERVER_ERROR" }, filed.id);
      } finally {
        listenerFails = false;
      }
    });
  });

  describe("resolveDispute", () => {
    for (const outcome of ["UPHELD", "REJECTED", "SETTLED"] as const) {
      it(`lets the assigned arbiter resolve a dispute under review as ${outcome}, recorded and reported (upheld: ${outcome === "UPHELD"})`, async () => {
        const agentId = await newAgent();
        const reviewed = await underReview(agentId, "carol", "ada", { severity: "CRITICAL" });
        const before = Date.now();

        const resolved = dataOf(await resolve(reviewed.id, outcome, ARBITER("ada"), `  ${NOTE}  `)).resolveDispute;

        expect(resolved).toMatchObject({ id: reviewed.id, status: "RESOLVED", outcome, assignedTo: "ada" });
        expect(new Date(resolved.closedAt).getTime()).toBeGreaterThanOrEqual(before);
        expect(await stored(reviewed.id)).toMatchObject({ status: "RESOLVED", outcome, version: 3 });
        const steps = await storedTransitions(reviewed.id);
        expect(steps).toHaveLength(3);
        expect(steps[2]).toMatchObject({ from: "UNDER_REVIEW", to: "RESOLVED", outcome, actor: "arbiter:ada", note: NOTE });
        expect(iso(steps[2]!.at)).toBe(resolved.closedAt);
        const told = reportsOf(reviewed.id);
        expect(told.map(({ version, open, upheld, severity }) => ({ version, open, upheld, severity }))).toEqual([
          { version: 1, open: true, upheld: false, severity: "CRITICAL" },
          { version: 2, open: true, upheld: false, severity: "CRITICAL" },
          { version: 3, open: false, upheld: outcome === "UPHELD", severity: "CRITICAL" },
        ]);
        expect(iso(told[2]!.occurredAt)).toBe(reviewed.occurredAt);
        expect(iso(told[2]!.at)).toBe(resolved.closedAt);
      });
    }

    it("refuses a dispute not under review (OPEN, RESOLVED, WITHDRAWN) as CONFLICT on `input.disputeId`, writing nothing", async () => {
      const agentId = await newAgent();
      const open = await fileOk(agentId, "carol");
      const resolved = await underReview(agentId, "carol", "ada");
      dataOf(await resolve(resolved.id, "SETTLED", ARBITER("ada")));
      const withdrawn = await underReview(agentId, "dora", "ada");
      dataOf(await withdraw(withdrawn.id, "Resolved between us", BUYER("dora")));

      for (const id of [open.id, resolved.id, withdrawn.id]) {
        await expectRefused(() => resolve(id, "UPHELD", ARBITER("ada")), { code: "CONFLICT", field: "input.disputeId" }, id);
      }
    });

    const others: { who: string; identity: Identity; code: string }[] = [
      { who: "another arbiter", identity: ARBITER("olga"), code: "FORBIDDEN" },
      { who: "the filer", identity: BUYER("carol"), code: "FORBIDDEN" },
      { who: "the agent's owner", identity: BUILDER(OWNER), code: "FORBIDDEN" },
      { who: "a builder with the assigned arbiter's subject", identity: BUILDER("ada"), code: "FORBIDDEN" },
      { who: "an anonymous caller", identity: ANONYMOUS, code: "UNAUTHENTICATED" },
    ];
    for (const { who, identity, code } of others) {
      it(`is refused to ${who} with ${code}, writing nothing`, async () => {
        const agentId = await newAgent();
        const reviewed = await underReview(agentId, "carol", "ada");
        await expectRefused(() => resolve(reviewed.id, "UPHELD", identity), { code }, reviewed.id);
      });
    }

    it("refuses an unknown dispute as NOT_FOUND on `input.disputeId`", async () => {
      await expectRefused(() => resolve(randomUUID(), "UPHELD", ARBITER("ada")), { code: "NOT_FOUND", field: "input.disputeId" });
    });

    const badNotes: { what: string; input: (disputeId: string) => Data; field: string }[] = [
      {
        what: "a note under 10 characters",
        input: (disputeId) => ({ disputeId, outcome: "UPHELD", note: "too short" }),
        field: "input.note",
      },
      {
        what: "a note under 10 characters once trimmed",
        input: (disputeId) => ({ disputeId, outcome: "UPHELD", note: "    short     " }),
        field: "input.note",
      },
      {
        what: "a note over 2000 characters",
        input: (disputeId) => ({ disputeId, outcome: "UPHELD", note: "n".repeat(2001) }),
        field: "input.note",
      },
      { what: "an unknown outcome", input: (disputeId) => ({ disputeId, outcome: "DISMISSED", note: NOTE }), field: "input.outcome" },
    ];
    for (const { what, input, field } of badNotes) {
      it(`refuses ${what} as BAD_USER_INPUT on \`${field}\`, writing nothing`, async () => {
        const agentId = await newAgent();
        const reviewed = await underReview(agentId, "carol", "ada");
        await expectRefused(
          () => harness.call(RESOLVE, { input: input(reviewed.id) }, ARBITER("ada")),
          { code: "BAD_USER_INPUT", field },
          reviewed.id,
        );
      });
    }
  });

  describe("dispute", () => {
    let agentId: string;
    let filed: Data;
    let assignedAt: string;
    let resolved: Data;

    beforeAll(async () => {
      agentId = await newAgent();
      filed = await fileOk(agentId, "carol", { category: "PACT_BREACH", severity: "MINOR" });
      dataOf(await assign(filed.id, ARBITER("olga"), "ada"));
      assignedAt = (await storedTransitions(filed.id))[1]!.at.toISOString();
      resolved = dataOf(await resolve(filed.id, "UPHELD", ARBITER("ada"))).resolveDispute;
    });

    const readers: { reader: string; identity: Identity }[] = [
      { reader: "the buyer who filed it", identity: BUYER("carol") },
      { reader: "the agent's owner", identity: BUILDER(OWNER) },
      { reader: "the arbiter who decided it", identity: ARBITER("ada") },
      { reader: "any other arbiter", identity: ARBITER("zed") },
    ];
    for (const { reader, identity } of readers) {
      it(`is readable in full by ${reader}, with every transition oldest first: who, when and why`, async () => {
        const dispute = dataOf(await read(filed.id, identity)).dispute;

        const { transitions, ...fields } = dispute;
        expect(fields).toEqual(resolved);
        expect(fields).toMatchObject({
          agentId,
          category: "PACT_BREACH",
          severity: "MINOR",
          statement: STATEMENT,
          status: "RESOLVED",
          outcome: "UPHELD",
          filedBy: "carol",
          assignedTo: "ada",
        });
        expect(transitions.map(({ from, to, outcome, actor }: Data) => ({ from, to, outcome, actor }))).toEqual([
          { from: null, to: "OPEN", outcome: null, actor: "buyer:carol" },
          { from: "OPEN", to: "UNDER_REVIEW", outcome: null, actor: "arbiter:olga" },
          { from: "UNDER_REVIEW", to: "RESOLVED", outcome: "UPHELD", actor: "arbiter:ada" },
        ]);
        expect(transitions.map((step: Data) => step.at)).toEqual([filed.filedAt, assignedAt, resolved.closedAt]);
        expect(transitions[1].note).toContain("ada");
        expect(transitions[2].note).toBe(NOTE);
        expect(new Set(transitions.map((step: Data) => step.id)).size).toBe(3);
      });
    }

    const strangers: { stranger: string; identity: Identity; code: string }[] = [
      { stranger: "another buyer", identity: BUYER("dan"), code: "FORBIDDEN" },
      { stranger: "another builder", identity: BUILDER("mallory"), code: "FORBIDDEN" },
      // Ownership is a builder's: a buyer token carrying the owner's subject does not confer it.
      { stranger: "a buyer whose subject equals the owner's", identity: BUYER(OWNER), code: "FORBIDDEN" },
      // Filing is a buyer's: a builder token carrying the filer's subject does not confer it.
      { stranger: "a builder whose subject equals the filer's", identity: BUILDER("carol"), code: "FORBIDDEN" },
      { stranger: "an anonymous caller", identity: ANONYMOUS, code: "UNAUTHENTICATED" },
    ];
    for (const { stranger, identity, code } of strangers) {
      it(`is refused to ${stranger} with ${code}, showing nothing of it`, async () => {
        const response = await read(filed.id, identity);

        expect(errorOf(response).code).toBe(code);
        expect(response.data?.dispute).toBeNull();
        expect(JSON.stringify(response)).not.toContain(STATEMENT);
        expect(JSON.stringify(response)).not.toContain(NOTE);
      });
    }

    it("lists steps taken within one millisecond in the order they were taken", async () => {
      const quick = await newAgent();
      // A clock that does not move: every step below happens in the same millisecond.
      vi.useFakeTimers({ toFake: ["Date"] });
      let id: string;
      try {
        vi.setSystemTime(new Date());
        id = (await fileOk(quick, "carol")).id;
        dataOf(await assign(id, ARBITER("olga"), "ada"));
        for (const next of ["bea", "cyd", "dee", "eve"]) dataOf(await assign(id, ARBITER("olga"), next));
        dataOf(await resolve(id, "SETTLED", ARBITER("eve")));
      } finally {
        vi.useRealTimers();
      }

      const steps: Data[] = dataOf(await read(id, ARBITER("zed"))).dispute.transitions;

      expect(new Set(steps.map((step) => step.at)).size).toBe(1);
      // Who the step named last: the assignee of an assignment, nobody for the filing and the decision.
      const named = (note: string) => ["eve", "dee", "cyd", "bea", "ada"].find((name) => note.includes(name)) ?? "";
      expect(steps.map((step) => `${step.from ?? "-"}>${step.to} ${step.actor} ${named(step.note)}`)).toEqual([
        "->OPEN buyer:carol ",
        "OPEN>UNDER_REVIEW arbiter:olga ada",
        "UNDER_REVIEW>UNDER_REVIEW arbiter:olga bea",
        "UNDER_REVIEW>UNDER_REVIEW arbiter:olga cyd",
        "UNDER_REVIEW>UNDER_REVIEW arbiter:olga dee",
        "UNDER_REVIEW>UNDER_REVIEW arbiter:olga eve",
        "UNDER_REVIEW>RESOLVED arbiter:eve ",
      ]);
    });

    it("is null for an unknown id", async () => {
      expect(dataOf(await read(randomUUID(), BUYER("carol"))).dispute).toBeNull();
      expect(dataOf(await read(randomUUID(), ARBITER("ada"))).dispute).toBeNull();
    });

    it("is refused to an anonymous caller even for an unknown id", async () => {
      expect(errorOf(await read(randomUUID(), ANONYMOUS)).code).toBe("UNAUTHENTICATED");
    });
  });

  describe("openDisputeCount", () => {
    it("counts each agent's OPEN and UNDER_REVIEW disputes only, with one SQL statement for all agents", async () => {
      const busy = await newAgent();
      const calm = await newAgent();
      const closed = await newAgent();
      await fileOk(busy, "frank");
      await fileOk(busy, "frank");
      await underReview(busy, "gina", "olga");
      const resolvedOne = await underReview(closed, "frank", "olga");
      dataOf(await resolve(resolvedOne.id, "SETTLED", ARBITER("olga")));
      const withdrawnOne = await fileOk(closed, "frank");
      dataOf(await withdraw(withdrawnOne.id, "Filed in error", BUYER("frank")));
      const representations = [busy, calm, closed].map((id) => ({ __typename: "Agent", id }));

      const one = await harness.statementsFor(OPEN_COUNTS, { representations: representations.slice(0, 1) });
      const all = await harness.statementsFor(OPEN_COUNTS, { representations });

      expect(dataOf(one.response)._entities).toEqual([{ id: busy, openDisputeCount: 3 }]);
      expect(dataOf(all.response)._entities).toEqual([
        { id: busy, openDisputeCount: 3 },
        { id: calm, openDisputeCount: 0 },
        { id: closed, openDisputeCount: 0 },
      ]);
      expect(one.statements).toBe(1);
      expect(all.statements).toBe(1);
    });
  });

  describe("concurrent arbiters (the dispute row is locked)", () => {
    it("two arbiters taking one dispute at once: one assigns, the other reassigns from the first, consistently", async () => {
      for (let round = 0; round < 3; round += 1) {
        const agentId = await newAgent();
        const filed = await fileOk(agentId, "carol");

        const responses = await Promise.all([assign(filed.id, ARBITER("ada")), assign(filed.id, ARBITER("bea"))]);

        for (const response of responses) expect(response.errors).toBeUndefined();
        const steps = await storedTransitions(filed.id);
        expect(steps).toHaveLength(3);
        const [first, second] = [steps[1]!, steps[2]!];
        const firstAssignee = first.actor === "arbiter:ada" ? "ada" : "bea";
        const secondAssignee = firstAssignee === "ada" ? "bea" : "ada";
        expect(first).toMatchObject({ from: "OPEN", to: "UNDER_REVIEW", actor: `arbiter:${firstAssignee}` });
        expect(second).toMatchObject({ from: "UNDER_REVIEW", to: "UNDER_REVIEW", actor: `arbiter:${secondAssignee}` });
        expect(second.note).toContain(firstAssignee);
        expect(await stored(filed.id)).toMatchObject({ status: "UNDER_REVIEW", assignedTo: secondAssignee, version: 3 });
        expect(
          reportsOf(filed.id)
            .map((r) => r.version)
            .sort(),
        ).toEqual([1, 2, 3]);
      }
    });

    it("two arbiters assigning one dispute to the same arbiter at once: one wins, the other is a CONFLICT", async () => {
      for (let round = 0; round < 3; round += 1) {
        const agentId = await newAgent();
        const filed = await fileOk(agentId, "carol");

        const responses = await Promise.all([assign(filed.id, ARBITER("olga"), "ada"), assign(filed.id, ARBITER("zed"), "ada")]);

        const codes = responses.map((response) => errorOf(response).code ?? "OK").sort();
        expect(codes).toEqual(["CONFLICT", "OK"]);
        expect(await storedTransitions(filed.id)).toHaveLength(2);
        expect(await stored(filed.id)).toMatchObject({ status: "UNDER_REVIEW", assignedTo: "ada", version: 2 });
        expect(reportsOf(filed.id).map((r) => r.version)).toEqual([1, 2]);
      }
    });

    it("two resolutions at once: exactly one RESOLVED transition, the other a CONFLICT", async () => {
      for (let round = 0; round < 3; round += 1) {
        const agentId = await newAgent();
        const reviewed = await underReview(agentId, "carol", "ada");

        const responses = await Promise.all([
          resolve(reviewed.id, "UPHELD", ARBITER("ada")),
          resolve(reviewed.id, "REJECTED", ARBITER("ada")),
        ]);

        const winners = responses.filter((response) => response.data?.resolveDispute);
        expect(winners).toHaveLength(1);
        expect(responses.map((response) => errorOf(response).code ?? "OK").sort()).toEqual(["CONFLICT", "OK"]);
        const resolutions = (await storedTransitions(reviewed.id)).filter((step) => step.to === "RESOLVED");
        expect(resolutions).toHaveLength(1);
        const outcome = winners[0]!.data!.resolveDispute.outcome;
        expect(resolutions[0]!.outcome).toBe(outcome);
        expect(await stored(reviewed.id)).toMatchObject({ status: "RESOLVED", outcome, version: 3 });
        expect(reportsOf(reviewed.id).filter((r) => !r.open)).toHaveLength(1);
      }
    });

    it("a withdrawal and a resolution at once: exactly one closes the dispute", async () => {
      const agentId = await newAgent();
      const reviewed = await underReview(agentId, "carol", "ada");

      const [withdrawal, resolution] = await Promise.all([
        withdraw(reviewed.id, "Withdrawing after all", BUYER("carol")),
        resolve(reviewed.id, "UPHELD", ARBITER("ada")),
      ]);

      const outcomes = [errorOf(withdrawal).code ?? "OK", errorOf(resolution).code ?? "OK"];
      expect(outcomes.filter((code) => code === "OK")).toHaveLength(1);
      expect(outcomes.filter((code) => code === "CONFLICT")).toHaveLength(1);
      const closing = (await storedTransitions(reviewed.id)).filter((step) => step.to === "RESOLVED" || step.to === "WITHDRAWN");
      expect(closing).toHaveLength(1);
      expect((await stored(reviewed.id))!.version).toBe(3);
    });
  });
});

/** A judged run that met its pact with plenty of cases: enough for a listed tier. */
function passingRun(agentId: string, submittedAt: Date): JudgedRun {
  const pactId = randomUUID();
  return {
    runId: randomUUID(),
    agentId,
    pactId,
    pactVersion: 1,
    casesPassed: 400,
    casesFailed: 0,
    runPassed: true,
    failedCriticalClauses: [],
    clauses: [
      { metric: "SEVERITY_CLASSIFICATION_ACCURACY", weight: 0.6, passed: 400, failed: 0 },
      { metric: "FALSE_POSITIVE_RATE", weight: 0.4, passed: 400, failed: 0 },
    ],
    terms: {
      pactId,
      pactVersion: 1,
      ladder: DEFAULT_LADDER,
      route: DEFAULT_ROUTE,
      owner: { team: "soc", contact: "soc@example.com", ackDeadlineMinutes: 60 },
    },
    submittedAt,
    judgedAt: new Date(submittedAt.getTime() + 60_000),
  };
}

describe.each(DATABASE_KINDS)("disputes reported to the real reputation context (%s)", (kind) => {
  let harness: SubgraphHarness;

  beforeAll(async () => {
    harness = await startSubgraphHarness(kind, (ds) => disputesSubgraph(ds, { ...OPTIONS, onDisputeChanged: recordDisputeState }));
  });
  afterAll(async () => {
    await harness?.stop();
  });

  const fileOk = async (agentId: string, filer: string, extra: Data = {}) =>
    dataOf(await harness.call(FILE, { input: { agentId, statement: STATEMENT, ...extra } }, BUYER(filer))).fileDispute;
  const assignOk = async (id: string, arbiter: string) => dataOf(await harness.call(ASSIGN, { id }, ARBITER(arbiter))).assignDispute;
  const resolveOk = async (disputeId: string, outcome: string, arbiter: string) =>
    dataOf(await harness.call(RESOLVE, { input: { disputeId, outcome, note: NOTE } }, ARBITER(arbiter))).resolveDispute;
  const withdrawOk = async (id: string) =>
    dataOf(await harness.call(WITHDRAW, { id, reason: "Withdrawn by the filer" }, BUYER("carol"))).withdrawDispute;

  /** The stored trust row, read with plain SQL. */
  async function trust(agentId: string) {
    const rows: { reputation_score: number | string; eligible: number | string | boolean; open_critical_disputes: number | string }[] =
      await harness.dataSource.query("SELECT reputation_score, eligible, open_critical_disputes FROM trust_profiles WHERE agent_id = ?", [
        agentId,
      ]);
    const row = rows[0];
    return row
      ? { reputation: Number(row.reputation_score), eligible: Number(row.eligible) === 1, openCritical: Number(row.open_critical_disputes) }
      : null;
  }

  it("an open CRITICAL dispute keeps an otherwise eligible agent off the listing until it is resolved or withdrawn", async () => {
    const agent = await harness.seedAgent(OWNER, [AgentDomain.ALERT_TRIAGE]);
    await inTransaction(harness.dataSource, (manager) => recordEvaluation(manager, passingRun(agent.id, new Date(Date.now() - 2 * DAY))));
    expect(await trust(agent.id)).toEqual({ reputation: 500, eligible: true, openCritical: 0 });

    const first = await fileOk(agent.id, "carol", { severity: "CRITICAL" });
    expect(await trust(agent.id)).toEqual({ reputation: 500, eligible: false, openCritical: 1 });
    await assignOk(first.id, "ada");
    expect(await trust(agent.id)).toEqual({ reputation: 500, eligible: false, openCritical: 1 });
    await resolveOk(first.id, "REJECTED", "ada");
    expect(await trust(agent.id)).toEqual({ reputation: 500, eligible: true, openCritical: 0 });

    // A MAJOR one does not unlist; a second CRITICAL one does, until withdrawn.
    await fileOk(agent.id, "carol", { severity: "MAJOR" });
    expect(await trust(agent.id)).toEqual({ reputation: 500, eligible: true, openCritical: 0 });
    const second = await fileOk(agent.id, "carol", { severity: "CRITICAL" });
    expect(await trust(agent.id)).toEqual({ reputation: 500, eligible: false, openCritical: 1 });
    await withdrawOk(second.id);
    expect(await trust(agent.id)).toEqual({ reputation: 500, eligible: true, openCritical: 0 });
  });

  it("an UPHELD CRITICAL dispute lowers the stored reputation by its weight, from when the behaviour happened", async () => {
    const agent = await harness.seedAgent(OWNER, [AgentDomain.ALERT_TRIAGE]);
    const rejectedAgent = await harness.seedAgent(OWNER, [AgentDomain.ALERT_TRIAGE]);
    const occurredAt = new Date(Date.now() - HOUR).toISOString();
    // A filer with no decided dispute yet: full credibility (earlier tests decided carol's).

    const upheld = await fileOk(agent.id, "nora", { severity: "CRITICAL", occurredAt });
    const rejected = await fileOk(rejectedAgent.id, "nora", { severity: "CRITICAL", occurredAt });
    // The newcomer prior Beta(5, 5): 1000 · 5 / 10.
    expect((await trust(agent.id))!.reputation).toBe(500);
    await assignOk(upheld.id, "ada");
    await assignOk(rejected.id, "ada");
    await resolveOk(upheld.id, "UPHELD", "ada");
    await resolveOk(rejected.id, "REJECTED", "ada");

    // 40 bad pseudo-observations for a CRITICAL dispute, at full weight (no evidence is newer
    // than the behaviour): 1000 · 5 / (5 + 5 + 40) = 100.
    expect(await trust(agent.id)).toMatchObject({ reputation: 100, openCritical: 0 });
    expect(await trust(rejectedAgent.id)).toMatchObject({ reputation: 500, openCritical: 0 });
    const states: { version: number | string; upheld: number | string | boolean; critical_open: number | string | boolean }[] =
      await harness.dataSource.query("SELECT version, upheld, critical_open FROM trust_dispute_states WHERE dispute_id = ?", [upheld.id]);
    expect(states.map((s) => [Number(s.version), Number(s.upheld), Number(s.critical_open)])).toEqual([[3, 1, 0]]);
  });
});
