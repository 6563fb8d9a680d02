import { randomUUID } from "node:crypto";
import type { EntityManager } from "typeorm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentDomain } from "../../../lib/contracts/agent-domain.js";
import type { ConsequenceSteps, ContestedStep, RunVerdicts } from "../../../lib/contracts/dispute-ports.js";
import { ConsequenceAction } from "../../../lib/contracts/consequence.js";
import { inTransaction } from "../../../lib/platform/database.js";
import type { DisputeStateReport } from "../../../lib/contracts/dispute-state.js";
import { ANONYMOUS, type Identity } from "../../../lib/platform/identity.js";
import { encodeCursor } from "../../../lib/platform/pagination.js";
import { DATABASE_KINDS } from "../../../test/support/databases.js";
import { dataOf, type GraphQLResponse } from "../../../test/support/graphql-client.js";
import { errorOf, startSubgraphHarness, type Data, type SubgraphHarness } from "../../../test/support/subgraph-harness.js";
import { DisputeTransition } from "../dispute-transition.entity.js";
import { ContestedKind, Dispute, DisputeCategory, DisputeKind, DisputeSeverity, DisputeStatus } from "../dispute.entity.js";
import { escalateOverdueDisputes } from "../dispute-deadline.sweep.js";
import { disputesSubgraph } from "../index.js";

/*
 * Builders' appeals (of upheld complaints and of consequence steps), served by the disputes
 * subgraph alone over HTTP on both engines, with a fake consequence-step port and a recording
 * reputation listener; the filer's record reported with each complaint transition; the
 * `disputes(filter)` list and the public, redacted `Agent.disputes` pages.
 */

const HOUR = 3600 * 1000;
const DAY = 24 * HOUR;

/** Deliberately not the configured defaults (3, 72 h, 14 d, 30 d): the subgraph must take its options. */
const APPEAL_DAYS = 5;
const OPTIONS = { maxOpenPerFiler: 2, responseHours: 10, resolutionDays: 4, appealDays: APPEAL_DAYS };

const FIELDS = `id agentId kind contested { kind id } respondent category statement severity
  evidence { caseIds runIds kpiReportIds external { url sha256 } }
  status outcome filedBy filedAt occurredAt assignedTo responseDueAt resolutionDueAt escalatedAt closedAt`;
const TRANSITIONS = `transitions { from to outcome actor note at }`;
const FILE = `mutation($input: FileDisputeInput!) { fileDispute(input: $input) { ${FIELDS} } }`;
const APPEAL = `mutation($input: AppealVerdictInput!) { appealVerdict(input: $input) { ${FIELDS} } }`;
const WITHDRAW = `mutation($id: ID!, $reason: String!) { withdrawDispute(disputeId: $id, reason: $reason) { ${FIELDS} } }`;
const ASSIGN = `mutation($id: ID!, $arbiter: ID) { assignDispute(disputeId: $id, arbiter: $arbiter) { ${FIELDS} } }`;
const RESOLVE = `mutation($input: ResolveDisputeInput!) { resolveDispute(input: $input) { ${FIELDS} } }`;
const DISPUTE = `query($id: ID!) { dispute(id: $id) { ${FIELDS} ${TRANSITIONS} } }`;
const LIST = `query($filter: DisputeFilter, $first: Int, $after: String) {
  disputes(filter: $filter, first: $first, after: $after) { edges { cursor node { id agentId kind status outcome filedBy assignedTo respondent filedAt } } pageInfo { hasNextPage endCursor } }
}`;
const AGENT_DISPUTES = `query($representations: [_Any!]!, $first: Int, $after: String) {
  _entities(representations: $representations) { ... on Agent { id disputes(first: $first, after: $after) {
    edges { cursor node { id kind category severity status outcome filedAt closedAt dispute { id statement filedBy respondent contested { kind id } } } }
    pageInfo { hasNextPage endCursor }
  } } }
}`;

const BUYER = (subject: string): Identity => ({ role: "buyer", subject });
const BUILDER = (subject: string): Identity => ({ role: "builder", subject });
const ARBITER = (subject: string): Identity => ({ role: "arbiter", subject });

/** Agents below are owned by this builder unless a test says otherwise. */
const OWNER = "alice";
const STATEMENT = "Downgraded a ransomware alert to LOW";
const APPEAL_STATEMENT = "The alert was a red-team exercise, announced in advance";
const NOTE = "The run logs show the downgrade plainly.";
const GRANT_NOTE = "The exercise notice predates the alert.";
const SHA = "0123456789abcdef".repeat(4);
const EMPTY_EVIDENCE = { caseIds: [], runIds: [], kpiReportIds: [], external: [] };

const iso = (value: Date | string | null | undefined) => (value == null ? value : new Date(value).toISOString());
const plus = (at: string, ms: number) => new Date(new Date(at).getTime() + ms).toISOString();
/** Newest first, then by id descending: the order every dispute list promises. */
const newestFirst = (a: Pick<Dispute, "id" | "filedAt">, b: Pick<Dispute, "id" | "filedAt">) =>
  b.filedAt.getTime() - a.filedAt.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
const codeOf = (response: GraphQLResponse<Data>) => (errorOf(response).code as string | undefined) ?? "OK";

/** Whether a manager runs inside a transaction: the port must be called in the caller's. */
const transactional = (manager: EntityManager) => manager.queryRunner?.isTransactionActive === true;

