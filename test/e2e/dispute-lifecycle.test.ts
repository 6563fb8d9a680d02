/**
 * The dispute arbitration lifecycle end to end through the gateway, and what it does to trust as
 * docs/scoring.md says ("Reputation", "The listing policy").
 *
 * Cast, by subject (a subject is unique only within its role; the same subject in two roles is
 * one person, see involvement() in subgraphs/disputes/disputes.access.ts):
 *   builder bianca  owns every agent here;
 *   buyer   bob     files most disputes;  buyer carla  files others, and is the "other buyer";
 *   arbiter ada, alan  the uninvolved arbiters;
 *   arbiter bianca  the owner's subject as an arbiter;  arbiter bob  the filer's subject as an arbiter;
 *   buyer   bianca  the owner's subject as a buyer.
 *
 * Agents: Pier (no pact, just a target for the lifecycle and the abuse rules), and Harbor and Quay,
 * each under the alert-triage template with one passing 40-case run: listed, BRONZE. Each test
 * registers the agents it needs, and brings them to the state it starts from itself (as the test
 * that tells that part does): any test runs alone, in any order.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { DATABASE_KINDS } from "../support/databases.js";
import { LISTED_REASONS, LISTED_SCORES, REGISTER_AGENT, SUBMIT_RUN, triageCases } from "../support/fixtures.js";
import { bearer, dataOf, postGraphQL, type GraphQLResponse } from "../support/graphql-client.js";
import { judgedRun, useTestSystem } from "../support/system.js";
import { refused } from "../support/refusals.js";

type Data = Record<string, any>;
type Headers = Record<string, string>;

const DAY_MS = 24 * 3600 * 1000;

const DISPUTE = `
  id agentId category statement severity status outcome filedBy filedAt occurredAt assignedTo
  responseDueAt resolutionDueAt escalatedAt closedAt
  evidence { caseIds runIds kpiReportIds external { url sha256 } }
  transitions { from to outcome actor note at }
  agent { id }
`;
const FILE = `mutation($i: FileDisputeInput!) { fileDispute(input: $i) { ${DISPUTE} } }`;
const ASSIGN = `mutation($d: ID!, $a: ID) { assignDispute(disputeId: $d, arbiter: $a) { ${DISPUTE} } }`;
const RESOLVE = `mutation($i: ResolveDisputeInput!) { resolveDispute(input: $i) { ${DISPUTE} } }`;
const WITHDRAW = `mutation($d: ID!, $r: String!) { withdrawDispute(disputeId: $d, reason: $r) { ${DISPUTE} } }`;
const READ = `query($id: ID!) { dispute(id: $id) { ${DISPUTE} } }`;
const TRANSITIONS = `query($id: ID!) { dispute(id: $id) { id transitions { from to outcome actor note at } } }`;

const ADOPT = `mutation($a: ID!, $owner: EscalationOwnerInput) {
  adoptPactTemplate(agentId: $a, template: "alert-triage", escalationOwner: $owner) { id version }
}`;
const RUN_SUBMITTED_AT = `query($id: ID!) { evaluationRun(id: $id) { id submittedAt } }`;
const STANDING = `query($id: ID!) {
  agent(id: $id) {
    openDisputeCount
    trust { compositeScore compositeConfidence reputationScore reputationConfidence tier eligible reasons openCriticalDisputes }
    scoreHistory(first: 1) { edges { node { compositeScore compositeConfidence reputationScore reputationConfidence cause causeId } } }
    eligibilityHistory(first: 1) { edges { node { eligible tier cause causeId reasons } } }
  }
}`;
const ESCALATIONS = `query($id: ID!) {
  agent(id: $id) { escalations(first: 50) { edges { node { id pactId action direction notify ownerTeam ownerContact reason cause causeId createdAt ackDueAt } } } }
}`;
const LISTED_IDS = `{ searchAgents(filter: { domain: ALERT_TRIAGE }, first: 100) { edges { node { id } } } }`;
const RECOMPUTE = `mutation($a: ID!) { recomputeTrust(agentId: $a) { compositeScore compositeConfidence reputationScore reputationConfidence tier eligible } }`;

const OWNER = { team: "SOC Tier-2", contact: "soc-tier2@example.com", ackDeadlineMinutes: 30 };

interface ListedAgent {
  id: string;
  pactId: string;
  runId: string;
  submittedAt: string;
}

describe.each(DATABASE_KINDS)("the dispute lifecycle through the gateway (%s)", (kind) => {
  const system = useTestSystem(kind);
  let anonymous: Headers;
  let builder: Headers;
  let otherBuilder: Headers;
  let bob: Headers;
  let carla: Headers;
  let ownerAsBuyer: Headers;
  let ada: Headers;
  let alan: Headers;
  let ownerAsArbiter: Headers;
  let filerAsArbiter: Headers;
  /** Agents registered so far: names are unique per builder. */
  let agents = 0;

  const gql = (query: string, variables: Record<string, unknown> = {}, headers: Headers = {}): Promise<GraphQLResponse<Data>> =>
    postGraphQL<Data>(system.gatewayUrl, query, variables, headers);
  const ok = async (query: string, variables: Record<string, unknown> = {}, headers: Headers = {}) =>
    dataOf(await gql(query, variables, headers));

  /** The dispute in full, as an uninvolved arbiter reads it. */
  const read = async (id: string): Promise<Data> => (await ok(READ, { id }, ada)).dispute;
  const file = async (headers: Headers, input: Data) => (await ok(FILE, { i: input }, headers)).fileDispute;
  const assign = async (headers: Headers, d: string, a: string | null = null) => (await ok(ASSIGN, { d, a }, headers)).assignDispute;
  const resolve = async (headers: Headers, disputeId: string, outcome: string, note: string) =>
    (await ok(RESOLVE, { i: { disputeId, outcome, note } }, headers)).resolveDispute;
  const withdraw = async (headers: Headers, d: string, r: string) => (await ok(WITHDRAW, { d, r }, headers)).withdrawDispute;
  const standing = async (id: string) => (await ok(STANDING, { id })).agent;
  const searchable = async (id: string) => (await ok(LISTED_IDS)).searchAgents.edges.some((e: Data) => e.node.id === id);
  const escalations = async (id: string): Promise<Data[]> =>
    (await ok(ESCALATIONS, { id }, builder)).agent.escalations.edges.map((e: Data) => e.node);
  const rows = async () => {
    const count = async (table: string) => Number((await system.dataSource.query(`SELECT COUNT(*) AS n FROM ${table}`))[0].n);
    return { disputes: await count("disputes"), transitions: await count("dispute_transitions") };
  };

  /** Nothing moved: the dispute and its transitions read exactly as before. */
  async function unchanged(before: Data) {
    expect(await read(before.id)).toEqual(before);
  }
  /** What a successful mutation returned is what is stored. */
  async function stored(returned: Data) {
    expect(await read(returned.id)).toEqual(returned);
    return returned;
  }

  /** An agent like Pier: no pact, just a target for disputes. */
  async function pierAgent(): Promise<string> {
    agents += 1;
    return (
      await ok(
        REGISTER_AGENT,
        { input: { name: `Pier Agent ${agents}`, description: "Triages SIEM alerts", domains: ["ALERT_TRIAGE"] } },
        builder,
      )
    ).registerAgent.id;
  }

  /** An agent like Harbor or Quay: under the alert-triage template with one passing 40-case run, listed. */
  async function listedAgent(label: string): Promise<ListedAgent> {
    agents += 1;
    const name = `${label} ${agents}`;
    const agent = (
      await ok(REGISTER_AGENT, { input: { name, description: `${name} triages EDR alerts`, domains: ["ALERT_TRIAGE"] } }, builder)
    ).registerAgent;
    const pact = (await ok(ADOPT, { a: agent.id, owner: OWNER }, builder)).adoptPactTemplate;
    const run = (
      await ok(SUBMIT_RUN, { input: { agentId: agent.id, pactId: pact.id, cases: triageCases(40, { wrongSeverity: 1 }) } }, builder)
    ).submitEvaluationRun;
    await judgedRun(system.gatewayUrl, run.id);
    const { submittedAt } = (await ok(RUN_SUBMITTED_AT, { id: run.id })).evaluationRun;
    return { id: agent.id as string, pactId: pact.id as string, runId: run.id as string, submittedAt: submittedAt as string };
  }

  beforeAll(async () => {
    anonymous = {};
    [builder, otherBuilder, bob, carla, ownerAsBuyer, ada, alan, ownerAsArbiter, filerAsArbiter] = await Promise.all([
      bearer("builder", "bianca"),
      bearer("builder", "zoe"),
      bearer("buyer", "bob"),
      bearer("buyer", "carla"),
      bearer("buyer", "bianca"),
      bearer("arbiter", "ada"),
      bearer("arbiter", "alan"),
      bearer("arbiter", "bianca"),
      bearer("arbiter", "bob"),
    ]);
  });

  /** Harbor's CRITICAL dispute as (a) files it, 60 days before Harbor's run, and ada takes it up. */
  async function criticalUnderReview(harbor: ListedAgent): Promise<Data> {
    const filed = await file(bob, {
      agentId: harbor.id,
      category: "MISSED_ESCALATION",
      severity: "CRITICAL",
      statement: "Sat on a domain-admin compromise for six hours without escalating",
      occurredAt: new Date(Date.parse(harbor.submittedAt) - 60 * DAY_MS).toISOString(),
      evidence: { runIds: [harbor.runId] },
    });
    return assign(ada, filed.id);
  }

  /** Harbor's CRITICAL dispute as (b) leaves it: upheld by ada. */
  async function criticalUpheld(harbor: ListedAgent): Promise<Data> {
    const critical = await criticalUnderReview(harbor);
    return resolve(ada, critical.id, "UPHELD", "The EDR timeline shows the alert sat untriaged for six hours");
  }

  /** Pier's dispute as the first test leaves it: filed by bob, taken by ada, reassigned to alan and settled by him. */
  async function settledAfterReassignment(pier: string): Promise<Data> {
    const filed = await file(bob, {
      agentId: pier,
      category: "MISCLASSIFICATION",
      statement: "  Called a confirmed ransomware beacon a false positive  ",
      evidence: { external: [{ url: "https://soc.example/tickets/881", sha256: "AB".repeat(32) }] },
    });
    await assign(ada, filed.id);
    await assign(alan, filed.id, "alan");
    return resolve(alan, filed.id, "SETTLED", "  The parties agreed on a re-triage of the week  ");
  }

  it("files (OPEN), assigns (UNDER_REVIEW), reassigns and resolves; involved and unassigned arbiters are refused; a closed dispute does not move", async () => {
    const pier = await pierAgent();
    const filed = await stored(
      await file(bob, {
        agentId: pier,
        category: "MISCLASSIFICATION",
        statement: "  Called a confirmed ransomware beacon a false positive  ",
        evidence: { external: [{ url: "https://soc.example/tickets/881", sha256: "AB".repeat(32) }] },
      }),
    );
    const filedAt = Date.parse(filed.filedAt);
    expect(filed).toMatchObject({
      agentId: pier,
      agent: { id: pier },
      category: "MISCLASSIFICATION",
      statement: "Called a confirmed ransomware beacon a false positive",
      // MAJOR when absent; the behaviour dates from the filing when absent.
      severity: "MAJOR",
      status: "OPEN",
      outcome: null,
      filedBy: "bob",
      occurredAt: filed.filedAt,
      assignedTo: null,
      escalatedAt: null,
      closedAt: null,
      evidence: {
        caseIds: [],
        runIds: [],
        kpiReportIds: [],
        external: [{ url: "https://soc.example/tickets/881", sha256: "ab".repeat(32) }],
      },
      transitions: [{ from: null, to: "OPEN", outcome: null, actor: "buyer:bob", note: "filed", at: filed.filedAt }],
    });
    // Deadlines from the defaults: 72 hours to be taken up, 14 days to be resolved.
    expect(Date.parse(filed.responseDueAt) - filedAt).toBe(72 * 3600 * 1000);
    expect(Date.parse(filed.resolutionDueAt) - filedAt).toBe(14 * DAY_MS);

    // Only a dispute under review is resolved.
    refused(
      await gql(RESOLVE, { i: { disputeId: filed.id, outcome: "UPHELD", note: "Looks right to me" } }, ada),
      "CONFLICT",
      "input.disputeId",
    );
    await unchanged(filed);
    // Arbiters only assign.
    refused(await gql(ASSIGN, { d: filed.id, a: "ada" }, builder), "FORBIDDEN");
    refused(await gql(ASSIGN, { d: filed.id, a: "ada" }, carla), "FORBIDDEN");
    // Never an arbiter involved: the agent's owner (bianca) or the filer (bob), whether they take it
    // themselves or another arbiter names them.
    for (const [headers, assignee] of [
      [ownerAsArbiter, null],
      [ada, "bianca"],
      [filerAsArbiter, null],
      [ada, "bob"],
    ] as const) {
      const error = refused(await gql(ASSIGN, { d: filed.id, a: assignee }, headers), "FORBIDDEN");
      expect(error.message).toMatch(/^Not (bianca|bob): an arbiter never decides a dispute (about an agent they own|they are a party to)$/);
    }
    await unchanged(filed);
    refused(await gql(ASSIGN, { d: filed.id, a: " " }, ada), "BAD_USER_INPUT", "arbiter");
    await unchanged(filed);

    const underReview = await stored(await assign(ada, filed.id));
    expect(underReview).toMatchObject({ status: "UNDER_REVIEW", assignedTo: "ada", outcome: null, closedAt: null });
    expect(underReview.transitions.slice(1)).toEqual([
      { from: "OPEN", to: "UNDER_REVIEW", outcome: null, actor: "arbiter:ada", note: "assigned to ada", at: expect.any(String) },
    ]);

    // Assigned already to the same arbiter: a CONFLICT; reassigning to an involved one: FORBIDDEN.
    refused(await gql(ASSIGN, { d: filed.id, a: null }, ada), "CONFLICT", "disputeId");
    refused(await gql(ASSIGN, { d: filed.id, a: "bianca" }, alan), "FORBIDDEN");
    // Only the assigned arbiter resolves: not another, not the owner's or the filer's subject.
    // (Involved arbiters cannot be assigned at all, so the "only the assigned arbiter" rule stops
    // them first; both are FORBIDDEN.)
    for (const headers of [alan, ownerAsArbiter, filerAsArbiter]) {
      refused(await gql(RESOLVE, { i: { disputeId: filed.id, outcome: "UPHELD", note: "Upheld on the evidence" } }, headers), "FORBIDDEN");
    }
    refused(await gql(RESOLVE, { i: { disputeId: filed.id, outcome: "UPHELD", note: "short" } }, ada), "BAD_USER_INPUT", "input.note");
    await unchanged(underReview);

    // A reassignment, by another arbiter: still UNDER_REVIEW, the step recorded.
    let reassigned = await stored(await assign(alan, filed.id, "alan"));
    expect(reassigned).toMatchObject({ status: "UNDER_REVIEW", assignedTo: "alan", outcome: null });
    expect(reassigned.transitions.slice(2)).toEqual([
      {
        from: "UNDER_REVIEW",
        to: "UNDER_REVIEW",
        outcome: null,
        actor: "arbiter:alan",
        note: "reassigned from ada to alan",
        at: expect.any(String),
      },
    ]);
    // Ada no longer decides it.
    refused(await gql(RESOLVE, { i: { disputeId: filed.id, outcome: "UPHELD", note: "Upheld on the evidence" } }, ada), "FORBIDDEN");
    await unchanged(reassigned);

    reassigned = await stored(await resolve(alan, filed.id, "SETTLED", "  The parties agreed on a re-triage of the week  "));
    expect(reassigned).toMatchObject({ status: "RESOLVED", outcome: "SETTLED", assignedTo: "alan", closedAt: expect.any(String) });
    expect(reassigned.transitions.slice(3)).toEqual([
      {
        from: "UNDER_REVIEW",
        to: "RESOLVED",
        outcome: "SETTLED",
        actor: "arbiter:alan",
        note: "The parties agreed on a re-triage of the week",
        at: reassigned.closedAt,
      },
    ]);

    // Closed: nothing moves it, whoever asks.
    refused(await gql(ASSIGN, { d: filed.id, a: null }, ada), "CONFLICT", "disputeId");
    refused(await gql(ASSIGN, { d: filed.id, a: "ada" }, alan), "CONFLICT", "disputeId");
    refused(
      await gql(RESOLVE, { i: { disputeId: filed.id, outcome: "UPHELD", note: "Changed my mind on it" } }, alan),
      "CONFLICT",
      "input.disputeId",
    );
    refused(await gql(WITHDRAW, { d: filed.id, r: "no longer relevant" }, bob), "CONFLICT", "disputeId");
    await unchanged(reassigned);
  });

  it("refuses an unknown dispute with NOT_FOUND naming the argument's field", async () => {
    const missing = "00000000-0000-0000-0000-000000000000";
    const counts = await rows();
    expect((await ok(READ, { id: missing }, ada)).dispute).toBeNull();
    refused(await gql(ASSIGN, { d: missing, a: null }, ada), "NOT_FOUND", "disputeId");
    refused(await gql(WITHDRAW, { d: missing, r: "not mine anyway" }, bob), "NOT_FOUND", "disputeId");
    // resolveDispute takes the id inside `input` and names `input.disputeId` for its CONFLICT; its
    // NOT_FOUND must name the same path (lib/platform/errors.ts: "`field` is the path of the offending
    // argument or input field").
    refused(
      await gql(RESOLVE, { i: { disputeId: missing, outcome: "UPHELD", note: "Upheld on the evidence" } }, ada),
      "NOT_FOUND",
      "input.disputeId",
    );
    expect(await rows()).toEqual(counts);
  });

  it("withdraws from OPEN and from UNDER_REVIEW, by the filer only; a withdrawn dispute does not move", async () => {
    const pier = await pierAgent();
    const open = await file(bob, { agentId: pier, statement: "Closed an alert about lateral movement", severity: "MINOR" });
    // Only its filer withdraws: not another buyer, not the owner, not an arbiter.
    refused(await gql(WITHDRAW, { d: open.id, r: "withdrawn for bob" }, carla), "FORBIDDEN");
    refused(await gql(WITHDRAW, { d: open.id, r: "withdrawn for bob" }, ownerAsBuyer), "FORBIDDEN");
    refused(await gql(WITHDRAW, { d: open.id, r: "withdrawn for bob" }, builder), "FORBIDDEN");
    refused(await gql(WITHDRAW, { d: open.id, r: "withdrawn for bob" }, ada), "FORBIDDEN");
    refused(await gql(WITHDRAW, { d: open.id, r: "   " }, bob), "BAD_USER_INPUT", "reason");
    await unchanged(open);

    const withdrawn = await stored(await withdraw(bob, open.id, " Filed against the wrong agent "));
    expect(withdrawn).toMatchObject({ status: "WITHDRAWN", outcome: null, assignedTo: null, closedAt: expect.any(String) });
    expect(withdrawn.transitions).toEqual([
      { from: null, to: "OPEN", outcome: null, actor: "buyer:bob", note: "filed", at: open.filedAt },
      { from: "OPEN", to: "WITHDRAWN", outcome: null, actor: "buyer:bob", note: "Filed against the wrong agent", at: withdrawn.closedAt },
    ]);
    refused(await gql(WITHDRAW, { d: open.id, r: "again" }, bob), "CONFLICT", "disputeId");
    refused(await gql(ASSIGN, { d: open.id, a: null }, ada), "CONFLICT", "disputeId");
    refused(
      await gql(RESOLVE, { i: { disputeId: open.id, outcome: "REJECTED", note: "Nothing to decide here" } }, ada),
      "CONFLICT",
      "input.disputeId",
    );
    await unchanged(withdrawn);

    const reviewed = await assign(ada, (await file(bob, { agentId: pier, statement: "Escalated a benign admin script to P1" })).id);
    refused(await gql(WITHDRAW, { d: reviewed.id, r: "withdrawn for bob" }, carla), "FORBIDDEN");
    await unchanged(reviewed);
    const withdrawnInReview = await stored(await withdraw(bob, reviewed.id, "Settled with the builder directly"));
    expect(withdrawnInReview).toMatchObject({ status: "WITHDRAWN", outcome: null, closedAt: expect.any(String) });
    expect(withdrawnInReview.transitions.map((t: Data) => [t.from, t.to, t.actor, t.note])).toEqual([
      [null, "OPEN", "buyer:bob", "filed"],
      ["OPEN", "UNDER_REVIEW", "arbiter:ada", "assigned to ada"],
      ["UNDER_REVIEW", "WITHDRAWN", "buyer:bob", "Settled with the builder directly"],
    ]);
    refused(
      await gql(RESOLVE, { i: { disputeId: reviewed.id, outcome: "UPHELD", note: "Upheld on the evidence" } }, ada),
      "CONFLICT",
      "input.disputeId",
    );
    refused(await gql(ASSIGN, { d: reviewed.id, a: "alan" }, ada), "CONFLICT", "disputeId");
    await unchanged(withdrawnInReview);
  });

  it("caps open disputes per filer and agent (others may still file); a builder cannot file as a buyer against their own agent; anonymous callers are refused", async () => {
    const pier = await pierAgent();
    // Evidence may only cite Harbor's own: two listed agents, each with a run.
    const [harbor, quay] = await Promise.all([listedAgent("Harbor Triage"), listedAgent("Quay Triage")]);
    // Bob has nothing open on Pier: three may be open at once.
    const before = (await standing(pier)).openDisputeCount;
    expect(before).toBe(0);
    const three = [];
    for (const n of [1, 2, 3]) three.push(await file(bob, { agentId: pier, statement: `Misrouted incident number ${n}` }));
    let counts = await rows();
    const limited = refused(
      await gql(FILE, { i: { agentId: pier, statement: "Misrouted incident number 4" } }, bob),
      "CONFLICT",
      "input.agentId",
    );
    expect(limited.message).toContain("you already have 3 open disputes about this agent");
    expect(await rows()).toEqual(counts);
    expect((await standing(pier)).openDisputeCount).toBe(3);
    for (const dispute of three) await unchanged(dispute);

    // The cap is per filer: carla may file. An assigned dispute still counts as open for bob.
    const carlas = await file(carla, { agentId: pier, statement: "Missed a phishing escalation" });
    expect(carlas).toMatchObject({ status: "OPEN", filedBy: "carla" });
    three[0] = await assign(ada, three[0].id);
    refused(await gql(FILE, { i: { agentId: pier, statement: "Misrouted incident number 4" } }, bob), "CONFLICT", "input.agentId");
    // Once one closes, bob may file again.
    await withdraw(bob, three[1].id, "Duplicate of another dispute");
    const fourth = await file(bob, { agentId: pier, statement: "Misrouted incident number 4" });
    expect(fourth.status).toBe("OPEN");
    expect((await standing(pier)).openDisputeCount).toBe(4);

    // The owner's subject as a buyer: the builder filing against their own agent.
    counts = await rows();
    const own = refused(
      await gql(FILE, { i: { agentId: pier, statement: "My competitor's agent is bad, I mean mine" } }, ownerAsBuyer),
      "FORBIDDEN",
    );
    expect(own.message).toBe("A builder cannot file a buyer dispute against their own agent");
    // Builders and arbiters do not file at all.
    refused(await gql(FILE, { i: { agentId: pier, statement: "Filing as a builder here" } }, builder), "FORBIDDEN");
    refused(await gql(FILE, { i: { agentId: pier, statement: "Filing as an arbiter here" } }, ada), "FORBIDDEN");
    // Not in the future.
    refused(
      await gql(
        FILE,
        { i: { agentId: pier, statement: "It will misbehave tomorrow", occurredAt: new Date(Date.now() + DAY_MS).toISOString() } },
        carla,
      ),
      "BAD_USER_INPUT",
      "input.occurredAt",
    );
    refused(
      await gql(
        FILE,
        { i: { agentId: pier, statement: "It happened long, long ago", occurredAt: new Date(Date.now() - 731 * DAY_MS).toISOString() } },
        carla,
      ),
      "BAD_USER_INPUT",
      "input.occurredAt",
    );
    refused(await gql(FILE, { i: { agentId: pier, statement: "   too short   " } }, carla), "BAD_USER_INPUT", "input.statement");
    refused(
      await gql(
        FILE,
        {
          i: {
            agentId: pier,
            statement: "Evidence over plain http",
            evidence: { external: [{ url: "http://soc.example/x", sha256: "ab".repeat(32) }] },
          },
        },
        carla,
      ),
      "BAD_USER_INPUT",
      "input.evidence.external[0].url",
    );
    refused(
      await gql(
        FILE,
        {
          i: {
            agentId: pier,
            statement: "Too many case references",
            evidence: { caseIds: Array.from({ length: 51 }, (_, i) => `case-${i}`) },
          },
        },
        carla,
      ),
      "BAD_USER_INPUT",
      "input.evidence.caseIds",
    );
    refused(
      await gql(FILE, { i: { agentId: "00000000-0000-0000-0000-000000000000", statement: "No such agent at all" } }, carla),
      "NOT_FOUND",
      "input.agentId",
    );
    // Evidence references must be the agent's own: Quay's run, or no report at all, is refused by its path.
    const cite = (evidence: Data) =>
      gql(FILE, { i: { agentId: harbor.id, statement: "Cites evidence that is not Harbor's", evidence } }, carla);
    refused(await cite({ runIds: [harbor.runId, quay.runId] }), "BAD_USER_INPUT", "input.evidence.runIds[1]");
    refused(await cite({ kpiReportIds: ["00000000-0000-4000-8000-000000000001"] }), "BAD_USER_INPUT", "input.evidence.kpiReportIds[0]");
    refused(
      await gql(FILE, { i: { agentId: pier, statement: "Pier has no runs to cite", evidence: { runIds: [harbor.runId] } } }, carla),
      "BAD_USER_INPUT",
      "input.evidence.runIds[0]",
    );

    // Anonymous: every operation.
    refused(await gql(FILE, { i: { agentId: pier, statement: "Anonymous complaint here" } }, anonymous), "UNAUTHENTICATED");
    refused(await gql(ASSIGN, { d: carlas.id, a: "ada" }, anonymous), "UNAUTHENTICATED");
    refused(
      await gql(RESOLVE, { i: { disputeId: three[0].id, outcome: "UPHELD", note: "Upheld on the evidence" } }, anonymous),
      "UNAUTHENTICATED",
    );
    refused(await gql(WITHDRAW, { d: carlas.id, r: "anonymous" }, anonymous), "UNAUTHENTICATED");
    refused(await gql(READ, { id: carlas.id }, anonymous), "UNAUTHENTICATED");
    expect(await rows()).toEqual(counts);
    await unchanged(carlas);
    await unchanged(three[0]);
    expect((await standing(pier)).openDisputeCount).toBe(4);
  });

  it("holds the cap when one filer files concurrently", async () => {
    // Six filings by carla at once against a fresh agent: the cap of 3 open per filer and agent
    // must hold whatever the interleaving; the rest are CONFLICTs that write nothing.
    // (fileDispute counts the filer's open disputes with a plain read and locks nothing first; on
    // MariaDB concurrent transactions each see the count before the others commit. SQLite runs
    // its transactions one at a time.)
    const jetty = (
      await ok(REGISTER_AGENT, { input: { name: "Jetty Agent", description: "Triages cloud alerts", domains: ["ALERT_TRIAGE"] } }, builder)
    ).registerAgent.id;
    const before = await rows();
    const responses = await Promise.all(
      Array.from({ length: 6 }, (_, n) => gql(FILE, { i: { agentId: jetty, statement: `Concurrent complaint number ${n}` } }, carla)),
    );
    const accepted = responses.filter((response) => !response.errors?.length);
    const conflicts = responses.filter((response) => response.errors?.length);
    for (const response of conflicts) refused(response, "CONFLICT", "input.agentId");
    expect({ accepted: accepted.length, conflicts: conflicts.length }).toEqual({ accepted: 3, conflicts: 3 });
    expect((await standing(jetty)).openDisputeCount).toBe(3);
    expect(await rows()).toEqual({ disputes: before.disputes + 3, transitions: before.transitions + 3 });
  });

  it("(a) an open CRITICAL dispute unlists a listed agent: not eligible, one open dispute, an UNLISTED escalation for the builder", async () => {
    const harbor = await listedAgent("Harbor Triage");
    const listed = await standing(harbor.id);
    expect(listed).toMatchObject({
      openDisputeCount: 0,
      trust: { ...LISTED_SCORES, tier: "BRONZE", eligible: true, reasons: LISTED_REASONS, openCriticalDisputes: 0 },
    });
    expect(await escalations(harbor.id)).toEqual([]);
    expect(await searchable(harbor.id)).toBe(true);

    // The behaviour happened exactly 60 days (one reputation half-life) before the agent's newest
    // evidence, its run: an upheld verdict will count half (see (b)).
    const occurredAt = new Date(Date.parse(harbor.submittedAt) - 60 * DAY_MS).toISOString();
    let critical = await file(bob, {
      agentId: harbor.id,
      category: "MISSED_ESCALATION",
      severity: "CRITICAL",
      statement: "Sat on a domain-admin compromise for six hours without escalating",
      occurredAt,
      evidence: { runIds: [harbor.runId] },
    });
    expect(critical).toMatchObject({ status: "OPEN", severity: "CRITICAL", occurredAt });

    const unlisted = await standing(harbor.id);
    expect(unlisted).toEqual({
      openDisputeCount: 1,
      trust: {
        // No score moves while a dispute is open.
        ...LISTED_SCORES,
        tier: "BRONZE",
        eligible: false,
        reasons: [...LISTED_REASONS, "1 open critical dispute(s)"],
        openCriticalDisputes: 1,
      },
      scoreHistory: { edges: [{ node: { ...LISTED_SCORES, cause: "DISPUTE", causeId: critical.id } }] },
      eligibilityHistory: {
        edges: [
          {
            node: {
              eligible: false,
              tier: "BRONZE",
              cause: "DISPUTE",
              causeId: critical.id,
              reasons: [...LISTED_REASONS, "1 open critical dispute(s)"],
            },
          },
        ],
      },
    });
    const [escalation, ...older] = await escalations(harbor.id);
    expect(older).toEqual([]);
    expect(escalation).toMatchObject({
      pactId: harbor.pactId,
      action: null,
      direction: "UNLISTED",
      notify: ["ESCALATION_OWNER", "BUILDER", "BUYERS"],
      ownerTeam: OWNER.team,
      ownerContact: OWNER.contact,
      reason: `no longer eligible for listing: ${[...LISTED_REASONS, "1 open critical dispute(s)"].join("; ")}`,
      cause: "DISPUTE",
      causeId: critical.id,
    });
    expect(await searchable(harbor.id)).toBe(false);
    // Losing the listing needs acknowledging within the pact's deadline.
    expect(Date.parse(escalation!.ackDueAt) - Date.parse(escalation!.createdAt)).toBe(OWNER.ackDeadlineMinutes * 60_000);

    // Under review it is still open, and still critical.
    critical = await assign(ada, critical.id);
    expect(await standing(harbor.id)).toMatchObject({
      openDisputeCount: 1,
      trust: { eligible: false, openCriticalDisputes: 1, ...LISTED_SCORES },
    });
  });

  it("(b) upheld: the open count drops, reputation takes 40 bad at the behaviour's time, and the agent falls to UNRATED", async () => {
    // Harbor as (a) leaves it: its CRITICAL dispute under review.
    const harbor = await listedAgent("Harbor Triage");
    let critical = await criticalUnderReview(harbor);
    critical = await stored(await resolve(ada, critical.id, "UPHELD", "The EDR timeline shows the alert sat untriaged for six hours"));
    expect(critical).toMatchObject({ status: "RESOLVED", outcome: "UPHELD" });

    // Reputation: Beta(5 + good, 5 + bad) over pseudo-observations decayed to the newest evidence
    // (half-life 60 days). The newest evidence is the run (asOf = its submittedAt; a passing run
    // adds no production evidence: good = bad = 0). The CRITICAL dispute adds bad 40 at its
    // occurredAt, 60 days before asOf: 40 × 2^(−60/60) = 20. Score 1000 × (0 + 5) / (20 + 10) =
    // 166.7 → 167; confidence w / (w + 40) = 20 / 60 = 0.333. The composite does not move (851
    // at 0.386).
    // Tier: the reputation gate applies (0.333 ≥ 0.25) and 167 < BRONZE's 450: UNRATED, so not
    // eligible even with no critical dispute open; the divergence 851 − 167 = 684 ≥ 200 is named.
    const upheldScores = { compositeScore: 851, compositeConfidence: 0.386, reputationScore: 167, reputationConfidence: 0.333 };
    const reasons = [
      "unrated: reputation score 167 is below the 450 that BRONZE needs",
      "production reputation 167 trails demonstrated capability 851 by 684 points",
      "latest evaluation run met its pact",
    ];
    expect(await standing(harbor.id)).toEqual({
      openDisputeCount: 0,
      trust: { ...upheldScores, tier: "UNRATED", eligible: false, reasons, openCriticalDisputes: 0 },
      scoreHistory: { edges: [{ node: { ...upheldScores, cause: "DISPUTE", causeId: critical.id } }] },
      eligibilityHistory: { edges: [{ node: { eligible: false, tier: "UNRATED", cause: "DISPUTE", causeId: critical.id, reasons } }] },
    });
    // Still unlisted, as it was: no new escalation (only a change of listing is told).
    expect((await escalations(harbor.id)).map((e: Data) => e.direction)).toEqual(["UNLISTED"]);
    // The full recompute folds the same evidence to the same numbers.
    expect((await ok(RECOMPUTE, { a: harbor.id }, alan)).recomputeTrust).toEqual({ ...upheldScores, tier: "UNRATED", eligible: false });
  });

  it("(c) rejected and settled disputes change no score; an upheld MINOR one stays below the reputation gate", async () => {
    const quay = await listedAgent("Quay Triage");
    const listedStanding = { ...LISTED_SCORES, tier: "BRONZE", eligible: true, reasons: LISTED_REASONS, openCriticalDisputes: 0 };
    expect((await standing(quay.id)).trust).toEqual(listedStanding);

    // A CRITICAL dispute unlists Quay while open; REJECTED, it weighs nothing and the listing comes back.
    const rejected = await assign(
      alan,
      (await file(carla, { agentId: quay.id, severity: "CRITICAL", statement: "Quarantined the CFO's laptop for no reason" })).id,
    );
    expect((await standing(quay.id)).trust).toMatchObject({ eligible: false, openCriticalDisputes: 1, ...LISTED_SCORES });
    const closed = await stored(await resolve(alan, rejected.id, "REJECTED", "The quarantine followed the SOC's own playbook"));
    expect(closed).toMatchObject({ status: "RESOLVED", outcome: "REJECTED" });
    expect(await standing(quay.id)).toEqual({
      openDisputeCount: 0,
      trust: listedStanding,
      scoreHistory: { edges: [{ node: { ...LISTED_SCORES, cause: "DISPUTE", causeId: rejected.id } }] },
      eligibilityHistory: {
        edges: [{ node: { eligible: true, tier: "BRONZE", cause: "DISPUTE", causeId: rejected.id, reasons: LISTED_REASONS } }],
      },
    });
    const told = await escalations(quay.id);
    expect(told.map((e: Data) => [e.direction, e.causeId])).toEqual([
      ["LISTED", rejected.id],
      ["UNLISTED", rejected.id],
    ]);
    expect(told[0]).toMatchObject({
      reason: "eligible for listing again",
      notify: ["ESCALATION_OWNER", "BUILDER", "BUYERS"],
      ackDueAt: null,
    });

    // SETTLED: nothing for or against anyone, so nothing in the histories either (a MAJOR dispute
    // open or settled weighs nothing): the newest entry is still the rejected dispute's.
    const settled = await assign(
      ada,
      (await file(bob, { agentId: quay.id, severity: "MAJOR", statement: "Flooded the queue with duplicate alerts" })).id,
    );
    await resolve(ada, settled.id, "SETTLED", "Duplicates came from a misconfigured connector");
    expect(await standing(quay.id)).toMatchObject({
      openDisputeCount: 0,
      trust: listedStanding,
      scoreHistory: { edges: [{ node: { ...LISTED_SCORES, cause: "DISPUTE", causeId: rejected.id } }] },
    });

    // UPHELD MINOR, the behaviour dated now (after the run): bad 5 at the newest instant, nothing
    // to decay. Reputation 1000 × 5 / (5 + 10) = 333, confidence 5 / 45 = 0.111 < 0.25: production
    // evidence does not yet bear on the tier, which stays BRONZE, eligible. (The composite decays by
    // 2^(−seconds/90 days), far below rounding: 851 at 0.386.)
    const minor = await assign(
      ada,
      (await file(bob, { agentId: quay.id, severity: "MINOR", statement: "Tagged a benign cron job as MEDIUM" })).id,
    );
    await resolve(ada, minor.id, "UPHELD", "The cron job was documented and benign");
    const minorScores = { ...LISTED_SCORES, reputationScore: 333, reputationConfidence: 0.111 };
    expect(await standing(quay.id)).toMatchObject({
      openDisputeCount: 0,
      trust: {
        ...minorScores,
        tier: "BRONZE",
        eligible: true,
        reasons: [
          "tier BRONZE: composite score 851 with confidence 0.386, reputation score 333 with confidence 0.111",
          "reputation confidence 0.111 is below 0.25: production evidence does not yet bear on the tier",
          "latest evaluation run met its pact",
        ],
      },
      scoreHistory: { edges: [{ node: { ...minorScores, cause: "DISPUTE", causeId: minor.id } }] },
    });
    expect((await escalations(quay.id)).map((e: Data) => e.direction)).toEqual(["LISTED", "UNLISTED"]);

    // A withdrawn CRITICAL dispute counts for nothing either: unlisted while open, back on withdrawal.
    const withdrawn = await file(carla, { agentId: quay.id, severity: "CRITICAL", statement: "Leaked an analyst's notes into a ticket" });
    expect((await standing(quay.id)).trust).toMatchObject({ eligible: false, openCriticalDisputes: 1, ...minorScores });
    expect(await searchable(quay.id)).toBe(false);
    await withdraw(carla, withdrawn.id, "The notes were leaked by a person, not the agent");
    expect((await standing(quay.id)).trust).toMatchObject({ eligible: true, openCriticalDisputes: 0, ...minorScores, tier: "BRONZE" });
    expect(await searchable(quay.id)).toBe(true);
    expect((await escalations(quay.id)).map((e: Data) => [e.direction, e.causeId])).toEqual([
      ["LISTED", withdrawn.id],
      ["UNLISTED", withdrawn.id],
      ["LISTED", rejected.id],
      ["UNLISTED", rejected.id],
    ]);
  });

  it("(d) transitions tell who, when and why, in order; the filer, the owner and arbiters read them, another buyer may not", async () => {
    // Harbor's CRITICAL dispute as (b) leaves it, and Pier's as the first test leaves it.
    const critical = await criticalUpheld(await listedAgent("Harbor Triage"));
    const reassigned = await settledAfterReassignment(await pierAgent());
    const harborSteps = [
      { from: null, to: "OPEN", outcome: null, actor: "buyer:bob", note: "filed", at: critical.filedAt },
      { from: "OPEN", to: "UNDER_REVIEW", outcome: null, actor: "arbiter:ada", note: "assigned to ada", at: expect.any(String) },
      {
        from: "UNDER_REVIEW",
        to: "RESOLVED",
        outcome: "UPHELD",
        actor: "arbiter:ada",
        note: "The EDR timeline shows the alert sat untriaged for six hours",
        at: critical.closedAt,
      },
    ];
    const pierSteps = [
      { from: null, to: "OPEN", outcome: null, actor: "buyer:bob", note: "filed", at: reassigned.filedAt },
      { from: "OPEN", to: "UNDER_REVIEW", outcome: null, actor: "arbiter:ada", note: "assigned to ada", at: expect.any(String) },
      {
        from: "UNDER_REVIEW",
        to: "UNDER_REVIEW",
        outcome: null,
        actor: "arbiter:alan",
        note: "reassigned from ada to alan",
        at: expect.any(String),
      },
      {
        from: "UNDER_REVIEW",
        to: "RESOLVED",
        outcome: "SETTLED",
        actor: "arbiter:alan",
        note: "The parties agreed on a re-triage of the week",
        at: reassigned.closedAt,
      },
    ];
    for (const [dispute, steps] of [
      [critical, harborSteps],
      [reassigned, pierSteps],
    ] as const) {
      // The filer (bob), the owner (bianca, as builder) and every arbiter, involved or not, read the same.
      for (const headers of [bob, builder, ada, alan, ownerAsArbiter, filerAsArbiter]) {
        const seen = (await ok(TRANSITIONS, { id: dispute.id }, headers)).dispute;
        expect(seen).toEqual({ id: dispute.id, transitions: steps });
        const times = seen.transitions.map((t: Data) => Date.parse(t.at));
        expect(times).toEqual([...times].sort((a, b) => a - b));
        expect(new Set(times).size).toBe(times.length);
      }
      // Another buyer, the owner's subject as a buyer (not the filer), another builder: FORBIDDEN.
      for (const headers of [carla, ownerAsBuyer, otherBuilder]) refused(await gql(TRANSITIONS, { id: dispute.id }, headers), "FORBIDDEN");
      refused(await gql(TRANSITIONS, { id: dispute.id }, anonymous), "UNAUTHENTICATED");
    }
  });
});
