/**
 * Appeals, the dispute lists and filer credibility, end to end through the gateway, as
 * docs/disputes.md and docs/scoring.md ("Reputation", "The listing policy") describe them.
 *
 * Cast, by subject (a subject is unique only within its role; the same subject in two roles is
 * one person, see involvement() in subgraphs/disputes/disputes.access.ts):
 *   builder bianca   owns every agent here;  builder zoe  owns none (the "other builder");
 *   buyer   bob      files the CRITICAL complaint of (1);  carla  the "other buyer" of (1), files on Wharf (5);
 *   buyer   dora (2), erin (3), kim (4), fay, gus, hal, ivy (6): each test's filers of their own, so that
 *           credibility (the filer's record of decided complaints) is known wherever it matters;
 *   arbiter ada      upholds the complaints;  arbiter alan  hears most appeals;
 *   arbiter bianca   the owner's subject as an arbiter;  arbiter bob / erin  the respondent's subject as an
 *                    arbiter in (1) / (3) (bob is uninvolved in (3));
 *   buyer   bianca   the owner's subject as a buyer.
 *
 * Agents: Pier, Wharf and Jetty (no pact: targets for the rules and the lists); Harbor, Quay, Dock, Reef
 * and Shoal, each under the alert-triage template with one passing 40-case run: listed, BRONZE, at
 * LISTED_SCORES. Each test registers the agents it needs and brings them to the state it starts
 * from itself: any test runs alone, in any order.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { Dispute as DisputeEntity } from "../../subgraphs/disputes/dispute.entity.js";
import { Escalation } from "../../subgraphs/reputation/trust-history.entity.js";
import { DATABASE_KINDS } from "../support/databases.js";
import { LISTED_REASONS, LISTED_SCORES, REGISTER_AGENT, SUBMIT_RUN, triageCases } from "../support/fixtures.js";
import { bearer, dataOf, postGraphQL, type GraphQLResponse } from "../support/graphql-client.js";
import { judgedRun, useTestSystem } from "../support/system.js";
import { refused } from "../support/refusals.js";

type Data = Record<string, any>;
type Headers = Record<string, string>;

const DAY_MS = 24 * 3600 * 1000;
const MISSING = "00000000-0000-0000-0000-000000000000";

const DISPUTE = `
  id agentId kind contested { kind id } respondent category statement severity status outcome filedBy filedAt occurredAt assignedTo
  responseDueAt resolutionDueAt escalatedAt closedAt
  evidence { caseIds runIds kpiReportIds external { url sha256 } }
  transitions { from to outcome actor note at }
  agent { id }
`;
const FILE = `mutation($i: FileDisputeInput!) { fileDispute(input: $i) { ${DISPUTE} } }`;
const APPEAL = `mutation($i: AppealVerdictInput!) { appealVerdict(input: $i) { ${DISPUTE} } }`;
const ASSIGN = `mutation($d: ID!, $a: ID) { assignDispute(disputeId: $d, arbiter: $a) { ${DISPUTE} } }`;
const RESOLVE = `mutation($i: ResolveDisputeInput!) { resolveDispute(input: $i) { ${DISPUTE} } }`;
const WITHDRAW = `mutation($d: ID!, $r: String!) { withdrawDispute(disputeId: $d, reason: $r) { ${DISPUTE} } }`;
const READ = `query($id: ID!) { dispute(id: $id) { ${DISPUTE} } }`;
const LIST = `query($f: DisputeFilter, $first: Int, $after: String) {
  disputes(filter: $f, first: $first, after: $after) { edges { cursor node { ${DISPUTE} } } pageInfo { hasNextPage endCursor } }
}`;
const AGENT_DISPUTES = `query($id: ID!, $first: Int, $after: String) {
  agent(id: $id) {
    disputes(first: $first, after: $after) {
      edges { cursor node { id kind category severity status outcome filedAt closedAt dispute { id kind statement filedBy respondent contested { kind id } } } }
      pageInfo { hasNextPage endCursor }
    }
  }
}`;

const ADOPT = `mutation($a: ID!, $owner: EscalationOwnerInput) {
  adoptPactTemplate(agentId: $a, template: "alert-triage", escalationOwner: $owner) { id version }
}`;
const RUN_SUBMITTED_AT = `query($id: ID!) { evaluationRun(id: $id) { id submittedAt passed } }`;
const STANDING = `query($id: ID!) {
  agent(id: $id) {
    openDisputeCount
    trust {
      compositeScore compositeConfidence reputationScore reputationConfidence tier eligible reasons openCriticalDisputes
      consequence consequenceSince humanReviewRequired
    }
    scoreHistory(first: 1) { edges { node { compositeScore compositeConfidence reputationScore reputationConfidence cause causeId } } }
    eligibilityHistory(first: 1) { edges { node { eligible tier consequence cause causeId reasons } } }
  }
}`;
const ELIGIBILITY_HISTORY = `query($id: ID!) { agent(id: $id) { eligibilityHistory(first: 50) { edges { node { eligible tier consequence cause causeId } } } } }`;
const ESCALATIONS = `query($id: ID!) {
  agent(id: $id) { escalations(first: 50) { edges { node { id pactId action direction notify reason cause causeId createdAt ackDueAt } } } }
}`;
const LISTED_IDS = `{ searchAgents(filter: { domain: ALERT_TRIAGE }, first: 100) { edges { node { id } } } }`;
const RECOMPUTE = `mutation($a: ID!) { recomputeTrust(agentId: $a) { compositeScore compositeConfidence reputationScore reputationConfidence tier eligible } }`;

const OWNER = { team: "SOC Tier-2", contact: "soc-tier2@example.com", ackDeadlineMinutes: 30 };

const LISTED_TRUST = {
  ...LISTED_SCORES,
  tier: "BRONZE",
  eligible: true,
  reasons: LISTED_REASONS,
  openCriticalDisputes: 0,
  consequence: null,
  consequenceSince: null,
  humanReviewRequired: false,
};

/** The reasons of an agent at LISTED composite whose reputation fell to `reputation` with confidence ≥ 0.25: UNRATED. */
const unratedReasons = (reputation: number) => [
  `unrated: reputation score ${reputation} is below the 450 that BRONZE needs`,
  `production reputation ${reputation} trails demonstrated capability 851 by ${851 - reputation} points`,
  "latest evaluation run met its pact",
];

interface ListedAgent {
  id: string;
  pactId: string;
  runId: string;
  submittedAt: string;
}