describe.each(DATABASE_KINDS)("dispute appeals, filer records and dispute lists (%s)", (kind) => {
  let harness: SubgraphHarness;
  /** Every report the subgraph made to its listener, in order. */
  const reports: DisputeStateReport[] = [];
  /** The consequence steps the fake port knows, by escalation id. */
  const steps = new Map<string, ContestedStep>();
  const findCalls: { id: string; inTransaction: boolean }[] = [];
  const liftCalls: { id: string; grant: { appealId: string; reason: string; at: Date }; inTransaction: boolean }[] = [];
  /** When set, lifting fails as an unavailable reputation context would. */
  let liftFails = false;
  /** When set, the step no longer stands when the grant tries to lift it. */
  let liftFindsNothing = false;
  /** The judged runs the fake port knows (by id), with the arbiters who reviewed their cases. */
  const runs = new Map<string, { agentId: string; judgedAt: Date; reviewers: string[]; setAside: boolean }>();
  const runLocks: { id: string; inTransaction: boolean }[] = [];
  const runVerdicts: RunVerdicts = {
    async find(_manager, id) {
      const run = runs.get(id);
      return run ? { agentId: run.agentId, judgedAt: run.judgedAt, standing: !run.setAside } : null;
    },
    async lock(manager, id) {
      runLocks.push({ id, inTransaction: transactional(manager) });
    },
    async setAside(_manager, id) {
      const run = runs.get(id);
      if (!run || run.setAside) return false;
      run.setAside = true;
      return true;
    },
    async reviewers(_manager, id) {
      return runs.get(id)?.reviewers ?? [];
    },
  };

  const consequenceSteps: ConsequenceSteps = {
    async find(manager, id) {
      findCalls.push({ id, inTransaction: transactional(manager) });
      return steps.get(id) ?? null;
    },
    async lift(manager, id, grant) {
      liftCalls.push({ id, grant, inTransaction: transactional(manager) });
      if (liftFails) throw new Error("reputation is unavailable");
      return !liftFindsNothing;
    },
  };

  beforeAll(async () => {
    harness = await startSubgraphHarness(kind, (ds) =>
      disputesSubgraph(ds, {
        ...OPTIONS,
        consequenceSteps,
        runVerdicts,
        onDisputeChanged: async (_manager, report) => {
          reports.push(report);
        },
      }),
    );
  });
  afterAll(async () => {
    await harness?.stop();
  });

  const newAgent = async (owner = OWNER) => (await harness.seedAgent(owner, [AgentDomain.ALERT_TRIAGE])).id;
  const file = (input: Data, identity: Identity) => harness.call(FILE, { input }, identity);
  const fileOk = async (agentId: string, filer: string, extra: Data = {}) =>
    dataOf(await file({ agentId, statement: STATEMENT, ...extra }, BUYER(filer))).fileDispute;
  const appeal = (input: Data, identity: Identity = BUILDER(OWNER)) => harness.call(APPEAL, { input }, identity);
  const appealOf = (contestedKind: "DISPUTE" | "CONSEQUENCE" | "RUN", id: string, extra: Data = {}) => ({
    contested: { kind: contestedKind, id },
    statement: APPEAL_STATEMENT,
    ...extra,
  });
  const appealOk = async (contestedKind: "DISPUTE" | "CONSEQUENCE", id: string, builder = OWNER, extra: Data = {}) =>
    dataOf(await appeal(appealOf(contestedKind, id, extra), BUILDER(builder))).appealVerdict;
  const withdraw = (id: string, reason: string, identity: Identity) => harness.call(WITHDRAW, { id, reason }, identity);
  const assign = (id: string, identity: Identity, arbiter?: string) =>
    harness.call(ASSIGN, arbiter === undefined ? { id } : { id, arbiter }, identity);
  const resolve = (disputeId: string, outcome: string, identity: Identity, note = NOTE) =>
    harness.call(RESOLVE, { input: { disputeId, outcome, note } }, identity);
  const read = (id: string, identity: Identity) => harness.call(DISPUTE, { id }, identity);
  const list = (variables: Data, identity: Identity) => harness.call(LIST, variables, identity);
  const stored = (id: string) => harness.dataSource.getRepository(Dispute).findOneBy({ id });
  const storedTransitions = async (id: string) =>
    await harness.dataSource.getRepository(DisputeTransition).find({ where: { disputeId: id }, order: { version: "ASC" } });
  const reportsOf = (id: string) => reports.filter((report) => report.disputeId === id);

  /** A complaint by `filer` decided as `outcome` by `arbiter`. */
  async function decided(agentId: string, filer: string, outcome: string, arbiter = "ada", extra: Data = {}) {
    const filed = await fileOk(agentId, filer, extra);
    dataOf(await assign(filed.id, ARBITER(arbiter)));
    return dataOf(await resolve(filed.id, outcome, ARBITER(arbiter))).resolveDispute;
  }

  /** An appeal taken up and decided by `arbiter` (not the one who upheld the complaint). */
  async function decideAppeal(appealId: string, outcome: string, arbiter = "bea", note = GRANT_NOTE) {
    dataOf(await assign(appealId, ARBITER(arbiter)));
    return dataOf(await resolve(appealId, outcome, ARBITER(arbiter), note)).resolveDispute;
  }

  /** Sets a dispute's closing time straight in the table, as if it had been decided then. */
  const closeAt = (id: string, at: Date) =>
    inTransaction(harness.dataSource, (manager) => manager.update(Dispute, { id }, { closedAt: at }));

  /** A dispute written straight to the table, for list and page tests. */
  async function insertDispute(agentId: string, fields: Partial<Dispute> = {}): Promise<Dispute> {
    const filedAt = fields.filedAt ?? new Date();
    const row = Object.assign(new Dispute(), {
      id: randomUUID(),
      agentId,
      kind: DisputeKind.COMPLAINT,
      contestedKind: null,
      contestedId: null,
      respondent: null,
      category: DisputeCategory.OTHER,
      statement: STATEMENT,
      severity: DisputeSeverity.MAJOR,
      evidence: EMPTY_EVIDENCE,
      status: DisputeStatus.OPEN,
      outcome: null,
      filedBy: "seeder",
      filedAt,
      occurredAt: filedAt,
      assignedTo: null,
      responseDueAt: new Date(filedAt.getTime() + 10 * HOUR),
      resolutionDueAt: new Date(filedAt.getTime() + 4 * DAY),
      escalatedAt: null,
      closedAt: null,
      version: 1,
      ...fields,
    });
    await inTransaction(harness.dataSource, (manager) => manager.insert(Dispute, row));
    return row;
  }

  /** A consequence step the fake port knows, on `agentId`, taken `ageMs` ago (standing, fired by a run unless told). */
  function knownStep(agentId: string, ageMs = HOUR, extra: Partial<ContestedStep> = {}): { id: string; takenAt: Date } {
    const id = randomUUID();
    const takenAt = new Date(Date.now() - ageMs);
    steps.set(id, {
      agentId,
      action: ConsequenceAction.THROTTLE,
      takenAt,
      standing: true,
      cause: { kind: "EVALUATION_RUN", id: randomUUID() },
      ...extra,
    });
    return { id, takenAt };
  }

  /** Everything a refused call must leave as it was. */
  const snapshot = async (disputeId?: string) => ({
    disputes: await harness.count("disputes"),
    transitions: await harness.count("dispute_transitions"),
    filers: await harness.count("dispute_filers"),
    reports: reports.length,
    lifts: liftCalls.length,
    row: disputeId ? await stored(disputeId) : undefined,
  });

  async function expectRefused(act: () => Promise<GraphQLResponse<Data>>, expected: { code: string; field?: string }, disputeId?: string) {
    const before = await snapshot(disputeId);
    const response = await act();
    const error = errorOf(response);
    expect({ code: error.code, ...("field" in expected ? { field: error.field } : {}) }).toEqual(expected);
    expect(response.data?.appealVerdict ?? null).toBeNull();
    expect(await snapshot(disputeId)).toEqual(before);
    return response;
  }

  describe("appealVerdict on an upheld complaint", () => {
    it("files an OPEN appeal by the agent's builder: the complaint contested, its filer the respondent, its category and severity, dated from the verdict, and tells reputation nothing", async () => {
      const agentId = await newAgent();
      const complaint = await decided(agentId, "bob", "UPHELD", "ada", { category: "MISCLASSIFICATION", severity: "CRITICAL" });
      const reportsBefore = reports.length;
      const findsBefore = findCalls.length;
      const before = Date.now();

      const filed = await appealOk("DISPUTE", complaint.id, OWNER, {
        statement: `  ${APPEAL_STATEMENT}  `,
        evidence: { caseIds: ["case-3"], external: [{ url: "https://evidence.example/notice.pdf", sha256: SHA.toUpperCase() }] },
      });
      const after = Date.now();

      expect(filed).toMatchObject({
        agentId,
        kind: "APPEAL",
        contested: { kind: "DISPUTE", id: complaint.id },
        respondent: "bob",
        category: "MISCLASSIFICATION",
        severity: "CRITICAL",
        statement: APPEAL_STATEMENT,
        evidence: {
          caseIds: ["case-3"],
          runIds: [],
          kpiReportIds: [],
          external: [{ url: "https://evidence.example/notice.pdf", sha256: SHA }],
        },
        status: "OPEN",
        outcome: null,
        filedBy: OWNER,
        assignedTo: null,
        escalatedAt: null,
        closedAt: null,
      });
      expect(new Date(filed.filedAt).getTime()).toBeGreaterThanOrEqual(before);
      expect(new Date(filed.filedAt).getTime()).toBeLessThanOrEqual(after);
      // An appeal's "behaviour" is the verdict it contests.
      expect(filed.occurredAt).toBe(complaint.closedAt);
      expect(filed.responseDueAt).toBe(plus(filed.filedAt, 10 * HOUR));
      expect(filed.resolutionDueAt).toBe(plus(filed.filedAt, 4 * DAY));

      expect(await stored(filed.id)).toMatchObject({
        kind: "APPEAL",
        contestedKind: "DISPUTE",
        contestedId: complaint.id,
        respondent: "bob",
        version: 1,
        status: "OPEN",
      });
      const filing = await storedTransitions(filed.id);
      expect(filing.map(({ version, from, to, outcome, actor }) => ({ version, from, to, outcome, actor }))).toEqual([
        { version: 1, from: null, to: "OPEN", outcome: null, actor: `builder:${OWNER}` },
      ]);
      expect(iso(filing[0]!.at)).toBe(filed.filedAt);

      // No report at all: neither for the appeal nor for the complaint, which is unchanged.
      expect(reports.length).toBe(reportsBefore);
      expect(await stored(complaint.id)).toMatchObject({ status: "RESOLVED", outcome: "UPHELD", version: 3 });
      // The consequence-step port is not asked about a complaint.
      expect(findCalls.length).toBe(findsBefore);
    });

    it("a granted (UPHELD) appeal reverses the complaint to REJECTED by a step of its own, reported as no longer upheld at version + 1; the appeal's own steps are never reported", async () => {
      const agentId = await newAgent();
      const complaint = await decided(agentId, "cleo", "UPHELD", "ada", {
        severity: "MAJOR",
        occurredAt: new Date(Date.now() - 3 * DAY).toISOString(),
      });
      const filed = await appealOk("DISPUTE", complaint.id);
      dataOf(await assign(filed.id, ARBITER("bea")));
      const liftsBefore = liftCalls.length;

      const granted = dataOf(await resolve(filed.id, "UPHELD", ARBITER("bea"), `  ${GRANT_NOTE}  `)).resolveDispute;

      expect(granted).toMatchObject({ id: filed.id, kind: "APPEAL", status: "RESOLVED", outcome: "UPHELD", assignedTo: "bea" });
      expect(await stored(filed.id)).toMatchObject({ status: "RESOLVED", outcome: "UPHELD", version: 3 });
      expect((await storedTransitions(filed.id)).map(({ from, to, outcome, actor }) => [from, to, outcome, actor])).toEqual([
        [null, "OPEN", null, `builder:${OWNER}`],
        ["OPEN", "UNDER_REVIEW", null, "arbiter:bea"],
        ["UNDER_REVIEW", "RESOLVED", "UPHELD", "arbiter:bea"],
      ]);

      // The complaint: REJECTED now, still closed when it was, one step more.
      const reversed = await stored(complaint.id);
      expect(reversed).toMatchObject({ status: "RESOLVED", outcome: "REJECTED", version: 4, assignedTo: "ada" });
      expect(iso(reversed!.closedAt)).toBe(complaint.closedAt);
      const complaintSteps = await storedTransitions(complaint.id);
      expect(complaintSteps).toHaveLength(4);
      expect(complaintSteps[3]).toMatchObject({ version: 4, from: "RESOLVED", to: "RESOLVED", outcome: "REJECTED", actor: "arbiter:bea" });
      expect(complaintSteps[3]!.note).toContain(filed.id);
      expect(complaintSteps[3]!.note).toContain(GRANT_NOTE);
      expect(iso(complaintSteps[3]!.at)).toBe(granted.closedAt);

      // Reputation heard of the complaint only: filed, assigned, upheld, then reversed.
      expect(reportsOf(filed.id)).toEqual([]);
      const told = reportsOf(complaint.id);
      expect(told.map(({ version, open, upheld }) => ({ version, open, upheld }))).toEqual([
        { version: 1, open: true, upheld: false },
        { version: 2, open: true, upheld: false },
        { version: 3, open: false, upheld: true },
        { version: 4, open: false, upheld: false },
      ]);
      expect(told[3]).toMatchObject({ agentId, disputeId: complaint.id, severity: "MAJOR", filerRecord: { upheld: 0, rejected: 0 } });
      expect(iso(told[3]!.occurredAt)).toBe(complaint.occurredAt);
      expect(iso(told[3]!.at)).toBe(granted.closedAt);
      // A complaint is not a consequence step.
      expect(liftCalls.length).toBe(liftsBefore);

      // The reversed complaint can no longer be appealed: it is not upheld.
      await expectRefused(() => appeal(appealOf("DISPUTE", complaint.id)), { code: "CONFLICT", field: "input.contested.id" }, complaint.id);
    });

    for (const outcome of ["REJECTED", "SETTLED"] as const) {
      it(`an appeal resolved as ${outcome} leaves the complaint upheld and reports nothing`, async () => {
        const agentId = await newAgent();
        const complaint = await decided(agentId, "dale", "UPHELD");
        const filed = await appealOk("DISPUTE", complaint.id);
        const reportsBefore = reports.length;

        const resolved = await decideAppeal(filed.id, outcome);

        expect(resolved).toMatchObject({ status: "RESOLVED", outcome });
        expect(await stored(complaint.id)).toMatchObject({ status: "RESOLVED", outcome: "UPHELD", version: 3 });
        expect(await storedTransitions(complaint.id)).toHaveLength(3);
        expect(reports.length).toBe(reportsBefore);
        // Decided once: the same verdict is not appealed again.
        await expectRefused(() => appeal(appealOf("DISPUTE", complaint.id)), { code: "CONFLICT", field: "input.contested.id" });
      });
    }

    it("a withdrawn appeal leaves the complaint upheld, reports nothing, and may be filed again", async () => {
      const agentId = await newAgent();
      const complaint = await decided(agentId, "dale", "UPHELD");
      const filed = await appealOk("DISPUTE", complaint.id);
      const reportsBefore = reports.length;

      // Only the builder who filed it withdraws it: not the respondent, nor a buyer with the builder's subject.
      await expectRefused(() => withdraw(filed.id, "Not mine to withdraw", BUYER("dale")), { code: "FORBIDDEN" }, filed.id);
      await expectRefused(() => withdraw(filed.id, "Not mine to withdraw", BUYER(OWNER)), { code: "FORBIDDEN" }, filed.id);
      const withdrawn = dataOf(await withdraw(filed.id, "Filed before reading the verdict", BUILDER(OWNER))).withdrawDispute;

      expect(withdrawn).toMatchObject({ status: "WITHDRAWN", outcome: null });
      expect((await storedTransitions(filed.id)).at(-1)).toMatchObject({ from: "OPEN", to: "WITHDRAWN", actor: `builder:${OWNER}` });
      expect(await stored(complaint.id)).toMatchObject({ status: "RESOLVED", outcome: "UPHELD", version: 3 });
      expect(reports.length).toBe(reportsBefore);

      const again = await appealOk("DISPUTE", complaint.id);
      expect(again).toMatchObject({ kind: "APPEAL", status: "OPEN", contested: { kind: "DISPUTE", id: complaint.id } });
      expect(again.id).not.toBe(filed.id);
      // While that one is open, a third is refused.
      await expectRefused(() => appeal(appealOf("DISPUTE", complaint.id)), { code: "CONFLICT", field: "input.contested.id" });
    });

    it("refuses a complaint that is not upheld (open, under review, rejected, settled, withdrawn) as CONFLICT on `input.contested.id`, writing nothing", async () => {
      const agentId = await newAgent();
      const open = await fileOk(agentId, "erin");
      const reviewed = await fileOk(agentId, "fay");
      dataOf(await assign(reviewed.id, ARBITER("ada")));
      const rejected = await decided(agentId, "gail", "REJECTED");
      const settled = await decided(agentId, "hal", "SETTLED");
      const withdrawn = await fileOk(agentId, "ike");
      dataOf(await withdraw(withdrawn.id, "Changed my mind", BUYER("ike")));

      for (const id of [open.id, reviewed.id, rejected.id, settled.id, withdrawn.id]) {
        await expectRefused(() => appeal(appealOf("DISPUTE", id)), { code: "CONFLICT", field: "input.contested.id" }, id);
      }
    });

    it("refuses an unknown complaint, an appeal's id and a complaint's id given as a consequence step as NOT_FOUND on `input.contested.id`", async () => {
      const agentId = await newAgent();
      const complaint = await decided(agentId, "jack", "UPHELD");
      const filed = await appealOk("DISPUTE", complaint.id);

      await expectRefused(() => appeal(appealOf("DISPUTE", randomUUID())), { code: "NOT_FOUND", field: "input.contested.id" });
      // An appeal is not a complaint: appeals of appeals do not exist.
      await expectRefused(() => appeal(appealOf("DISPUTE", filed.id)), { code: "NOT_FOUND", field: "input.contested.id" }, filed.id);
      await expectRefused(
        () => appeal(appealOf("CONSEQUENCE", complaint.id)),
        { code: "NOT_FOUND", field: "input.contested.id" },
        complaint.id,
      );
    });

    it("refuses a complaint decided more than appealDays ago as CONFLICT on `input.contested.id`, and accepts one decided just within", async () => {
      const agentId = await newAgent();
      const late = await decided(agentId, "kim", "UPHELD");
      const timely = await decided(agentId, "lou", "UPHELD");
      await closeAt(late.id, new Date(Date.now() - APPEAL_DAYS * DAY - 60_000));
      await closeAt(timely.id, new Date(Date.now() - APPEAL_DAYS * DAY + HOUR));

      const refused = await expectRefused(
        () => appeal(appealOf("DISPUTE", late.id)),
        { code: "CONFLICT", field: "input.contested.id" },
        late.id,
      );
      expect(errorOf(refused).message).toContain(`${APPEAL_DAYS} days`);
      const accepted = await appealOk("DISPUTE", timely.id);
      expect(accepted.occurredAt).toBe(iso((await stored(timely.id))!.closedAt));
    });

    const callers: { caller: string; identity: Identity; code: string }[] = [
      { caller: "another builder", identity: BUILDER("mallory"), code: "FORBIDDEN" },
      { caller: "the complaint's filer", identity: BUYER("mona"), code: "FORBIDDEN" },
      { caller: "a buyer with the owner's subject", identity: BUYER(OWNER), code: "FORBIDDEN" },
      { caller: "an arbiter", identity: ARBITER("ada"), code: "FORBIDDEN" },
      { caller: "an arbiter with the owner's subject", identity: ARBITER(OWNER), code: "FORBIDDEN" },
      { caller: "an anonymous caller", identity: ANONYMOUS, code: "UNAUTHENTICATED" },
    ];
    for (const { caller, identity, code } of callers) {
      it(`is refused to ${caller} with ${code}, writing nothing (not even the filer's lock row)`, async () => {
        const agentId = await newAgent();
        const complaint = await decided(agentId, "mona", "UPHELD");
        await expectRefused(() => appeal(appealOf("DISPUTE", complaint.id), identity), { code }, complaint.id);
      });
    }

    const badInputs: { what: string; input: (id: string) => Data; field: string }[] = [
      {
        what: "a statement under 10 characters",
        input: (id) => appealOf("DISPUTE", id, { statement: "too short" }),
        field: "input.statement",
      },
      {
        what: "a statement under 10 characters once trimmed",
        input: (id) => appealOf("DISPUTE", id, { statement: "    wrong     " }),
        field: "input.statement",
      },
      {
        what: "a statement over 4000 characters",
        input: (id) => appealOf("DISPUTE", id, { statement: "x".repeat(4001) }),
        field: "input.statement",
      },
      { what: "an empty contested id", input: () => appealOf("DISPUTE", ""), field: "input.contested.id" },
      { what: "a contested id over 36 characters", input: (id) => appealOf("DISPUTE", `${id}-x`), field: "input.contested.id" },
      {
        what: "an unknown contested kind",
        input: (id) => ({ contested: { kind: "VERDICT", id }, statement: APPEAL_STATEMENT }),
        field: "input.contested.kind",
      },
      {
        what: "a bad SHA-256 of evidence",
        input: (id) => appealOf("DISPUTE", id, { evidence: { external: [{ url: "https://e.example/a", sha256: "g".repeat(64) }] } }),
        field: "input.evidence.external[0].sha256",
      },
    ];
    for (const { what, input, field } of badInputs) {
      it(`refuses ${what} as BAD_USER_INPUT on \`${field}\`, writing nothing`, async () => {
        const agentId = await newAgent();
        const complaint = await decided(agentId, "nina", "UPHELD");
        await expectRefused(() => appeal(input(complaint.id)), { code: "BAD_USER_INPUT", field }, complaint.id);
      });
    }

    it("holds the builder to the open-dispute cap per agent, counting only their own open appeals", async () => {
      const agentId = await newAgent();
      const complaints: Data[] = [];
      for (const filer of ["opal", "pete", "quin"]) complaints.push(await decided(agentId, filer, "UPHELD"));
      // Another buyer's open complaints about the agent do not count against the builder.
      await fileOk(agentId, "rosa");
      await fileOk(agentId, "rosa");
      const first = await appealOk("DISPUTE", complaints[0]!.id);
      await appealOk("DISPUTE", complaints[1]!.id);

      await expectRefused(
        () => appeal(appealOf("DISPUTE", complaints[2]!.id)),
        { code: "CONFLICT", field: "input.contested.id" },
        complaints[2]!.id,
      );

      // Once one is decided, the third may be filed.
      await decideAppeal(first.id, "REJECTED");
      expect((await appealOk("DISPUTE", complaints[2]!.id)).status).toBe("OPEN");
    });

    it("is never decided by the arbiter who upheld the complaint, nor by the respondent's or the owner's subject", async () => {
      const agentId = await newAgent();
      const complaint = await decided(agentId, "sam", "UPHELD", "ada");
      const filed = await appealOk("DISPUTE", complaint.id);

      for (const [caller, assignee] of [
        ["ada", undefined],
        ["olga", "ada"],
        ["ada", "bea"],
        ["sam", undefined],
        ["olga", "sam"],
        [OWNER, undefined],
      ] as const) {
        const before = await snapshot(filed.id);
        expect(codeOf(await assign(filed.id, ARBITER(caller), assignee))).toBe("FORBIDDEN");
        expect(await snapshot(filed.id)).toEqual(before);
      }
      expect(dataOf(await assign(filed.id, ARBITER("olga"), "bea")).assignDispute).toMatchObject({
        status: "UNDER_REVIEW",
        assignedTo: "bea",
      });
    });

    it("is read in full by its parties (the builder, the respondent) and arbiters; not by other buyers or a buyer with the builder's subject", async () => {
      const agentId = await newAgent();
      const complaint = await decided(agentId, "tess", "UPHELD");
      const filed = await appealOk("DISPUTE", complaint.id);

      for (const identity of [BUILDER(OWNER), BUYER("tess"), ARBITER("zed")]) {
        const shown = dataOf(await read(filed.id, identity)).dispute;
        expect(shown).toMatchObject({ id: filed.id, kind: "APPEAL", statement: APPEAL_STATEMENT, respondent: "tess" });
        expect(shown.transitions.map((step: Data) => step.actor)).toEqual([`builder:${OWNER}`]);
      }
      for (const identity of [BUYER("uma"), BUYER(OWNER), BUILDER("tess"), BUILDER("mallory")]) {
        const response = await read(filed.id, identity);
        expect(errorOf(response).code).toBe("FORBIDDEN");
        expect(JSON.stringify(response)).not.toContain(APPEAL_STATEMENT);
      }
    });

    it("two appeals of one complaint by its owner at once: exactly one is filed, the other is a CONFLICT", async () => {
      for (let round = 0; round < 3; round += 1) {
        const agentId = await newAgent();
        const complaint = await decided(agentId, "vic", "UPHELD");

        const responses = await Promise.all([
          appeal(appealOf("DISPUTE", complaint.id, { statement: `${APPEAL_STATEMENT} (first)` })),
          appeal(appealOf("DISPUTE", complaint.id, { statement: `${APPEAL_STATEMENT} (second)` })),
        ]);

        expect(responses.map(codeOf).sort()).toEqual(["CONFLICT", "OK"]);
        const loser = responses.find((response) => codeOf(response) === "CONFLICT")!;
        expect(errorOf(loser).field).toBe("input.contested.id");
        const appeals = await harness.dataSource.getRepository(Dispute).findBy({ kind: DisputeKind.APPEAL, contestedId: complaint.id });
        expect(appeals).toHaveLength(1);
        expect(appeals[0]!.id).toBe(responses.find((response) => codeOf(response) === "OK")!.data!.appealVerdict.id);
        expect(await storedTransitions(appeals[0]!.id)).toHaveLength(1);
      }
    });
  });

  describe("appealVerdict on a consequence step", () => {
    it("asks the port for the step at filing, inside the filing's transaction, and files an appeal dated from the step: category OTHER, severity MAJOR, no respondent, nothing reported", async () => {
      const agentId = await newAgent();
      const step = knownStep(agentId, 2 * DAY);
      const reportsBefore = reports.length;
      const liftsBefore = liftCalls.length;

      const filed = await appealOk("CONSEQUENCE", step.id);

      expect(filed).toMatchObject({
        agentId,
        kind: "APPEAL",
        contested: { kind: "CONSEQUENCE", id: step.id },
        respondent: null,
        category: "OTHER",
        severity: "MAJOR",
        statement: APPEAL_STATEMENT,
        status: "OPEN",
        filedBy: OWNER,
        evidence: EMPTY_EVIDENCE,
      });
      expect(filed.occurredAt).toBe(step.takenAt.toISOString());
      const asked = findCalls.filter((call) => call.id === step.id);
      expect(asked.length).toBeGreaterThanOrEqual(1);
      expect(asked.some((call) => call.inTransaction)).toBe(true);
      expect(liftCalls.length).toBe(liftsBefore);
      expect(reports.length).toBe(reportsBefore);
      expect(await stored(filed.id)).toMatchObject({
        kind: "APPEAL",
        contestedKind: "CONSEQUENCE",
        contestedId: step.id,
        respondent: null,
      });
    });

    it("a granted appeal lifts the step in the resolution's transaction, with the appeal, the arbiter's reason and the time; nothing is reported", async () => {
      const agentId = await newAgent();
      const step = knownStep(agentId);
      const filed = await appealOk("CONSEQUENCE", step.id);
      const reportsBefore = reports.length;
      const liftsBefore = liftCalls.length;

      const granted = await decideAppeal(filed.id, "UPHELD", "bea");

      expect(granted).toMatchObject({ status: "RESOLVED", outcome: "UPHELD" });
      const lifts = liftCalls.slice(liftsBefore);
      expect(lifts).toHaveLength(1);
      expect(lifts[0]).toMatchObject({ id: step.id, inTransaction: true, grant: { appealId: filed.id } });
      expect(lifts[0]!.grant.reason).toContain(GRANT_NOTE);
      expect(lifts[0]!.grant.reason).toContain("bea");
      expect(iso(lifts[0]!.grant.at)).toBe(granted.closedAt);
      expect(reports.length).toBe(reportsBefore);
    });

    for (const outcome of ["REJECTED", "SETTLED", "WITHDRAWN"] as const) {
      it(`an appeal ${outcome === "WITHDRAWN" ? "withdrawn" : `resolved as ${outcome}`} lifts nothing and reports nothing`, async () => {
        const agentId = await newAgent();
        const step = knownStep(agentId);
        const filed = await appealOk("CONSEQUENCE", step.id);
        const reportsBefore = reports.length;
        const liftsBefore = liftCalls.length;

        if (outcome === "WITHDRAWN") dataOf(await withdraw(filed.id, "The step was lifted meanwhile", BUILDER(OWNER)));
        else expect(await decideAppeal(filed.id, outcome)).toMatchObject({ status: "RESOLVED", outcome });

        expect(liftCalls.length).toBe(liftsBefore);
        expect(reports.length).toBe(reportsBefore);
      });
    }

    it("refuses to file an appeal of a step that no longer stands (CONFLICT), and to grant one whose step has gone since (CONFLICT on input.outcome), writing nothing", async () => {
      const agentId = await newAgent();
      const overtaken = knownStep(agentId, HOUR, { standing: false });
      await expectRefused(() => appeal(appealOf("CONSEQUENCE", overtaken.id)), { code: "CONFLICT", field: "input.contested.id" });

      const step = knownStep(agentId);
      const filed = await appealOk("CONSEQUENCE", step.id);
      dataOf(await assign(filed.id, ARBITER("bea")));
      const before = { row: await stored(filed.id), steps: (await storedTransitions(filed.id)).length };
      liftFindsNothing = true;
      const response = await resolve(filed.id, "UPHELD", ARBITER("bea")).finally(() => {
        liftFindsNothing = false;
      });
      expect(errorOf(response)).toMatchObject({ code: "CONFLICT", field: "input.outcome" });
      expect({ row: await stored(filed.id), steps: (await storedTransitions(filed.id)).length }).toEqual(before);
      // Settling closes it.
      expect(dataOf(await resolve(filed.id, "SETTLED", ARBITER("bea"))).resolveDispute).toMatchObject({
        status: "RESOLVED",
        outcome: "SETTLED",
      });
    });

    it("is never heard by the arbiter who upheld the complaint that fired the step, nor by one who reviewed the run that did", async () => {
      const agentId = await newAgent();
      const complaint = await decided(agentId, "bob", "UPHELD", "ada");
      const byComplaint = await appealOk("CONSEQUENCE", knownStep(agentId, HOUR, { cause: { kind: "DISPUTE", id: complaint.id } }).id);
      expect(errorOf(await assign(byComplaint.id, ARBITER("ada")))).toMatchObject({
        code: "FORBIDDEN",
        message: "Not ada: an arbiter never hears the appeal of their own verdict",
      });

      const runId = randomUUID();
      runs.set(runId, { agentId, judgedAt: new Date(), reviewers: ["rex"], setAside: false });
      const byRun = await appealOk("CONSEQUENCE", knownStep(agentId, HOUR, { cause: { kind: "EVALUATION_RUN", id: runId } }).id);
      expect(errorOf(await assign(byRun.id, ARBITER("rex")))).toMatchObject({
        code: "FORBIDDEN",
        message: "Not rex: an arbiter never hears the appeal of their own verdict",
      });
      expect(dataOf(await assign(byRun.id, ARBITER("bea"))).assignDispute).toMatchObject({ status: "UNDER_REVIEW", assignedTo: "bea" });
    });

    it("writes nothing of the resolution when the lift fails: the grant is part of the transaction", async () => {
      const agentId = await newAgent();
      const step = knownStep(agentId);
      const filed = await appealOk("CONSEQUENCE", step.id);
      dataOf(await assign(filed.id, ARBITER("bea")));
      const before = { row: await stored(filed.id), steps: (await storedTransitions(filed.id)).length };

      liftFails = true;
      const response = await resolve(filed.id, "UPHELD", ARBITER("bea")).finally(() => {
        liftFails = false;
      });

      expect(codeOf(response)).toBe("INTERNAL_SERVER_ERROR");
      expect(await stored(filed.id)).toEqual(before.row);
      expect(before.row).toMatchObject({ status: "UNDER_REVIEW", version: 2 });
      expect(await storedTransitions(filed.id)).toHaveLength(before.steps);
    });

    it("refuses a step taken more than appealDays ago as CONFLICT on `input.contested.id`, and accepts one taken just within", async () => {
      const agentId = await newAgent();
      const old = knownStep(agentId, APPEAL_DAYS * DAY + 60_000);
      const recent = knownStep(agentId, APPEAL_DAYS * DAY - HOUR);

      await expectRefused(() => appeal(appealOf("CONSEQUENCE", old.id)), { code: "CONFLICT", field: "input.contested.id" });
      expect((await appealOk("CONSEQUENCE", recent.id)).occurredAt).toBe(recent.takenAt.toISOString());
    });

    it("refuses an unknown step as NOT_FOUND, a step on another builder's agent as FORBIDDEN, and a step appealed already as CONFLICT", async () => {
      const mine = await newAgent();
      const theirs = await newAgent("walt");
      const step = knownStep(mine);
      const foreign = knownStep(theirs);
      await appealOk("CONSEQUENCE", step.id);

      await expectRefused(() => appeal(appealOf("CONSEQUENCE", randomUUID())), { code: "NOT_FOUND", field: "input.contested.id" });
      await expectRefused(() => appeal(appealOf("CONSEQUENCE", foreign.id)), { code: "FORBIDDEN" });
      await expectRefused(() => appeal(appealOf("CONSEQUENCE", step.id)), { code: "CONFLICT", field: "input.contested.id" });
      // The step's own builder may appeal it.
      expect((await appealOk("CONSEQUENCE", foreign.id, "walt")).agentId).toBe(theirs);
    });

    it("two appeals of one step at once: exactly one is filed, the other is a CONFLICT", async () => {
      for (let round = 0; round < 2; round += 1) {
        const agentId = await newAgent();
        const step = knownStep(agentId);

        const responses = await Promise.all([appeal(appealOf("CONSEQUENCE", step.id)), appeal(appealOf("CONSEQUENCE", step.id))]);

        expect(responses.map(codeOf).sort()).toEqual(["CONFLICT", "OK"]);
        expect(await harness.dataSource.getRepository(Dispute).countBy({ kind: DisputeKind.APPEAL, contestedId: step.id })).toBe(1);
      }
    });
  });

  describe("the filer's record reported with each complaint transition", () => {
    it("counts the filer's other resolved complaints, UPHELD and REJECTED, across agents: not the dispute itself, not settled, withdrawn or open ones, not appeals, not another subject", async () => {
      const filer = "fern";
      const [a1, a2, a3] = [await newAgent(), await newAgent(), await newAgent()];
      const upheld = await decided(a1, filer, "UPHELD");
      await decided(a2, filer, "REJECTED");
      await decided(a3, filer, "REJECTED");
      await decided(a1, filer, "SETTLED");
      const withdrawn = await fileOk(a2, filer);
      dataOf(await withdraw(withdrawn.id, "Raised it in the wrong place", BUYER(filer)));
      await fileOk(a3, filer);
      // A subject that differs only in case is someone else.
      await decided(a1, "FERN", "UPHELD");
      await decided(a2, "Fern", "REJECTED");
      // The same subject as a builder: appeals of verdicts on her own agent, decided both ways, are not complaints.
      const own = await newAgent(filer);
      const appealedLost = await decided(own, "gus", "UPHELD");
      const appealedWon = await decided(own, "gus", "UPHELD");
      await decideAppeal((await appealOk("DISPUTE", appealedLost.id, filer)).id, "REJECTED");
      await decideAppeal((await appealOk("DISPUTE", appealedWon.id, filer)).id, "UPHELD");

      // gus's reversed complaint was reported with his other decided complaint (upheld), not itself.
      expect(reportsOf(appealedWon.id).at(-1)).toMatchObject({ version: 4, upheld: false, filerRecord: { upheld: 1, rejected: 0 } });

      const fresh = await fileOk(a2, filer);
      dataOf(await assign(fresh.id, ARBITER("ada")));
      dataOf(await resolve(fresh.id, "UPHELD", ARBITER("ada")));
      // Filing, assignment and its own resolution: always the others, 1 upheld and 2 rejected.
      expect(reportsOf(fresh.id).map(({ version, upheld, filerRecord }) => ({ version, upheld, filerRecord }))).toEqual([
        { version: 1, upheld: false, filerRecord: { upheld: 1, rejected: 2 } },
        { version: 2, upheld: false, filerRecord: { upheld: 1, rejected: 2 } },
        { version: 3, upheld: true, filerRecord: { upheld: 1, rejected: 2 } },
      ]);

      // Her first upheld complaint is reversed on appeal: reported without itself (1 upheld: `fresh`, 2 rejected)...
      await decideAppeal((await appealOk("DISPUTE", upheld.id)).id, "UPHELD");
      expect(reportsOf(upheld.id).at(-1)).toMatchObject({
        version: 4,
        open: false,
        upheld: false,
        filerRecord: { upheld: 1, rejected: 2 },
      });
      // ...and counts as rejected from then on.
      const next = await fileOk(a1, filer);
      expect(reportsOf(next.id)).toEqual([
        expect.objectContaining({ version: 1, open: true, upheld: false, filerRecord: { upheld: 1, rejected: 3 } }),
      ]);
    });

    it("a filer with no decided complaint reports an empty record", async () => {
      const agentId = await newAgent();
      const filed = await fileOk(agentId, "hugo");
      expect(reportsOf(filed.id)).toEqual([expect.objectContaining({ filerRecord: { upheld: 0, rejected: 0 } })]);
    });
  });

  describe("Agent.disputes", () => {
    const page = (agentIds: string[], variables: Data, identity: Identity = ANONYMOUS) =>
      harness.call(AGENT_DISPUTES, { representations: agentIds.map((id) => ({ __typename: "Agent", id })), ...variables }, identity);

    let agentId: string;
    let ivanComplaint: Data;
    let hanaComplaint: Data;
    let theAppeal: Data;

    beforeAll(async () => {
      agentId = await newAgent();
      hanaComplaint = await decided(agentId, "hana", "UPHELD", "ada", { category: "MISSED_ESCALATION", severity: "CRITICAL" });
      ivanComplaint = await fileOk(agentId, "ivan", { category: "DATA_HANDLING", severity: "MINOR" });
      theAppeal = await appealOk("DISPUTE", hanaComplaint.id);
    });

    it("lists every dispute about the agent, newest first, to anyone as a summary; in full only to its parties and arbiters", async () => {
      const full = (id: string) => [hanaComplaint.id, ivanComplaint.id, theAppeal.id].includes(id);
      const readers: { reader: string; identity: Identity; reads: string[] }[] = [
        { reader: "an anonymous caller", identity: ANONYMOUS, reads: [] },
        { reader: "the complaint's filer, respondent of the appeal", identity: BUYER("hana"), reads: [theAppeal.id, hanaComplaint.id] },
        { reader: "the other complaint's filer", identity: BUYER("ivan"), reads: [ivanComplaint.id] },
        { reader: "another buyer", identity: BUYER("jude"), reads: [] },
        { reader: "a buyer with the owner's subject", identity: BUYER(OWNER), reads: [] },
        { reader: "the owner", identity: BUILDER(OWNER), reads: [theAppeal.id, ivanComplaint.id, hanaComplaint.id] },
        { reader: "another builder", identity: BUILDER("mallory"), reads: [] },
        { reader: "a builder with a filer's subject", identity: BUILDER("hana"), reads: [] },
        { reader: "an arbiter", identity: ARBITER("zed"), reads: [theAppeal.id, ivanComplaint.id, hanaComplaint.id] },
      ];
      for (const { reader, identity, reads } of readers) {
        const response = await page([agentId], { first: 10 }, identity);
        const [entity] = dataOf(response)._entities;
        const nodes: Data[] = entity.disputes.edges.map((edge: Data) => edge.node);
        expect({ reader, ids: nodes.map((node) => node.id) }).toEqual({ reader, ids: [theAppeal.id, ivanComplaint.id, hanaComplaint.id] });
        expect(nodes.map(({ kind, category, severity, status, outcome }) => ({ kind, category, severity, status, outcome }))).toEqual([
          { kind: "APPEAL", category: "MISSED_ESCALATION", severity: "CRITICAL", status: "OPEN", outcome: null },
          { kind: "COMPLAINT", category: "DATA_HANDLING", severity: "MINOR", status: "OPEN", outcome: null },
          { kind: "COMPLAINT", category: "MISSED_ESCALATION", severity: "CRITICAL", status: "RESOLVED", outcome: "UPHELD" },
        ]);
        expect(nodes[2]!.closedAt).toBe(hanaComplaint.closedAt);
        expect({ reader, reads: nodes.filter((node) => node.dispute !== null).map((node) => node.id) }).toEqual({ reader, reads });
        for (const node of nodes) {
          if (node.dispute) {
            expect(full(node.id)).toBe(true);
            expect(node.dispute.id).toBe(node.id);
          }
        }
        if (reads.length === 0) {
          const text = JSON.stringify(response);
          for (const secret of [STATEMENT, APPEAL_STATEMENT, "hana", "ivan"]) expect(text).not.toContain(secret);
        }
      }
      const owner = dataOf(await page([agentId], { first: 10 }, BUILDER(OWNER)))._entities[0].disputes.edges.map(
        (edge: Data) => edge.node.dispute,
      );
      expect(owner[0]).toEqual({
        id: theAppeal.id,
        statement: APPEAL_STATEMENT,
        filedBy: OWNER,
        respondent: "hana",
        contested: { kind: "DISPUTE", id: hanaComplaint.id },
      });
      expect(owner[1]).toEqual({ id: ivanComplaint.id, statement: STATEMENT, filedBy: "ivan", respondent: null, contested: null });
    });

    it("pages newest first by cursor, ties in filing time broken by id, without gaps or repeats", async () => {
      const paged = await newAgent();
      const at = new Date(Date.now() - DAY);
      const rows = [
        await insertDispute(paged, { filedAt: new Date(at.getTime() - HOUR) }),
        await insertDispute(paged, { filedAt: at }),
        await insertDispute(paged, { filedAt: at }),
        await insertDispute(paged, { filedAt: at }),
        await insertDispute(paged, { filedAt: new Date(at.getTime() + HOUR), kind: DisputeKind.APPEAL, filedBy: OWNER }),
      ];
      const expected = [...rows].sort(newestFirst).map((row) => row.id);

      const seen: string[] = [];
      const more: boolean[] = [];
      let after: string | null = null;
      for (let i = 0; i < 5; i += 1) {
        const connection: Data = dataOf(await page([paged], { first: 2, after }))._entities[0].disputes;
        seen.push(...connection.edges.map((edge: Data) => edge.node.id));
        more.push(connection.pageInfo.hasNextPage);
        expect(connection.pageInfo.endCursor).toBe(connection.edges.at(-1)?.cursor ?? null);
        if (!connection.pageInfo.hasNextPage) break;
        after = connection.pageInfo.endCursor;
      }
      expect(seen).toEqual(expected);
      expect(more).toEqual([true, true, false]);
      // Twenty by default, all five.
      expect(dataOf(await page([paged], {}))._entities[0].disputes.edges.map((edge: Data) => edge.node.id)).toEqual(expected);
      // An agent without disputes has an empty page.
      expect(dataOf(await page([await newAgent()], { first: 3 }))._entities[0].disputes).toEqual({
        edges: [],
        pageInfo: { hasNextPage: false, endCursor: null },
      });
    });

    it("serves two pages of one agent in one request (aliases), each from its own cursor", async () => {
      const first: Data = dataOf(await page([agentId], { first: 1 }))._entities[0].disputes;
      const both: Data = dataOf(
        await harness.call(
          `query($representations: [_Any!]!, $after: String) { _entities(representations: $representations) { ... on Agent {
            head: disputes(first: 1) { edges { node { id } } pageInfo { hasNextPage } }
            tail: disputes(first: 5, after: $after) { edges { node { id } } pageInfo { hasNextPage } }
          } } }`,
          { representations: [{ __typename: "Agent", id: agentId }], after: first.pageInfo.endCursor },
        ),
      )._entities[0];
      expect(both.head).toEqual({ edges: [{ node: { id: theAppeal.id } }], pageInfo: { hasNextPage: true } });
      expect(both.tail).toEqual({
        edges: [{ node: { id: ivanComplaint.id } }, { node: { id: hanaComplaint.id } }],
        pageInfo: { hasNextPage: false },
      });
    });

    const badArguments: { what: string; variables: Data; field: string }[] = [
      { what: "a malformed after", variables: { first: 2, after: "not a cursor!" }, field: "after" },
      { what: "an after that is not a history cursor", variables: { first: 2, after: encodeCursor(["x", "y"]) }, field: "after" },
      { what: "an after with a fractional time", variables: { first: 2, after: encodeCursor([1.5, "id"]) }, field: "after" },
      { what: "first: 0", variables: { first: 0 }, field: "first" },
      { what: "first: 101", variables: { first: 101 }, field: "first" },
    ];
    for (const { what, variables, field } of badArguments) {
      it(`refuses ${what} as BAD_USER_INPUT on \`${field}\` for that field alone`, async () => {
        const response = await page([agentId], variables);
        expect(errorOf(response)).toMatchObject({ code: "BAD_USER_INPUT", field });
        expect(response.errors![0]!.path).toEqual(["_entities", 0, "disputes"]);
      });
    }

    it("costs the same SQL statements for one agent's first page as for twenty agents' (no N+1), redacted or in full", async () => {
      const agents: string[] = [];
      const expected = new Map<string, string[]>();
      const base = Date.now() - 10 * DAY;
      for (let i = 0; i < 20; i += 1) {
        const id = await newAgent();
        const rows = [];
        for (let j = 0; j < 3; j += 1)
          rows.push(await insertDispute(id, { filedAt: new Date(base + i * 10_000 + j * 1000), filedBy: `np-${i}` }));
        agents.push(id);
        expected.set(
          id,
          rows
            .sort(newestFirst)
            .slice(0, 2)
            .map((row) => row.id),
        );
      }
      const query = (ids: string[], identity: Identity) =>
        harness.statementsFor(AGENT_DISPUTES, { representations: ids.map((id) => ({ __typename: "Agent", id })), first: 2 }, identity);

      for (const identity of [ANONYMOUS, BUILDER(OWNER)]) {
        const one = await query(agents.slice(0, 1), identity);
        const twenty = await query(agents, identity);

        const entities: Data[] = dataOf(twenty.response)._entities;
        expect(entities.map((entity) => entity.id)).toEqual(agents);
        for (const entity of entities) {
          expect(entity.disputes.edges.map((edge: Data) => edge.node.id)).toEqual(expected.get(entity.id));
          expect(entity.disputes.pageInfo.hasNextPage).toBe(true);
          for (const edge of entity.disputes.edges) expect(edge.node.dispute === null).toBe(identity.role === "anonymous");
        }
        expect(dataOf(one.response)._entities[0].disputes.edges.map((edge: Data) => edge.node.id)).toEqual(expected.get(agents[0]!));
        expect(twenty.statements).toBe(one.statements);
        // The page's ids for all agents, then the rows; and the owners when someone may read in full.
        expect(one.statements).toBe(identity.role === "anonymous" ? 2 : 3);
      }
    });
  });

  describe("disputes(filter)", () => {
    let x: string;
    let y: string;
    const made: Record<string, Data> = {};

    beforeAll(async () => {
      x = await newAgent();
      y = await newAgent("bram");
      made.open = await fileOk(x, "kai");
      const reviewed = (made.reviewed = await fileOk(x, "kai"));
      dataOf(await assign(reviewed.id, ARBITER("lena")));
      const upheld = (made.upheld = await decided(x, "mia", "UPHELD", "lena"));
      const withdrawn = (made.withdrawn = await fileOk(x, "mia"));
      dataOf(await withdraw(withdrawn.id, "Handled elsewhere", BUYER("mia")));
      made.onY = await fileOk(y, "kai");
      const appealed = (made.appeal = await appealOk("DISPUTE", upheld.id));
      dataOf(await assign(appealed.id, ARBITER("nils")));
    });

    const ids = (response: GraphQLResponse<Data>) => dataOf(response).disputes.edges.map((edge: Data) => edge.node.id);
    const sorted = (...keys: string[]) =>
      keys
        .map((key) => made[key]!)
        .sort((a, b) => newestFirst({ id: a.id, filedAt: new Date(a.filedAt) }, { id: b.id, filedAt: new Date(b.filedAt) }))
        .map((d) => d.id);

    it("filters by each field and by all of them at once, newest first", async () => {
      const cases: { filter: Data; expected: string[] }[] = [
        { filter: { agentId: x }, expected: sorted("open", "reviewed", "upheld", "withdrawn", "appeal") },
        { filter: { agentId: x, kind: "APPEAL" }, expected: sorted("appeal") },
        { filter: { agentId: x, kind: "COMPLAINT" }, expected: sorted("open", "reviewed", "upheld", "withdrawn") },
        { filter: { agentId: x, statuses: ["OPEN", "UNDER_REVIEW"] }, expected: sorted("open", "reviewed", "appeal") },
        { filter: { agentId: x, statuses: ["WITHDRAWN"] }, expected: sorted("withdrawn") },
        { filter: { filedBy: "kai" }, expected: sorted("open", "reviewed", "onY") },
        { filter: { assignedTo: "lena" }, expected: sorted("reviewed", "upheld") },
        { filter: { assignedTo: "nils" }, expected: sorted("appeal") },
        { filter: { agentId: y }, expected: sorted("onY") },
        {
          filter: { agentId: x, kind: "COMPLAINT", statuses: ["RESOLVED"], filedBy: "mia", assignedTo: "lena" },
          expected: sorted("upheld"),
        },
        { filter: { agentId: y, kind: "COMPLAINT", statuses: ["RESOLVED"], filedBy: "mia", assignedTo: "lena" }, expected: [] },
      ];
      for (const { filter, expected } of cases) {
        expect({ filter, ids: ids(await list({ filter, first: 100 }, ARBITER("zed"))) }).toEqual({ filter, ids: expected });
      }
    });

    it("lists only what the caller may read: a buyer's own complaints and appeals answering them, a builder's agents', everything for arbiters", async () => {
      expect(ids(await list({ first: 100 }, BUYER("kai")))).toEqual(sorted("open", "reviewed", "onY"));
      expect(ids(await list({ first: 100 }, BUYER("mia")))).toEqual(sorted("upheld", "withdrawn", "appeal"));
      expect(ids(await list({ filter: { filedBy: "kai" }, first: 100 }, BUYER("mia")))).toEqual([]);
      expect(ids(await list({ filter: { kind: "APPEAL" }, first: 100 }, BUYER("mia")))).toEqual(sorted("appeal"));
      expect(ids(await list({ first: 100 }, BUILDER("bram")))).toEqual(sorted("onY"));
      expect(ids(await list({ filter: { agentId: x }, first: 100 }, BUILDER(OWNER)))).toEqual(
        sorted("open", "reviewed", "upheld", "withdrawn", "appeal"),
      );
      expect(ids(await list({ filter: { agentId: x }, first: 100 }, BUILDER("bram")))).toEqual([]);
      // Neither a buyer with the builder's subject nor a builder with the filer's subject.
      expect(ids(await list({ filter: { agentId: x }, first: 100 }, BUYER(OWNER)))).toEqual([]);
      expect(ids(await list({ first: 100 }, BUILDER("kai")))).toEqual([]);
      expect(errorOf(await list({ first: 1 }, ANONYMOUS)).code).toBe("UNAUTHENTICATED");
    });

    it("pages by cursor, ties in filing time broken by id, without gaps or repeats", async () => {
      const paged = await newAgent();
      const at = new Date(Date.now() - 2 * DAY);
      const rows = [await insertDispute(paged, { filedAt: new Date(at.getTime() + 1) })];
      for (let i = 0; i < 4; i += 1) rows.push(await insertDispute(paged, { filedAt: at }));
      rows.push(await insertDispute(paged, { filedAt: new Date(at.getTime() - 1) }));
      const expected = [...rows].sort(newestFirst).map((row) => row.id);

      const seen: string[] = [];
      const more: boolean[] = [];
      let after: string | null = null;
      for (let i = 0; i < 10; i += 1) {
        const connection: Data = dataOf(await list({ filter: { agentId: paged }, first: 2, after }, ARBITER("zed"))).disputes;
        seen.push(...connection.edges.map((edge: Data) => edge.node.id));
        more.push(connection.pageInfo.hasNextPage);
        expect(connection.pageInfo.endCursor).toBe(connection.edges.at(-1)?.cursor ?? null);
        if (!connection.pageInfo.hasNextPage) break;
        after = connection.pageInfo.endCursor;
      }
      expect(seen).toEqual(expected);
      expect(more).toEqual([true, true, false]);
      expect(ids(await list({ filter: { agentId: paged } }, ARBITER("zed")))).toEqual(expected);
    });

    const badArguments: { what: string; variables: Data; field: string }[] = [
      { what: "a malformed after", variables: { first: 2, after: "not a cursor!" }, field: "after" },
      { what: "an after that is not a list cursor", variables: { first: 2, after: encodeCursor(["x", "y"]) }, field: "after" },
      { what: "an after of three values", variables: { first: 2, after: encodeCursor([1, "a", "b"]) }, field: "after" },
      { what: "first: 0", variables: { first: 0 }, field: "first" },
      { what: "first: -1", variables: { first: -1 }, field: "first" },
      { what: "first: 101", variables: { first: 101 }, field: "first" },
      { what: "an agent id over 36 characters", variables: { filter: { agentId: "a".repeat(37) } }, field: "filter.agentId" },
      { what: "an unknown status", variables: { filter: { statuses: ["CLOSED"] } }, field: "filter.statuses[0]" },
      { what: "an empty list of statuses", variables: { filter: { statuses: [] } }, field: "filter.statuses" },
    ];
    for (const { what, variables, field } of badArguments) {
      it(`refuses ${what} as BAD_USER_INPUT on \`${field}\``, async () => {
        const response = await list(variables, ARBITER("zed"));
        expect(errorOf(response)).toMatchObject({ code: "BAD_USER_INPUT", field });
        expect(response.data?.disputes ?? null).toBeNull();
      });
    }
  });

  describe("appealVerdict on a run's verdict", () => {
    it("files against a judged run, is never heard by its reviewers, sets the run aside when granted, and refuses a grant once the run is gone", async () => {
      const agentId = await newAgent();
      const runId = randomUUID();
      const judgedAt = new Date(Date.now() - DAY);
      runs.set(runId, { agentId, judgedAt, reviewers: ["rex", "ria"], setAside: false });
      await expectRefused(() => appeal(appealOf("RUN", randomUUID())), { code: "NOT_FOUND", field: "input.contested.id" });
      await expectRefused(() => appeal(appealOf("RUN", runId), BUILDER("zoe")), { code: "FORBIDDEN" });

      const filed = dataOf(await appeal(appealOf("RUN", runId))).appealVerdict;
      expect(filed).toMatchObject({
        kind: "APPEAL",
        contested: { kind: "RUN", id: runId },
        respondent: null,
        category: "OTHER",
        severity: "MAJOR",
      });
      expect(filed.occurredAt).toBe(judgedAt.toISOString());
      for (const reviewer of ["rex", "ria"]) {
        expect(errorOf(await assign(filed.id, ARBITER(reviewer)))).toMatchObject({
          code: "FORBIDDEN",
          message: `Not ${reviewer}: an arbiter never hears the appeal of their own verdict`,
        });
      }
      dataOf(await assign(filed.id, ARBITER("bea")));
      expect(dataOf(await resolve(filed.id, "UPHELD", ARBITER("bea"))).resolveDispute).toMatchObject({
        status: "RESOLVED",
        outcome: "UPHELD",
      });
      expect(runs.get(runId)!.setAside).toBe(true);
      // The grant locked the run before setting it aside, in its transaction.
      expect(runLocks.filter((call) => call.id === runId)).toEqual([{ id: runId, inTransaction: true }]);
      // A set-aside verdict is no longer there to appeal.
      await expectRefused(() => appeal(appealOf("RUN", runId)), { code: "CONFLICT", field: "input.contested.id" });

      // A second run whose verdict went (set aside by other means) before the grant: refused, nothing written.
      const otherRun = randomUUID();
      runs.set(otherRun, { agentId, judgedAt, reviewers: [], setAside: false });
      const second = dataOf(await appeal(appealOf("RUN", otherRun))).appealVerdict;
      dataOf(await assign(second.id, ARBITER("bea")));
      runs.get(otherRun)!.setAside = true;
      const before = await stored(second.id);
      expect(errorOf(await resolve(second.id, "UPHELD", ARBITER("bea")))).toMatchObject({ code: "CONFLICT", field: "input.outcome" });
      expect(await stored(second.id)).toEqual(before);
    });
  });

  describe("missed deadlines (last: the sweep escalates every overdue dispute in the database)", () => {
    it("escalating an overdue appeal reports nothing; an overdue complaint is reported", async () => {
      const agentId = await newAgent();
      const longAgo = new Date(Date.now() - 30 * DAY);
      const overdue = {
        filedAt: longAgo,
        occurredAt: longAgo,
        responseDueAt: new Date(longAgo.getTime() + HOUR),
        resolutionDueAt: new Date(longAgo.getTime() + DAY),
      };
      const complaint = await insertDispute(agentId, { ...overdue, filedBy: "xena" });
      const appealRow = await insertDispute(agentId, {
        ...overdue,
        kind: DisputeKind.APPEAL,
        contestedKind: ContestedKind.CONSEQUENCE,
        contestedId: randomUUID(),
        filedBy: OWNER,
      });

      await escalateOverdueDisputes(harness.dataSource, async (_manager, report) => {
        reports.push(report);
      });

      for (const id of [complaint.id, appealRow.id]) {
        expect(await stored(id)).toMatchObject({ version: 2, status: "OPEN" });
        // Written straight to the table without a filing step: the escalation is the only one.
        expect((await storedTransitions(id)).map(({ version, actor }) => [version, actor])).toEqual([[2, "system"]]);
      }
      expect(reportsOf(appealRow.id)).toEqual([]);
      expect(reportsOf(complaint.id)).toEqual([
        expect.objectContaining({ version: 2, open: true, filerRecord: { upheld: 0, rejected: 0 } }),
      ]);
    });
  });
});
