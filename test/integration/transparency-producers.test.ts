import { describe, expect, it } from "vitest";
import { DATABASE_KINDS } from "../support/databases.js";
import { REGISTER_AGENT, SUBMIT_RUN, triageCases } from "../support/fixtures.js";
import { bearer, dataOf, postGraphQL, type GraphQLResponse } from "../support/graphql-client.js";
import { eventually, useTestSystem } from "../support/system.js";

/*
 * The producers of the transparency log other than reputation, through the gateway on both
 * engines: each act appends exactly its entry (kind, subject, payload) in its own transaction, a
 * refused act appends nothing, and no entry carries what the act's context keeps private (a
 * secret, a reviewer, a dispute's statement or people). The log port is installed by
 * runtime/contexts.ts, which the local system loads.
 */

type Data = Record<string, any>;
type Headers = Record<string, string>;

const ADOPT = `mutation($a: ID!, $t: String!) { adoptPactTemplate(agentId: $a, template: $t) { id version clauses { key metric comparator threshold windowCases windowDays method weight severity } } }`;
const AMEND = `mutation($p: ID!, $i: AmendPactInput!) { amendPact(pactId: $p, input: $i) { id version } }`;
const ACTIVATE = `mutation($p: ID!) { activatePact(pactId: $p) { id version } }`;
const RETIRE = `mutation($p: ID!, $r: String) { retirePact(pactId: $p, reason: $r) { id status } }`;
const RUN = `query($id: ID!) { evaluationRun(id: $id) { status passedCount failedCount passed weightedPassShare clauseResults { clauseKey observed sampleSize outcome } } }`;
const QUEUE = `{ reviewQueue(first: 50) { edges { node { id caseId agent { id } } } } }`;
const REVIEW = `mutation($id: ID!, $v: ReviewVerdict!) { submitReview(reviewId: $id, verdict: $v, note: "Same playbook under its older name") { outcome } }`;
const FILE = `mutation($i: FileDisputeInput!) { fileDispute(input: $i) { id } }`;
const APPEAL = `mutation($i: AppealVerdictInput!) { appealVerdict(input: $i) { id } }`;
const ASSIGN = `mutation($d: ID!) { assignDispute(disputeId: $d) { id status } }`;
const RESOLVE = `mutation($i: ResolveDisputeInput!) { resolveDispute(input: $i) { id status outcome } }`;
const CREATE_KEY = "mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret key { id prefix scopes expiresAt } } }";
const ROTATE_KEY = "mutation($id: ID!) { rotateApiKey(id: $id, graceSeconds: 60) { secret key { id prefix } } }";
const REVOKE_KEY = "mutation($id: ID!) { revokeApiKey(id: $id) { id state } }";

const PRODUCED = [
  "PACT_ACTIVATED",
  "PACT_RETIRED",
  "RUN_VERDICT",
  "HUMAN_REVIEW",
  "DISPUTE_TRANSITION",
  "APPEAL_DECISION",
  "API_KEY_ISSUED",
  "API_KEY_REVOKED",
];

/** Routing cases: the first `synonyms` route to a longer name of the expected playbook, which the rubric jurors split on. */
function routingCases(prefix: string, total: number, synonyms: number) {
  return Array.from({ length: total }, (_, i) => ({
    caseId: `${prefix}-${i}`,
    input: { incident: `INC-${i}`, detection: "ransom note on file server" },
    expected: { playbook: "ransomware containment" },
    output: { playbook: i < synonyms ? "ransomware isolation and containment" : "Ransomware Containment" },
    timings: { containmentSeconds: 1200 },
  }));
}