describe.each(DATABASE_KINDS)("dispute appeals, lists and filer credibility through the gateway (%s)", (kind) => {
  const system = useTestSystem(kind);
  const anonymous: Headers = {};
  let builder: Headers;
  let otherBuilder: Headers;
  let bob: Headers;
  let carla: Headers;
  let dora: Headers;
  let erin: Headers;
  let ownerAsBuyer: Headers;
  let ada: Headers;
  let alan: Headers;
  let ownerAsArbiter: Headers;
  let bobAsArbiter: Headers;
  let erinAsArbiter: Headers;
  /** Agents registered so far: names are unique per builder. */
  let agents = 0;

  const gql = (query: string, variables: Record<string, unknown> = {}, headers: Headers = {}): Promise<GraphQLResponse<Data>> =>
    postGraphQL<Data>(system.gatewayUrl, query, variables, headers);
  const ok = async (query: string, variables: Record<string, unknown> = {}, headers: Headers = {}) =>
    dataOf(await gql(query, variables, headers));

  /** The dispute in full, as an uninvolved arbiter reads it. */
  const read = async (id: string): Promise<Data> => (await ok(READ, { id }, ada)).dispute;
  const file = async (headers: Headers, input: Data) => (await ok(FILE, { i: input }, headers)).fileDispute;
  const appealInput = (kind: "DISPUTE" | "CONSEQUENCE", id: string, statement = "The verdict misreads the evidence we attached") => ({
    contested: { kind, id },
    statement,
  });
  const appeal = async (kind: "DISPUTE" | "CONSEQUENCE", id: string, statement?: string, headers: Headers = builder) =>
    (await ok(APPEAL, { i: appealInput(kind, id, statement) }, headers)).appealVerdict;
  const assign = async (headers: Headers, d: string, a: string | null = null) => (await ok(ASSIGN, { d, a }, headers)).assignDispute;
  const resolve = async (headers: Headers, disputeId: string, outcome: string, note: string) =>
    (await ok(RESOLVE, { i: { disputeId, outcome, note } }, headers)).resolveDispute;
  const withdraw = async (headers: Headers, d: string, r: string) => (await ok(WITHDRAW, { d, r }, headers)).withdrawDispute;
  /** A complaint filed by `filer`, assigned to and decided by ada. */
  const decided = async (filer: Headers, agentId: string, outcome: string, extra: Data = {}) => {
    const filed = await file(filer, { agentId, statement: "Mis-triaged an alert we had to escalate by hand", ...extra });
    await assign(ada, filed.id);
    return resolve(ada, filed.id, outcome, `${outcome.toLowerCase()} on the SOC's tickets and the EDR timeline`);
  };
  const standing = async (id: string) => (await ok(STANDING, { id })).agent;
  const searchable = async (id: string) => (await ok(LISTED_IDS)).searchAgents.edges.some((e: Data) => e.node.id === id);
  const escalations = async (id: string): Promise<Data[]> =>
    (await ok(ESCALATIONS, { id }, builder)).agent.escalations.edges.map((e: Data) => e.node);
  const eligibilityHistory = async (id: string): Promise<Data[]> =>
    (await ok(ELIGIBILITY_HISTORY, { id })).agent.eligibilityHistory.edges.map((e: Data) => e.node);
  const list = async (headers: Headers, filter: Data | null = null, first = 100): Promise<Data[]> =>
    (await ok(LIST, { f: filter, first }, headers)).disputes.edges.map((e: Data) => e.node);
  const listIds = async (headers: Headers, filter: Data | null = null) => (await list(headers, filter)).map((d) => d.id);
  /** Rows of every table a dispute step may write: disputes and their trust effects. */
  const TABLES = [
    "disputes",
    "dispute_transitions",
    "dispute_filers",
    "trust_dispute_states",
    "trust_escalations",
    "trust_score_history",
    "trust_eligibility_history",
  ] as const;
  const rows = async () => {
    const counts = {} as Record<(typeof TABLES)[number], number>;
    for (const table of TABLES) counts[table] = Number((await system.dataSource.query(`SELECT COUNT(*) AS n FROM ${table}`))[0].n);
    return counts;
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

  async function judged(agentId: string, pactId: string, cases: Data[]) {
    const run = (await ok(SUBMIT_RUN, { input: { agentId, pactId, cases } }, builder)).submitEvaluationRun;
    await judgedRun(system.gatewayUrl, run.id);
    return (await ok(RUN_SUBMITTED_AT, { id: run.id })).evaluationRun as { id: string; submittedAt: string; passed: boolean };
  }

  /** An agent without a pact, named after `label`. */
  async function register(label: string): Promise<string> {
    agents += 1;
    return (
      await ok(
        REGISTER_AGENT,
        { input: { name: `${label} ${agents}`, description: "Triages SIEM alerts", domains: ["ALERT_TRIAGE"] } },
        builder,
      )
    ).registerAgent.id;
  }

  async function listedAgent(label: string): Promise<ListedAgent> {
    agents += 1;
    const name = `${label} ${agents}`;
    const agent = (
      await ok(REGISTER_AGENT, { input: { name, description: `${name} triages EDR alerts`, domains: ["ALERT_TRIAGE"] } }, builder)
    ).registerAgent;
    const pact = (await ok(ADOPT, { a: agent.id, owner: OWNER }, builder)).adoptPactTemplate;
    const run = await judged(agent.id, pact.id, triageCases(40, { wrongSeverity: 1 }));
    return { id: agent.id, pactId: pact.id, runId: run.id, submittedAt: run.submittedAt };
  }

  beforeAll(async () => {
    [builder, otherBuilder, bob, carla, dora, erin, ownerAsBuyer, ada, alan, ownerAsArbiter, bobAsArbiter, erinAsArbiter] =
      await Promise.all([
        bearer("builder", "bianca"),
        bearer("builder", "zoe"),
        bearer("buyer", "bob"),
        bearer("buyer", "carla"),
        bearer("buyer", "dora"),
        bearer("buyer", "erin"),
        bearer("buyer", "bianca"),
        bearer("arbiter", "ada"),
        bearer("arbiter", "alan"),
        bearer("arbiter", "bianca"),
        bearer("arbiter", "bob"),
        bearer("arbiter", "erin"),
      ]);
  });

  /**
   * A listed agent whose listing changed twice as Harbor's does in (1): a CRITICAL complaint (by
   * kim, whom no other test involves) upheld, then reversed on the builder's granted appeal.
   */
  async function relistedOnAppeal(agent: ListedAgent): Promise<ListedAgent> {
    const kim = await bearer("buyer", "kim");
    const complaint = await decided(kim, agent.id, "UPHELD", { category: "MISSED_ESCALATION", severity: "CRITICAL" });
    const filed = await appeal("DISPUTE", complaint.id, "The alert was escalated by phone; the ticket shows it");
    await assign(alan, filed.id);
    await resolve(alan, filed.id, "UPHELD", "The phone escalation is logged in the SOC's bridge record");
    return agent;
  }

  it("(1) a granted appeal of an upheld CRITICAL complaint reverses it: the complaint becomes REJECTED, reputation and listing return exactly to before", async () => {
    const harbor = await listedAgent("Harbor Triage");
    const listed = await standing(harbor.id);
    expect(listed).toMatchObject({ openDisputeCount: 0, trust: LISTED_TRUST });
    expect(await searchable(harbor.id)).toBe(true);

    // bob has no decided complaint: credibility (0 + 2) / (0 + 0 + 2) = 1, full weight.
    const complaint = await file(bob, {
      agentId: harbor.id,
      category: "MISSED_ESCALATION",
      severity: "CRITICAL",
      statement: "Sat on a domain-admin compromise for six hours",
    });
    expect((await standing(harbor.id)).trust).toMatchObject({ ...LISTED_SCORES, eligible: false, openCriticalDisputes: 1 });
    await assign(ada, complaint.id);
    const upheld = await resolve(ada, complaint.id, "UPHELD", "The EDR timeline shows the alert sat untriaged");

    // Upheld: bad 40 × credibility 1 at the behaviour's time, the filing (now, the newest evidence:
    // nothing to decay). Reputation 1000 × (0 + 5) / (40 + 10) = 100 at 40 / (40 + 40) = 0.5; the
    // reputation gate applies (0.5 ≥ 0.25) and 100 < 450: UNRATED, not eligible.
    const upheldScores = { ...LISTED_SCORES, reputationScore: 100, reputationConfidence: 0.5 };
    const upheldStanding = {
      openDisputeCount: 0,
      trust: {
        ...upheldScores,
        tier: "UNRATED",
        eligible: false,
        reasons: unratedReasons(100),
        openCriticalDisputes: 0,
        consequence: null,
        consequenceSince: null,
        humanReviewRequired: false,
      },
      scoreHistory: { edges: [{ node: { ...upheldScores, cause: "DISPUTE", causeId: complaint.id } }] },
      eligibilityHistory: {
        edges: [
          {
            node: {
              eligible: false,
              tier: "UNRATED",
              consequence: null,
              cause: "DISPUTE",
              causeId: complaint.id,
              reasons: unratedReasons(100),
            },
          },
        ],
      },
    };
    expect(await standing(harbor.id)).toEqual(upheldStanding);
    expect(await searchable(harbor.id)).toBe(false);
    expect((await escalations(harbor.id)).map((e) => [e.direction, e.causeId])).toEqual([["UNLISTED", complaint.id]]);

    // The builder appeals: a dispute of its own, kind APPEAL, against bob's verdict.
    const before = await rows();
    const filed = await stored(await appeal("DISPUTE", complaint.id, "  The alert was escalated by phone; the ticket shows it  ", builder));
    expect(filed).toMatchObject({
      agentId: harbor.id,
      agent: { id: harbor.id },
      kind: "APPEAL",
      contested: { kind: "DISPUTE", id: complaint.id },
      respondent: "bob",
      // The contested complaint's category and severity; the verdict's time as "when it happened".
      category: "MISSED_ESCALATION",
      severity: "CRITICAL",
      statement: "The alert was escalated by phone; the ticket shows it",
      status: "OPEN",
      outcome: null,
      filedBy: "bianca",
      occurredAt: upheld.closedAt,
      assignedTo: null,
      escalatedAt: null,
      closedAt: null,
      evidence: { caseIds: [], runIds: [], kpiReportIds: [], external: [] },
      transitions: [{ from: null, to: "OPEN", outcome: null, actor: "builder:bianca", note: "filed", at: filed.filedAt }],
    });
    expect(Date.parse(filed.responseDueAt) - Date.parse(filed.filedAt)).toBe(72 * 3600 * 1000);
    expect(Date.parse(filed.resolutionDueAt) - Date.parse(filed.filedAt)).toBe(14 * DAY_MS);
    // Filing an appeal moves no trust: one dispute, its filing transition and the builder's filer row.
    expect(await rows()).toEqual({
      ...before,
      disputes: before.disputes + 1,
      dispute_transitions: before.dispute_transitions + 1,
      dispute_filers: before.dispute_filers + 1,
    });
    // An open appeal is no complaint about the agent: the public count and trust stay as they were.
    expect(await standing(harbor.id)).toEqual(upheldStanding);

    // The respondent (bob) reads the appeal, and lists it with his complaint; another buyer, the
    // owner's subject as a buyer and another builder may not.
    expect((await ok(READ, { id: filed.id }, bob)).dispute).toEqual(filed);
    expect(await listIds(bob, { agentId: harbor.id })).toEqual([filed.id, complaint.id]);
    expect(await listIds(bob, { agentId: harbor.id, kind: "APPEAL" })).toEqual([filed.id]);
    for (const headers of [carla, ownerAsBuyer, otherBuilder]) {
      refused(await gql(READ, { id: filed.id }, headers), "FORBIDDEN");
      expect(await listIds(headers, { agentId: harbor.id })).toEqual([]);
    }

    // Neither ada (who upheld the complaint) nor bob's subject as an arbiter (the respondent) hears it.
    expect(refused(await gql(ASSIGN, { d: filed.id, a: null }, ada), "FORBIDDEN").message).toBe(
      "Not ada: an arbiter never hears the appeal of their own verdict",
    );
    expect(refused(await gql(ASSIGN, { d: filed.id, a: null }, bobAsArbiter), "FORBIDDEN").message).toBe(
      "Not bob: an arbiter never decides a dispute they are a party to",
    );
    await unchanged(filed);
    await assign(alan, filed.id);
    const note = "The phone escalation is logged in the SOC's bridge record";
    const granted = await stored(await resolve(alan, filed.id, "UPHELD", note));
    expect(granted).toMatchObject({
      kind: "APPEAL",
      status: "RESOLVED",
      outcome: "UPHELD",
      assignedTo: "alan",
      closedAt: expect.any(String),
    });
    expect(granted.transitions.map((t: Data) => [t.from, t.to, t.outcome, t.actor])).toEqual([
      [null, "OPEN", null, "builder:bianca"],
      ["OPEN", "UNDER_REVIEW", null, "arbiter:alan"],
      ["UNDER_REVIEW", "RESOLVED", "UPHELD", "arbiter:alan"],
    ]);

    // The complaint: a fourth step, RESOLVED → RESOLVED with outcome REJECTED, by the appeal's arbiter.
    const reversed = await read(complaint.id);
    expect(reversed).toMatchObject({ status: "RESOLVED", outcome: "REJECTED", assignedTo: "ada", closedAt: upheld.closedAt });
    expect(reversed.transitions).toEqual([
      { from: null, to: "OPEN", outcome: null, actor: "buyer:bob", note: "filed", at: complaint.filedAt },
      { from: "OPEN", to: "UNDER_REVIEW", outcome: null, actor: "arbiter:ada", note: "assigned to ada", at: expect.any(String) },
      {
        from: "UNDER_REVIEW",
        to: "RESOLVED",
        outcome: "UPHELD",
        actor: "arbiter:ada",
        note: "The EDR timeline shows the alert sat untriaged",
        at: upheld.closedAt,
      },
      {
        from: "RESOLVED",
        to: "RESOLVED",
        outcome: "REJECTED",
        actor: "arbiter:alan",
        note: `reversed on appeal ${filed.id}: ${note}`,
        at: granted.closedAt,
      },
    ]);

    // Reputation takes exactly the upheld 40 back out, at the same instant: good 0, bad 0, the
    // prior 500 at confidence 0, and the listing is as it was before the complaint.
    expect(await standing(harbor.id)).toEqual({
      openDisputeCount: 0,
      trust: LISTED_TRUST,
      scoreHistory: { edges: [{ node: { ...LISTED_SCORES, cause: "DISPUTE", causeId: complaint.id } }] },
      eligibilityHistory: {
        edges: [
          { node: { eligible: true, tier: "BRONZE", consequence: null, cause: "DISPUTE", causeId: complaint.id, reasons: LISTED_REASONS } },
        ],
      },
    });
    expect(await searchable(harbor.id)).toBe(true);
    expect((await eligibilityHistory(harbor.id)).map((e) => [e.eligible, e.tier, e.cause])).toEqual([
      [true, "BRONZE", "DISPUTE"],
      [false, "UNRATED", "DISPUTE"],
      [false, "BRONZE", "DISPUTE"],
      [true, "BRONZE", "EVALUATION_RUN"],
    ]);
    const told = await escalations(harbor.id);
    expect(told.map((e) => [e.direction, e.causeId])).toEqual([
      ["LISTED", complaint.id],
      ["UNLISTED", complaint.id],
    ]);
    expect(told[0]).toMatchObject({
      action: null,
      reason: "eligible for listing again",
      notify: ["ESCALATION_OWNER", "BUILDER", "BUYERS"],
      ackDueAt: null,
    });
    // The full recompute folds the same evidence (a reversed dispute weighs nothing) to the same numbers.
    expect((await ok(RECOMPUTE, { a: harbor.id }, ada)).recomputeTrust).toEqual({ ...LISTED_SCORES, tier: "BRONZE", eligible: true });

    // A reversed complaint is no longer upheld: it cannot be appealed again, nor can the granted appeal's verdict.
    const counts = await rows();
    refused(await gql(APPEAL, { i: appealInput("DISPUTE", complaint.id) }, builder), "CONFLICT", "input.contested.id");
    expect(await rows()).toEqual(counts);
  });

  it("(2) a rejected or settled appeal changes nothing about trust", async () => {
    const quay = await listedAgent("Quay Triage");
    // dora's first complaint, MAJOR, upheld: credibility 1, bad 20 now: 1000 × 5 / 30 = 166.7 → 167
    // at 20 / 60 = 0.333 ≥ 0.25, under BRONZE's 450: UNRATED and unlisted.
    const major = await decided(dora, quay.id, "UPHELD", { severity: "MAJOR" });
    const majorScores = { ...LISTED_SCORES, reputationScore: 167, reputationConfidence: 0.333 };
    expect((await standing(quay.id)).trust).toEqual({
      ...LISTED_TRUST,
      ...majorScores,
      tier: "UNRATED",
      eligible: false,
      reasons: unratedReasons(167),
    });

    const rejectedAppeal = await assign(alan, (await appeal("DISPUTE", major.id)).id);
    const before = {
      standing: await standing(quay.id),
      escalations: await escalations(quay.id),
      complaint: await read(major.id),
      rows: await rows(),
    };
    const rejected = await stored(await resolve(alan, rejectedAppeal.id, "REJECTED", "The ticket shows no escalation by phone"));
    expect(rejected).toMatchObject({ status: "RESOLVED", outcome: "REJECTED" });
    // The appeal closes; nothing moves, and the open appeal never counted as a complaint.
    expect(before.standing.openDisputeCount).toBe(0);
    expect(await standing(quay.id)).toEqual(before.standing);
    expect(await escalations(quay.id)).toEqual(before.escalations);
    expect(await read(major.id)).toEqual(before.complaint);
    expect(before.complaint).toMatchObject({ status: "RESOLVED", outcome: "UPHELD" });
    expect(before.complaint.transitions).toHaveLength(3);
    // Only the appeal's own resolution is written.
    expect(await rows()).toEqual({ ...before.rows, dispute_transitions: before.rows.dispute_transitions + 1 });
    // Appealed once (rejected): never again.
    refused(await gql(APPEAL, { i: appealInput("DISPUTE", major.id) }, builder), "CONFLICT", "input.contested.id");

    // dora's second complaint, MINOR, upheld: her record is 1 upheld, 0 rejected, credibility
    // (1 + 2) / (1 + 0 + 2) = 1: bad 20 + 5 = 25 (seconds apart: no decay at rounding),
    // 1000 × 5 / 35 = 142.9 → 143 at 25 / 65 = 0.385.
    const minor = await decided(dora, quay.id, "UPHELD", { severity: "MINOR" });
    const minorScores = { ...LISTED_SCORES, reputationScore: 143, reputationConfidence: 0.385 };
    expect(await standing(quay.id)).toMatchObject({
      trust: { ...minorScores, tier: "UNRATED", eligible: false, reasons: unratedReasons(143) },
      scoreHistory: { edges: [{ node: { ...minorScores, cause: "DISPUTE", causeId: minor.id } }] },
    });
    const settledAppeal = await assign(alan, (await appeal("DISPUTE", minor.id)).id);
    const beforeSettled = { standing: await standing(quay.id), escalations: await escalations(quay.id), complaint: await read(minor.id) };
    await resolve(alan, settledAppeal.id, "SETTLED", "The builder refunded the week; the verdict stands");
    expect(await standing(quay.id)).toEqual(beforeSettled.standing);
    expect(await escalations(quay.id)).toEqual(beforeSettled.escalations);
    expect(await read(minor.id)).toEqual(beforeSettled.complaint);
    expect((await escalations(quay.id)).map((e) => [e.direction, e.causeId])).toEqual([["UNLISTED", major.id]]);
  });

  it("(3) only the owner appeals, only an upheld complaint, once, within the window and the cap; involved arbiters never hear it; refusals write nothing", async () => {
    const pier = await register("Pier Agent");
    // erin's complaints about Pier, in every state.
    const upheld = await decided(erin, pier, "UPHELD");
    const rejected = await decided(erin, pier, "REJECTED");
    const open = await file(erin, { agentId: pier, statement: "Closed a phishing alert as benign" });
    const review = await assign(ada, (await file(erin, { agentId: pier, statement: "Dropped an alert about lateral movement" })).id);
    const withdrawn = await withdraw(
      erin,
      (await file(erin, { agentId: pier, statement: "Duplicate of the phishing complaint" })).id,
      "Filed twice by mistake",
    );

    const counts = await rows();
    const upheldBefore = await read(upheld.id);
    refused(await gql(APPEAL, { i: appealInput("DISPUTE", upheld.id) }, anonymous), "UNAUTHENTICATED");
    // Builders only: not the respondent, the owner's subject as a buyer, or an arbiter.
    for (const headers of [erin, ownerAsBuyer, ada]) {
      expect(refused(await gql(APPEAL, { i: appealInput("DISPUTE", upheld.id) }, headers), "FORBIDDEN").message).toMatch(
        /needs the builder role/,
      );
    }
    // The agent's builder only.
    const notOwner = refused(await gql(APPEAL, { i: appealInput("DISPUTE", upheld.id) }, otherBuilder), "FORBIDDEN");
    expect(notOwner.message).toBe("Only the agent's builder appeals a verdict on it");
    // Only an upheld complaint.
    for (const [complaint, state] of [
      [rejected, "REJECTED"],
      [open, "OPEN"],
      [review, "UNDER_REVIEW"],
      [withdrawn, "WITHDRAWN"],
    ] as const) {
      const error = refused(await gql(APPEAL, { i: appealInput("DISPUTE", complaint.id) }, builder), "CONFLICT", "input.contested.id");
      expect(error.message).toBe(`input.contested.id: is ${state}; only an upheld complaint is appealed`);
    }
    // Unknown verdicts: no such complaint, no such escalation, a complaint's id as a consequence.
    refused(await gql(APPEAL, { i: appealInput("DISPUTE", MISSING) }, builder), "NOT_FOUND", "input.contested.id");
    refused(await gql(APPEAL, { i: appealInput("CONSEQUENCE", MISSING) }, builder), "NOT_FOUND", "input.contested.id");
    refused(await gql(APPEAL, { i: appealInput("CONSEQUENCE", upheld.id) }, builder), "NOT_FOUND", "input.contested.id");
    refused(
      await gql(APPEAL, { i: { contested: { kind: "DISPUTE", id: upheld.id }, statement: "   too short  " } }, builder),
      "BAD_USER_INPUT",
      "input.statement",
    );
    expect(await rows()).toEqual(counts);
    await unchanged(upheldBefore);

    const first = await appeal("DISPUTE", upheld.id);
    expect(first).toMatchObject({
      kind: "APPEAL",
      status: "OPEN",
      respondent: "erin",
      filedBy: "bianca",
      contested: { kind: "DISPUTE", id: upheld.id },
    });
    // An appeal is not a complaint: it is not itself appealed.
    refused(await gql(APPEAL, { i: appealInput("DISPUTE", first.id) }, builder), "NOT_FOUND", "input.contested.id");
    // Once per verdict.
    const twice = refused(await gql(APPEAL, { i: appealInput("DISPUTE", upheld.id) }, builder), "CONFLICT", "input.contested.id");
    expect(twice.message).toBe(`input.contested.id: is appealed already (${first.id}, OPEN)`);
    // Its filer withdraws it, no one else: not the respondent, another builder, the owner's subject
    // as a buyer, an arbiter.
    for (const headers of [erin, otherBuilder, ownerAsBuyer, ada])
      refused(await gql(WITHDRAW, { d: first.id, r: "not mine to withdraw" }, headers), "FORBIDDEN");
    let after = await rows();
    expect(after).toEqual({
      ...counts,
      disputes: counts.disputes + 1,
      dispute_transitions: counts.dispute_transitions + 1,
      dispute_filers: counts.dispute_filers + 1,
    });
    const withdrawnAppeal = await stored(await withdraw(builder, first.id, "Filed before the bridge record was exported"));
    expect(withdrawnAppeal.transitions.map((t: Data) => [t.from, t.to, t.actor, t.note])).toEqual([
      [null, "OPEN", "builder:bianca", "filed"],
      ["OPEN", "WITHDRAWN", "builder:bianca", "Filed before the bridge record was exported"],
    ]);
    // Withdrawn, it may be filed again.
    const second = await stored(await appeal("DISPUTE", upheld.id, "The bridge record, now attached, shows the escalation"));
    expect(second).toMatchObject({ kind: "APPEAL", status: "OPEN", respondent: "erin" });

    // Who hears it: never ada, who upheld the complaint; never erin's subject (the respondent) or
    // bianca's (the owner), whether they take it or are named, and an involved arbiter names no one.
    after = await rows();
    const involved: [Headers, string | null, string][] = [
      [ada, null, "Not ada: an arbiter never hears the appeal of their own verdict"],
      [alan, "ada", "Not ada: an arbiter never hears the appeal of their own verdict"],
      [erinAsArbiter, null, "Not erin: an arbiter never decides a dispute they are a party to"],
      [alan, "erin", "Not erin: an arbiter never decides a dispute they are a party to"],
      [ownerAsArbiter, null, "Not bianca: an arbiter never decides a dispute about an agent they own"],
      [ada, "alan", "an arbiter never hears the appeal of their own verdict"],
    ];
    for (const [headers, assignee, message] of involved) {
      expect(refused(await gql(ASSIGN, { d: second.id, a: assignee }, headers), "FORBIDDEN").message).toBe(message);
    }
    await unchanged(second);
    const underReview = await assign(alan, second.id);
    for (const headers of [ada, erinAsArbiter, ownerAsArbiter, bobAsArbiter]) {
      refused(
        await gql(RESOLVE, { i: { disputeId: second.id, outcome: "UPHELD", note: "Granted on the bridge record" } }, headers),
        "FORBIDDEN",
      );
    }
    await unchanged(underReview);
    expect(await rows()).toEqual({ ...after, dispute_transitions: after.dispute_transitions + 1 });
    refused(
      await gql(RESOLVE, { i: { disputeId: MISSING, outcome: "UPHELD", note: "Granted on the bridge record" } }, alan),
      "NOT_FOUND",
      "input.disputeId",
    );
    refused(await gql(ASSIGN, { d: MISSING, a: null }, alan), "NOT_FOUND", "disputeId");
    refused(await gql(WITHDRAW, { d: MISSING, r: "not there" }, builder), "NOT_FOUND", "disputeId");

    // The appeal window: 30 days from the verdict. (The verdict's time is moved back in the store:
    // the only way to let a month pass in a test.)
    const late = await decided(erin, pier, "UPHELD");
    const disputes = system.dataSource.getRepository(DisputeEntity);
    await disputes.update({ id: late.id }, { closedAt: new Date(Date.now() - 31 * DAY_MS) });
    const beforeLate = await rows();
    const closedWindow = refused(await gql(APPEAL, { i: appealInput("DISPUTE", late.id) }, builder), "CONFLICT", "input.contested.id");
    expect(closedWindow.message).toBe("input.contested.id: was decided more than 30 days ago; the appeal window has closed");
    expect(await rows()).toEqual(beforeLate);
    const givenAt = new Date(Date.now() - 29 * DAY_MS);
    await disputes.update({ id: late.id }, { closedAt: givenAt });
    const inTime = await appeal("DISPUTE", late.id);
    expect(inTime).toMatchObject({ status: "OPEN", occurredAt: givenAt.toISOString() });

    // The open-dispute cap holds for appeals: bianca has two open on Pier (second, inTime).
    const third = await decided(erin, pier, "UPHELD");
    const fourth = await decided(erin, pier, "UPHELD");
    await appeal("DISPUTE", third.id);
    const beforeCap = await rows();
    const capped = refused(await gql(APPEAL, { i: appealInput("DISPUTE", fourth.id) }, builder), "CONFLICT", "input.contested.id");
    expect(capped.message).toContain("you already have 3 open disputes about this agent");
    expect(await rows()).toEqual(beforeCap);

    // Once per verdict holds when the builder appeals the same verdict several times at once
    // (on another agent, where bianca has nothing open): one appeal, the rest CONFLICTs that
    // write nothing.
    const jetty = await register("Jetty Agent");
    const contested = await decided(erin, jetty, "UPHELD");
    const beforeRace = await rows();
    const responses = await Promise.all(Array.from({ length: 5 }, () => gql(APPEAL, { i: appealInput("DISPUTE", contested.id) }, builder)));
    const accepted = responses.filter((response) => !response.errors?.length);
    for (const response of responses.filter((r) => r.errors?.length)) refused(response, "CONFLICT", "input.contested.id");
    expect(accepted).toHaveLength(1);
    expect(await listIds(alan, { agentId: jetty, kind: "APPEAL" })).toEqual([accepted[0]!.data!.appealVerdict.id]);
    expect(await rows()).toEqual({
      ...beforeRace,
      disputes: beforeRace.disputes + 1,
      dispute_transitions: beforeRace.dispute_transitions + 1,
      dispute_filers: beforeRace.dispute_filers + 1,
    });
  });

  it("(4) a granted appeal of a consequence step lifts it while it stands; a step no longer standing cannot be granted, and an escalation that is no step is no verdict", async () => {
    const [dock, harbor] = await Promise.all([listedAgent("Dock Triage"), listedAgent("Harbor Triage").then(relistedOnAppeal)]);
    // A second run that misses the false-positive clause only: 3 of its 14 benign cases flagged,
    // 3 / 28 = 0.107 > 0.1 over the window of both runs; severity 78 / 80 = 0.975 still meets 0.92.
    // Weighted pass share 0.6 < 0.8: a breach (not of a critical clause), and the default ladder's
    // WARN (1 breach in 30 days) fires.
    const failing = await judged(dock.id, dock.pactId, triageCases(40, { wrongSeverity: 1, falsePositives: 3, idPrefix: "dock-2" }));
    expect(failing.passed).toBe(false);
    const [step, ...older] = await escalations(dock.id);
    expect(older).toEqual([]);
    expect(step).toMatchObject({
      pactId: dock.pactId,
      action: "WARN",
      direction: "FIRED",
      notify: ["ESCALATION_OWNER"],
      reason: "1 breach(es) within 30 days (trigger: 1)",
      cause: "EVALUATION_RUN",
      causeId: failing.id,
    });
    // Composite: severity (39 + 39 + 5) / (80 + 10) = 0.9222 weighing 0.6 × 80 / 90 = 0.5333; false
    // positives (14 + 11 + 5) / (28 + 10) = 0.7895 weighing 0.4 × 28 / 38 = 0.2947:
    // (0.5333 × 0.9222 + 0.2947 × 0.7895) / 0.8281 = 0.8750 → 875; cases (0.5333 × 80 + 0.2947 × 28)
    // / 0.8281 = 61.49, confidence 61.49 / 111.49 = 0.552: SILVER (650 at 0.5). Reputation: the
    // breach's 5 bad, 1000 × 5 / 15 = 333 at 5 / 45 = 0.111, below the gate. WARN does not unlist.
    const warnedScores = { compositeScore: 875, compositeConfidence: 0.552, reputationScore: 333, reputationConfidence: 0.111 };
    const reasons = [
      "tier SILVER: composite score 875 with confidence 0.552, reputation score 333 with confidence 0.111",
      "reputation confidence 0.111 is below 0.25: production evidence does not yet bear on the tier",
      "latest evaluation run did not meet its pact's pass threshold: a breach for the consequence ladder",
    ];
    const warned = await standing(dock.id);
    expect(warned.trust).toEqual({
      ...warnedScores,
      tier: "SILVER",
      eligible: true,
      reasons: [...reasons, "consequence ladder stands at WARN"],
      openCriticalDisputes: 0,
      consequence: "WARN",
      consequenceSince: step!.createdAt,
      humanReviewRequired: false,
    });

    // Who may appeal it, and what: the owner, the FIRED escalation, as a CONSEQUENCE.
    let counts = await rows();
    refused(await gql(APPEAL, { i: appealInput("CONSEQUENCE", step!.id) }, otherBuilder), "FORBIDDEN");
    refused(await gql(APPEAL, { i: appealInput("CONSEQUENCE", step!.id) }, bob), "FORBIDDEN");
    refused(await gql(APPEAL, { i: appealInput("DISPUTE", step!.id) }, builder), "NOT_FOUND", "input.contested.id");
    expect(await rows()).toEqual(counts);

    const filed = await stored(await appeal("CONSEQUENCE", step!.id, "The breach came from a mislabelled benign case"));
    expect(filed).toMatchObject({
      agentId: dock.id,
      kind: "APPEAL",
      contested: { kind: "CONSEQUENCE", id: step!.id },
      // No complaint, so no respondent; OTHER and MAJOR by default; the step's time as the verdict's.
      respondent: null,
      category: "OTHER",
      severity: "MAJOR",
      status: "OPEN",
      filedBy: "bianca",
      occurredAt: step!.createdAt,
      transitions: [{ from: null, to: "OPEN", outcome: null, actor: "builder:bianca", note: "filed", at: filed.filedAt }],
    });
    expect(await standing(dock.id)).toEqual(warned);
    // No buyer is party to a consequence appeal.
    refused(await gql(READ, { id: filed.id }, bob), "FORBIDDEN");
    counts = await rows();
    refused(await gql(APPEAL, { i: appealInput("CONSEQUENCE", step!.id) }, builder), "CONFLICT", "input.contested.id");
    expect(await rows()).toEqual(counts);

    await assign(ada, filed.id);
    const note = "The flagged case was a real intrusion, labelled benign by mistake";
    const granted = await resolve(ada, filed.id, "UPHELD", note);
    expect(granted).toMatchObject({ status: "RESOLVED", outcome: "UPHELD" });

    // Lifted: no consequence stands; the scores do not move; the lift is an escalation of its own
    // and a change in the histories, caused by the appeal.
    expect(await standing(dock.id)).toEqual({
      openDisputeCount: 0,
      trust: { ...warned.trust, reasons, consequence: null, consequenceSince: null },
      scoreHistory: { edges: [{ node: { ...warnedScores, cause: "DISPUTE", causeId: filed.id } }] },
      eligibilityHistory: {
        edges: [{ node: { eligible: true, tier: "SILVER", consequence: null, cause: "DISPUTE", causeId: filed.id, reasons } }],
      },
    });
    const [lifted, fired, ...none] = await escalations(dock.id);
    expect(none).toEqual([]);
    expect(fired).toEqual(step);
    expect(lifted).toMatchObject({
      pactId: dock.pactId,
      action: "WARN",
      direction: "LIFTED",
      notify: ["ESCALATION_OWNER"],
      reason: `lifted by arbiter ada: reversed on appeal ${filed.id}: ${note}`,
      cause: "DISPUTE",
      causeId: filed.id,
      createdAt: granted.closedAt,
      ackDueAt: null,
    });

    // Appealed and granted: not again. Escalations that record no step taken are no verdict: the
    // lift, and Harbor's listing changes (those of (1)).
    counts = await rows();
    refused(await gql(APPEAL, { i: appealInput("CONSEQUENCE", step!.id) }, builder), "CONFLICT", "input.contested.id");
    const harborTold = await escalations(harbor.id);
    expect(harborTold.map((e) => e.direction)).toEqual(["LISTED", "UNLISTED"]);
    for (const escalation of [lifted!, ...harborTold]) {
      refused(await gql(APPEAL, { i: appealInput("CONSEQUENCE", escalation.id) }, builder), "NOT_FOUND", "input.contested.id");
    }
    expect(await rows()).toEqual(counts);

    // A step that no longer stands when its appeal is decided: the ladder started afresh at the
    // lift, so a new breach fires WARN again, and the builder appeals it; a third breach (the
    // second since the lift) then fires REQUIRE_HUMAN_REVIEW over it, a step with evidence of its
    // own. The WARN appeal can no longer be granted (nothing would be reversed): the arbiter
    // settles it, and the overtaken WARN is no longer open to appeal.
    const again = await judged(dock.id, dock.pactId, triageCases(40, { wrongSeverity: 1, falsePositives: 3, idPrefix: "dock-3" }));
    expect(again.passed).toBe(false);
    const [refired] = await escalations(dock.id);
    expect(refired).toMatchObject({ action: "WARN", direction: "FIRED", causeId: again.id });
    const late = await assign(alan, (await appeal("CONSEQUENCE", refired!.id)).id);
    const harsher = await judged(dock.id, dock.pactId, triageCases(40, { wrongSeverity: 1, falsePositives: 3, idPrefix: "dock-4" }));
    expect(harsher.passed).toBe(false);
    // Three breaches' 15 bad: reputation 1000 × 5 / 25 = 200 at 15 / 55 = 0.273, now gated, under
    // BRONZE's 450: the run also unlists Dock. Both escalations have the run's instant.
    const climbed = await escalations(dock.id);
    expect(
      climbed
        .slice(0, 2)
        .map((e) => [e.action, e.direction, e.causeId])
        .sort(),
    ).toEqual(
      [
        ["REQUIRE_HUMAN_REVIEW", "FIRED", harsher.id],
        [null, "UNLISTED", harsher.id],
      ].sort(),
    );
    const harsherStep = climbed.find((e) => e.direction === "FIRED" && e.causeId === harsher.id)!;
    expect(harsherStep).toMatchObject({ reason: "2 breach(es) within 30 days (trigger: 2)", notify: ["ESCALATION_OWNER", "BUILDER"] });
    const before = { standing: await standing(dock.id), rows: await rows() };
    expect(before.standing.trust).toMatchObject({
      reputationScore: 200,
      reputationConfidence: 0.273,
      tier: "UNRATED",
      eligible: false,
      consequence: "REQUIRE_HUMAN_REVIEW",
      consequenceSince: harsherStep.createdAt,
      humanReviewRequired: true,
    });
    const overtaken = refused(
      await gql(
        RESOLVE,
        { i: { disputeId: late.id, outcome: "UPHELD", note: "Granted, though a harsher step stands on its own evidence" } },
        alan,
      ),
      "CONFLICT",
      "input.outcome",
    );
    expect(overtaken.message).toBe(
      "input.outcome: cannot be UPHELD: the contested step no longer stands; resolve the appeal as SETTLED or REJECTED",
    );
    expect(await rows()).toEqual(before.rows);
    await resolve(alan, late.id, "SETTLED", "The WARN was overtaken by a harsher step on its own evidence");
    expect(await standing(dock.id)).toEqual(before.standing);
    expect(await escalations(dock.id)).toEqual(climbed);
    expect(await rows()).toEqual({ ...before.rows, dispute_transitions: before.rows.dispute_transitions + 1 });
    // Withdrawn or not, an overtaken step is no verdict to appeal any more.
    const refiledCounts = await rows();
    refused(await gql(APPEAL, { i: appealInput("CONSEQUENCE", refired!.id) }, builder), "CONFLICT", "input.contested.id");
    expect(await rows()).toEqual(refiledCounts);
    // That step is appealed on its own, within 30 days of being taken. (The step's time is moved
    // back in the store, then restored: the only way to let a month pass in a test.)
    const escalationRows = system.dataSource.getRepository(Escalation);
    await escalationRows.update({ id: harsherStep.id }, { createdAt: new Date(Date.parse(harsherStep.createdAt) - 31 * DAY_MS) });
    const beforeLate = await rows();
    const closedWindow = refused(
      await gql(APPEAL, { i: appealInput("CONSEQUENCE", harsherStep.id) }, builder),
      "CONFLICT",
      "input.contested.id",
    );
    expect(closedWindow.message).toBe("input.contested.id: was decided more than 30 days ago; the appeal window has closed");
    expect(await rows()).toEqual(beforeLate);
    await escalationRows.update({ id: harsherStep.id }, { createdAt: new Date(harsherStep.createdAt) });
    const own = await appeal("CONSEQUENCE", harsherStep.id);
    expect(own).toMatchObject({
      kind: "APPEAL",
      status: "OPEN",
      contested: { kind: "CONSEQUENCE", id: harsherStep.id },
      occurredAt: harsherStep.createdAt,
    });
  });

  it("(5) Agent.disputes is public and redacted; parties and arbiters get the dispute in full; disputes(filter) lists what the caller may read; both page newest first", async () => {
    const wharf = await register("Wharf Agent");
    const minor = await file(bob, {
      agentId: wharf,
      severity: "MINOR",
      category: "MISCLASSIFICATION",
      statement: "Tagged a benign cron job as MEDIUM",
    });
    const upheld = await decided(carla, wharf, "UPHELD", { category: "DATA_HANDLING", severity: "MAJOR" });
    const appealed = await appeal("DISPUTE", upheld.id, "The data never left the tenant; see the DLP log");
    const newestFirst = [appealed, upheld, minor];
    const ids = newestFirst.map((d) => d.id);
    const summaries = newestFirst.map((d) => ({
      id: d.id,
      kind: d.kind,
      category: d.category,
      severity: d.severity,
      status: d.status,
      outcome: d.outcome,
      filedAt: d.filedAt,
      closedAt: d.closedAt,
    }));
    expect(summaries.map((s) => [s.kind, s.category, s.severity, s.status, s.outcome])).toEqual([
      ["APPEAL", "DATA_HANDLING", "MAJOR", "OPEN", null],
      ["COMPLAINT", "DATA_HANDLING", "MAJOR", "RESOLVED", "UPHELD"],
      ["COMPLAINT", "MISCLASSIFICATION", "MINOR", "OPEN", null],
    ]);
    const full = (d: Data) => ({
      id: d.id,
      kind: d.kind,
      statement: d.statement,
      filedBy: d.filedBy,
      respondent: d.respondent,
      contested: d.contested,
    });
    const agentDisputes = async (headers: Headers, first: number | null = null, after: string | null = null) =>
      (await ok(AGENT_DISPUTES, { id: wharf, first, after }, headers)).agent.disputes;

    // Who sees which in full: [appeal, carla's complaint, bob's complaint].
    const visibility: [string, Headers, boolean[]][] = [
      ["anonymous", anonymous, [false, false, false]],
      ["bob, filer of the minor complaint", bob, [false, false, true]],
      ["carla, filer of the upheld complaint and the appeal's respondent", carla, [true, true, false]],
      ["another buyer", dora, [false, false, false]],
      ["the owner's subject as a buyer", ownerAsBuyer, [false, false, false]],
      ["the owner", builder, [true, true, true]],
      ["another builder", otherBuilder, [false, false, false]],
      ["an arbiter", alan, [true, true, true]],
    ];
    for (const [who, headers, sees] of visibility) {
      const page = await agentDisputes(headers);
      expect(page.pageInfo, who).toEqual({ hasNextPage: false, endCursor: page.edges[2].cursor });
      expect(
        page.edges.map((e: Data) => e.node),
        who,
      ).toEqual(summaries.map((summary, i) => ({ ...summary, dispute: sees[i] ? full(newestFirst[i]!) : null })));
    }
    // The summary has no statement, evidence or people.
    const leak = await gql(`query($id: ID!) { agent(id: $id) { disputes { edges { node { id statement } } } } }`, { id: wharf });
    expect(leak.errors?.[0]?.extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");

    // Pages of one, newest first, each continuing after the last: every dispute once.
    const walked: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 5; page += 1) {
      const current: Data = await agentDisputes(anonymous, 1, after);
      expect(current.edges).toHaveLength(1);
      walked.push(current.edges[0].node.id);
      expect(current.pageInfo.endCursor).toBe(current.edges[0].cursor);
      if (!current.pageInfo.hasNextPage) break;
      after = current.pageInfo.endCursor;
    }
    expect(walked).toEqual(ids);
    refused(await gql(AGENT_DISPUTES, { id: wharf, first: 1, after: "not-a-cursor" }), "BAD_USER_INPUT", "after");
    refused(
      await gql(AGENT_DISPUTES, { id: wharf, first: 1, after: Buffer.from(JSON.stringify(["x", 1])).toString("base64url") }),
      "BAD_USER_INPUT",
      "after",
    );
    refused(await gql(AGENT_DISPUTES, { id: wharf, first: 0 }), "BAD_USER_INPUT", "first");

    // disputes(filter): in full, for whom it concerns.
    refused(await gql(LIST, { f: { agentId: wharf } }, anonymous), "UNAUTHENTICATED");
    const wharfOnly = { agentId: wharf };
    expect(await list(alan, wharfOnly)).toEqual(await Promise.all(ids.map(read)));
    expect(await listIds(builder, wharfOnly)).toEqual(ids);
    expect(await listIds(bob, wharfOnly)).toEqual([minor.id]);
    expect(await listIds(carla, wharfOnly)).toEqual([appealed.id, upheld.id]);
    // Carla has filed nothing elsewhere: her whole list is this one.
    expect(await listIds(carla)).toEqual([appealed.id, upheld.id]);
    for (const headers of [dora, ownerAsBuyer, otherBuilder]) expect(await listIds(headers, wharfOnly)).toEqual([]);
    // zoe owns no agent: nothing at all; bianca owns every agent: everything, as arbiters see it.
    expect(await listIds(otherBuilder)).toEqual([]);
    expect(await listIds(builder)).toEqual(await listIds(ada));
    // Filters, each condition narrowing.
    expect(await listIds(alan, { ...wharfOnly, kind: "APPEAL" })).toEqual([appealed.id]);
    expect(await listIds(alan, { ...wharfOnly, kind: "COMPLAINT" })).toEqual([upheld.id, minor.id]);
    expect(await listIds(alan, { ...wharfOnly, statuses: ["OPEN"] })).toEqual([appealed.id, minor.id]);
    expect(await listIds(alan, { ...wharfOnly, statuses: ["RESOLVED", "WITHDRAWN"] })).toEqual([upheld.id]);
    expect(await listIds(alan, { ...wharfOnly, filedBy: "carla" })).toEqual([upheld.id]);
    expect(await listIds(alan, { ...wharfOnly, assignedTo: "ada" })).toEqual([upheld.id]);
    expect(await listIds(alan, { kind: "APPEAL", filedBy: "bob" })).toEqual([]);
    expect(await listIds(carla, { ...wharfOnly, kind: "APPEAL" })).toEqual([appealed.id]);
    expect(await listIds(bob, { ...wharfOnly, statuses: ["RESOLVED"] })).toEqual([]);

    // Pages of one through the arbiter's list of Wharf.
    const listed: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 5; page += 1) {
      const current: Data = (await ok(LIST, { f: wharfOnly, first: 1, after: cursor }, alan)).disputes;
      listed.push(...current.edges.map((e: Data) => e.node.id));
      if (!current.pageInfo.hasNextPage) break;
      cursor = current.pageInfo.endCursor;
    }
    expect(listed).toEqual(ids);
    refused(await gql(LIST, { f: wharfOnly, after: "not-a-cursor" }, alan), "BAD_USER_INPUT", "after");
  });

  it("(6) a filer's rejected complaints weigh against their later ones: an open CRITICAL one unlists only at credibility ≥ 0.5, an upheld one weighs by credibility", async () => {
    const pier = await register("Pier Agent");
    const [reef, shoal] = await Promise.all([listedAgent("Reef Triage"), listedAgent("Shoal Triage")]);
    const [fay, gus, hal, ivy] = await Promise.all([
      bearer("buyer", "fay"),
      bearer("buyer", "gus"),
      bearer("buyer", "hal"),
      bearer("buyer", "ivy"),
    ]);
    // Records made on Pier, another agent: credibility is the filer's, whatever the agent.
    for (let n = 0; n < 3; n += 1) await decided(fay, pier, "REJECTED");
    for (let n = 0; n < 2; n += 1) await decided(hal, pier, "REJECTED");
    await decided(ivy, pier, "REJECTED");

    const listedStanding = await standing(reef.id);
    expect(listedStanding).toMatchObject({ openDisputeCount: 0, trust: LISTED_TRUST });

    // fay: 0 upheld, 3 rejected: (0 + 2) / (0 + 3 + 2) = 0.4 < 0.5. Her open CRITICAL complaint
    // does not count: Reef stays listed, no history entry, no escalation.
    const fays = await file(fay, { agentId: reef.id, severity: "CRITICAL", statement: "Ignored a ransomware precursor" });
    expect(await standing(reef.id)).toEqual({ ...listedStanding, openDisputeCount: 1 });
    expect(await searchable(reef.id)).toBe(true);
    expect(await escalations(reef.id)).toEqual([]);

    // gus: no record, credibility 1: unlisted while his is open.
    const unlistedTrust = {
      ...LISTED_TRUST,
      eligible: false,
      reasons: [...LISTED_REASONS, "1 open critical dispute(s)"],
      openCriticalDisputes: 1,
    };
    const guss = await file(gus, { agentId: reef.id, severity: "CRITICAL", statement: "Ignored a ransomware precursor too" });
    expect((await standing(reef.id)).trust).toEqual(unlistedTrust);
    expect(await searchable(reef.id)).toBe(false);
    await withdraw(gus, guss.id, "Same incident as another complaint");
    expect((await standing(reef.id)).trust).toEqual(LISTED_TRUST);

    // hal: 0 upheld, 2 rejected: (0 + 2) / (0 + 2 + 2) = 0.5, at the bar: still unlists.
    const hals = await file(hal, { agentId: reef.id, severity: "CRITICAL", statement: "Let an exfiltration alert age out" });
    expect((await standing(reef.id)).trust).toEqual(unlistedTrust);
    await withdraw(hal, hals.id, "The alert was handled by another tool");
    expect(await standing(reef.id)).toMatchObject({ openDisputeCount: 1, trust: LISTED_TRUST });
    expect((await escalations(reef.id)).map((e) => [e.direction, e.causeId])).toEqual([
      ["LISTED", hals.id],
      ["UNLISTED", hals.id],
      ["LISTED", guss.id],
      ["UNLISTED", guss.id],
    ]);
    expect(await read(fays.id)).toMatchObject({ status: "OPEN", severity: "CRITICAL", filedBy: "fay" });

    // ivy: 0 upheld, 1 rejected: (0 + 2) / (0 + 1 + 2) = 2/3. Her MAJOR complaint upheld weighs
    // 20 × 2/3 = 13.33 bad (now, nothing to decay): reputation 1000 × 5 / (13.33 + 10) = 214.3 →
    // 214 at 13.33 / (13.33 + 40) = 0.25, exactly the gate: 214 < 450, UNRATED. (At full weight it
    // would be 167 at 0.333, as Quay's in (2).)
    const ivys = await decided(ivy, shoal.id, "UPHELD", { severity: "MAJOR" });
    const weighted = { ...LISTED_SCORES, reputationScore: 214, reputationConfidence: 0.25 };
    expect(await standing(shoal.id)).toEqual({
      openDisputeCount: 0,
      trust: { ...LISTED_TRUST, ...weighted, tier: "UNRATED", eligible: false, reasons: unratedReasons(214) },
      scoreHistory: { edges: [{ node: { ...weighted, cause: "DISPUTE", causeId: ivys.id } }] },
      eligibilityHistory: {
        edges: [
          {
            node: { eligible: false, tier: "UNRATED", consequence: null, cause: "DISPUTE", causeId: ivys.id, reasons: unratedReasons(214) },
          },
        ],
      },
    });
    // The recompute folds the stored weight to the same numbers.
    expect((await ok(RECOMPUTE, { a: shoal.id }, ada)).recomputeTrust).toEqual({ ...weighted, tier: "UNRATED", eligible: false });
  });
});