describe.each(DATABASE_KINDS)("transparency log producers through the gateway (%s)", (kind) => {
  const system = useTestSystem(kind, { env: { JUDGE_SLICE_CASES: "4" } });
  let agents = 0;

  const gql = async (query: string, variables: Data, headers: Headers): Promise<GraphQLResponse<Data>> =>
    postGraphQL<Data>(system.gatewayUrl, query, variables, headers);
  const ok = async (query: string, variables: Data, headers: Headers) => dataOf(await gql(query, variables, headers));
  const codeOf = (response: GraphQLResponse<Data>) => response.errors?.[0]?.extensions?.code;

  /** The entries of the producers under test about `subject`, oldest first, payloads parsed. */
  const entries = async (subject: string, kinds = PRODUCED): Promise<Data[]> => {
    const rows: Data[] = await system.dataSource.query(
      `SELECT kind, subject, payload, recorded_at AS recordedAt FROM transparency_log_entries WHERE subject = ? ORDER BY id`,
      [subject],
    );
    return rows.filter((row) => kinds.includes(row.kind)).map((row) => ({ ...row, payload: JSON.parse(row.payload) }));
  };
  /** Every entry about `subject`, whatever its kind: what a refused act must leave unchanged. */
  const allEntries = async (subject: string) =>
    Number((await system.dataSource.query(`SELECT COUNT(*) AS n FROM transparency_log_entries WHERE subject = ?`, [subject]))[0].n);

  async function register(builder: Headers, domain: string): Promise<string> {
    agents += 1;
    const input = { name: `Producer Agent ${agents}`, description: "Works the SOC queue", domains: [domain] };
    return (await ok(REGISTER_AGENT, { input }, builder)).registerAgent.id;
  }

  it("logs a pact version put in force, by adoption and by activation, and its retirement; a refused retirement and a discarded draft log nothing", async () => {
    const builder = await bearer("builder", "pia");
    const agentId = await register(builder, "ALERT_TRIAGE");
    const v1 = (await ok(ADOPT, { a: agentId, t: "alert-triage" }, builder)).adoptPactTemplate;
    const draft = (await ok(AMEND, { p: v1.id, i: { passThreshold: 0.85 } }, builder)).amendPact;
    const v2 = (await ok(ACTIVATE, { p: draft.id }, builder)).activatePact;
    const discard = (await ok(AMEND, { p: v2.id, i: { passThreshold: 0.9 } }, builder)).amendPact;
    await ok(RETIRE, { p: discard.id, r: "not needed" }, builder);
    await ok(RETIRE, { p: v2.id, r: "  Workflow moved to another agent  " }, builder);

    const logged = await entries(agentId);
    expect(logged.map(({ kind, subject, payload }) => ({ kind, subject, payload }))).toEqual([
      {
        kind: "PACT_ACTIVATED",
        subject: agentId,
        payload: {
          pactId: v1.id,
          workflow: "ALERT_TRIAGE",
          version: 1,
          template: "alert-triage",
          supersededPactId: null,
          supersededVersion: null,
        },
      },
      {
        kind: "PACT_ACTIVATED",
        subject: agentId,
        payload: {
          pactId: v2.id,
          workflow: "ALERT_TRIAGE",
          version: 2,
          template: "alert-triage",
          supersededPactId: v1.id,
          supersededVersion: 1,
        },
      },
      {
        kind: "PACT_RETIRED",
        subject: agentId,
        payload: { pactId: v2.id, workflow: "ALERT_TRIAGE", version: 2, reason: "Workflow moved to another agent" },
      },
    ]);

    const before = await allEntries(agentId);
    const again = await gql(RETIRE, { p: v2.id, r: "twice" }, builder);
    expect(codeOf(again)).toBe("BAD_USER_INPUT");
    const activateRetired = await gql(ACTIVATE, { p: discard.id }, builder);
    expect(codeOf(activateRetired)).toBe("BAD_USER_INPUT");
    expect(await allEntries(agentId)).toBe(before);
  });

  it("logs a judged run's verdict in the judge's transaction, with its counts and clause outcomes", async () => {
    const builder = await bearer("builder", "rui");
    const agentId = await register(builder, "ALERT_TRIAGE");
    const pact = (await ok(ADOPT, { a: agentId, t: "alert-triage" }, builder)).adoptPactTemplate;
    const cases = triageCases(40, { wrongSeverity: 1, idPrefix: `verdict-${kind}` });
    const run = (await ok(SUBMIT_RUN, { input: { agentId, pactId: pact.id, cases } }, builder)).submitEvaluationRun;

    const [verdict] = await eventually(
      async () => {
        const found = await entries(agentId, ["RUN_VERDICT"]);
        return found.length > 0 ? found : undefined;
      },
      30_000,
      `run ${run.id}'s verdict in the log`,
    );
    const judged = (await ok(RUN, { id: run.id }, builder)).evaluationRun;
    expect(judged.status).toBe("COMPLETED");
    expect(verdict).toMatchObject({ kind: "RUN_VERDICT", subject: agentId });
    expect(verdict!.payload).toEqual({
      runId: run.id,
      workflow: "ALERT_TRIAGE",
      pactId: pact.id,
      pactVersion: 1,
      casesPassed: 39,
      casesFailed: 1,
      passed: judged.passed,
      weightedPassShare: judged.weightedPassShare,
      failedCriticalClauses: [],
      clauses: judged.clauseResults.map((r: Data) => ({
        key: r.clauseKey,
        outcome: r.outcome,
        observed: r.observed,
        sampleSize: r.sampleSize,
      })),
    });
    expect(judged).toMatchObject({ passedCount: 39, failedCount: 1, passed: true });
    // One verdict however the job was delivered, and the run's trust change beside it.
    expect(await entries(agentId, ["RUN_VERDICT"])).toHaveLength(1);
    expect((await entries(agentId, ["TRUST_CHANGE"])).map((e) => e.payload.causeId)).toEqual([run.id]);
  });

  it("logs an arbiter's review without the reviewer, their note or the case's id; a second review of the case logs nothing", async () => {
    const builder = await bearer("builder", "rhea");
    const arbiter = await bearer("arbiter", "ada");
    const agentId = await register(builder, "PLAYBOOK_ROUTING");
    const v1 = (await ok(ADOPT, { a: agentId, t: "playbook-routing" }, builder)).adoptPactTemplate;
    const clauses = v1.clauses.map((c: Data) => (c.key === "routing-accuracy" ? { ...c, method: "HYBRID" } : c));
    const draft = (await ok(AMEND, { p: v1.id, i: { clauses } }, builder)).amendPact;
    const pact = (await ok(ACTIVATE, { p: draft.id }, builder)).activatePact;
    const cases = routingCases(`review-${kind}`, 10, 2);
    const run = (await ok(SUBMIT_RUN, { input: { agentId, pactId: pact.id, cases } }, builder)).submitEvaluationRun;
    const queue = await eventually(
      async () => {
        const items = (await ok(QUEUE, {}, arbiter)).reviewQueue.edges.map((e: Data) => e.node).filter((n: Data) => n.agent.id === agentId);
        return items.length === 2 ? items : undefined;
      },
      30_000,
      `run ${run.id}'s uncertain cases in the queue`,
    );

    const [first, second] = queue as Data[];
    await ok(REVIEW, { id: first!.id, v: "PASS" }, arbiter);
    await ok(REVIEW, { id: second!.id, v: "FAIL" }, arbiter);
    // The last review queues the run's decision: wait for its verdict, so nothing is in flight.
    await eventually(async () => ((await entries(agentId, ["RUN_VERDICT"])).length > 0 ? true : undefined), 30_000, "the verdict");

    const reviews = await entries(agentId, ["HUMAN_REVIEW"]);
    expect(reviews.map(({ subject, payload }) => ({ subject, payload }))).toEqual([
      {
        subject: agentId,
        payload: { reviewId: first!.id, runId: run.id, metric: "PLAYBOOK_ROUTING_ACCURACY", outcome: "PASS" },
      },
      {
        subject: agentId,
        payload: { reviewId: second!.id, runId: run.id, metric: "PLAYBOOK_ROUTING_ACCURACY", outcome: "FAIL" },
      },
    ]);
    const text = JSON.stringify(reviews);
    for (const item of queue as Data[]) expect(text).not.toContain(item.caseId);
    expect(text).not.toContain("ada");
    expect(text).not.toContain("older name");

    const before = await allEntries(agentId);
    const again = await gql(REVIEW, { id: first!.id, v: "FAIL" }, arbiter);
    expect(codeOf(again)).toBe("CONFLICT");
    expect(await allEntries(agentId)).toBe(before);
  });

  it("logs each dispute step and an appeal's decision with public facts only; a refused resolution logs nothing", async () => {
    const builder = await bearer("builder", "dina");
    const buyer = await bearer("buyer", "bruno-buyer");
    const ada = await bearer("arbiter", "ada-arbiter");
    const alan = await bearer("arbiter", "alan-arbiter");
    const agentId = await register(builder, "ALERT_TRIAGE");
    const statement = "Mis-triaged a ransomware alert we escalated by hand";
    const complaint = (await ok(FILE, { i: { agentId, statement, severity: "CRITICAL", category: "PACT_BREACH" } }, buyer)).fileDispute;
    await ok(ASSIGN, { d: complaint.id }, ada);
    await ok(RESOLVE, { i: { disputeId: complaint.id, outcome: "UPHELD", note: "The EDR timeline shows it" } }, ada);

    const before = await allEntries(agentId);
    const twice = await gql(RESOLVE, { i: { disputeId: complaint.id, outcome: "REJECTED", note: "Deciding the same dispute twice" } }, ada);
    expect(codeOf(twice)).toBe("CONFLICT");
    expect(await allEntries(agentId)).toBe(before);

    const appealStatement = "The alert was escalated by phone; the ticket shows it";
    const appeal = (await ok(APPEAL, { i: { contested: { kind: "DISPUTE", id: complaint.id }, statement: appealStatement } }, builder))
      .appealVerdict;
    await ok(ASSIGN, { d: appeal.id }, alan);
    await ok(RESOLVE, { i: { disputeId: appeal.id, outcome: "UPHELD", note: "The phone log confirms it" } }, alan);

    const step = (disputeId: string, disputeKind: string, version: number, from: string | null, to: string, outcome: string | null) => ({
      kind: "DISPUTE_TRANSITION",
      subject: agentId,
      payload: { disputeId, disputeKind, category: "PACT_BREACH", severity: "CRITICAL", version, from, to, outcome },
    });
    const logged = await entries(agentId);
    expect(logged.map(({ kind, subject, payload }) => ({ kind, subject, payload }))).toEqual([
      step(complaint.id, "COMPLAINT", 1, null, "OPEN", null),
      step(complaint.id, "COMPLAINT", 2, "OPEN", "UNDER_REVIEW", null),
      step(complaint.id, "COMPLAINT", 3, "UNDER_REVIEW", "RESOLVED", "UPHELD"),
      step(appeal.id, "APPEAL", 1, null, "OPEN", null),
      step(appeal.id, "APPEAL", 2, "OPEN", "UNDER_REVIEW", null),
      step(appeal.id, "APPEAL", 3, "UNDER_REVIEW", "RESOLVED", "UPHELD"),
      // The grant reverses the complaint, in the same transaction.
      step(complaint.id, "COMPLAINT", 4, "RESOLVED", "RESOLVED", "REJECTED"),
      { kind: "APPEAL_DECISION", subject: agentId, payload: { appealId: appeal.id, outcome: "UPHELD", granted: true } },
    ]);
    const text = JSON.stringify(logged);
    for (const secret of [statement, appealStatement, "EDR timeline", "phone log", "bruno-buyer", "ada-arbiter", "alan-arbiter", "dina"])
      expect(text).not.toContain(secret);
  });

  it("logs API keys issued (created, rotated in) and revoked, never their secrets; revoking twice logs nothing", async () => {
    const partner = await bearer("partner", "acme-log");
    const expiresAt = new Date(Date.now() + 30 * 24 * 3600 * 1000).toISOString();
    const created = (await ok(CREATE_KEY, { input: { name: "siem-east", scopes: ["reputation:read", "keys:manage"], expiresAt } }, partner))
      .createApiKey;
    const rotated = (await ok(ROTATE_KEY, { id: created.key.id }, partner)).rotateApiKey;
    await ok(REVOKE_KEY, { id: rotated.key.id }, partner);

    const facts = (id: string, prefix: string) => ({
      keyId: id,
      partner: "acme-log",
      prefix,
      scopes: ["reputation:read", "keys:manage"],
      expiresAt: created.key.expiresAt,
    });
    const logged = await entries("acme-log");
    expect(logged.map(({ kind, subject, payload }) => ({ kind, subject, payload }))).toEqual([
      { kind: "API_KEY_ISSUED", subject: "acme-log", payload: { ...facts(created.key.id, created.key.prefix), replaces: null } },
      { kind: "API_KEY_ISSUED", subject: "acme-log", payload: { ...facts(rotated.key.id, rotated.key.prefix), replaces: created.key.id } },
      { kind: "API_KEY_REVOKED", subject: "acme-log", payload: { ...facts(rotated.key.id, rotated.key.prefix), revokedBy: "partner" } },
    ]);
    const text = JSON.stringify(logged);
    for (const secret of [created.secret, rotated.secret]) expect(text).not.toContain(secret.slice(12));
    expect(text).not.toContain("siem-east");
    const digests: Data[] = await system.dataSource.query("SELECT digest FROM api_keys WHERE partner = ?", ["acme-log"]);
    for (const { digest } of digests) expect(text).not.toContain(digest);

    const before = await allEntries("acme-log");
    const again = await gql(REVOKE_KEY, { id: rotated.key.id }, partner);
    expect(codeOf(again)).toBe("CONFLICT");
    expect(await allEntries("acme-log")).toBe(before);
  });
});
