/**
 * The authorisation table of docs/security.md ("Who may call what"), walked cell by cell through
 * the gateway over HTTP: the doc is the test's input, so the two cannot drift apart.
 *
 * - The table's rows must be exactly the root fields of the API schema the committed supergraph
 *   serves: an operation added without a row fails here, as does a row for one that is gone.
 * - Its columns must be exactly the callers of CALLERS, and every row needs its sample in SAMPLES.
 * - For each row × column the sample is sent as that caller. ✓: no UNAUTHENTICATED or FORBIDDEN,
 *   and the call answers what the sample expects (data, or `allowedAnswer`), so a broken sample
 *   cannot pass for an allowed call. A code: the first error has it and, for a mutation, no table
 *   changed (snapshotTables).
 *
 * Cast, by subject (a subject in two roles is one person; every caller here has one role):
 *   builder bea   owns the agent, its active pact, its run awaiting review, every fresh agent and pact;
 *   builder cal   owns no agent (the "other builder"), only webhook endpoints;   buyer bo  files every complaint;
 *   arbiter ada   assigns, decides and reviews; owns nothing;
 *   operator ola  suspends the fresh partners;   partner pia  holds every fresh API key;
 *   bea, cal and pia each own the webhook endpoints they act on.
 *
 * Allowed mutations use up what they act on (a dispute withdrawn, a draft activated), so a row's
 * variables are made per call, from fresh records where a call needs its own: every cell sees the
 * same state whatever ran before it. The judge is off, so nothing changes between calls. Where
 * what a call acts on must be the caller's own (a webhook endpoint), the variables are made for
 * the cell's caller: each owner acts on a fresh endpoint of its own.
 *
 * Extending it:
 * - a new operation: its row in docs/security.md, and a sample here (document, variables);
 * - a new kind of caller (e.g. an API key with its scopes): its column in docs/security.md, and an
 *   entry in CALLERS whose `headers` produce its credentials, e.g. `{ "x-api-key": secret }` from a
 *   key the scenario creates.
 */
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { type Role, SCOPES, type Scope } from "../../lib/platform/identity.js";
import { EvaluationRun } from "../../subgraphs/pacts/evaluation/evaluation-run.entity.js";
import { JuryVerdict } from "../../subgraphs/pacts/evaluation/jury-verdict.entity.js";
import { CaseOutcome, EvaluationMethod, EvaluationRunStatus, PactMetric } from "../../subgraphs/pacts/pact.enums.js";
import { isoWeekOf } from "../../subgraphs/reputation/scorecard.math.js";
import { Escalation, EscalationDirection, TrustCause } from "../../subgraphs/reputation/trust-history.entity.js";
import { ConsequenceAction } from "../../lib/contracts/consequence.js";
import {
  answerOf,
  apiRootFields,
  brokenPromise,
  parseAuthorisationTable,
  snapshotTables,
  type AuthorisationRow,
} from "../support/authorisation-table.js";
import { DATABASE_KINDS } from "../support/databases.js";
import { REGISTER_AGENT, triageCases } from "../support/fixtures.js";
import { bearer, dataOf, postGraphQL, type GraphQLResponse } from "../support/graphql-client.js";
import { seedAgentWithPact, seedQueuedRun } from "../support/seed.js";
import { useTestSystem, type TestSystem } from "../support/system.js";
import { seedDelivery } from "../support/webhooks.js";

type Data = Record<string, any>;
type Headers = Record<string, string>;
type Variables = Record<string, unknown>;

const TABLE = parseAuthorisationTable(readFileSync(new URL("../../docs/security.md", import.meta.url), "utf8"), "## Who may call what");

/**
 * Tables a refused call may see change: the outbox relay marks messages sent in the background, and
 * the webhook dispatcher positions the events allowed calls raised and fans them out (no endpoint
 * here subscribes to any of them, so nothing is delivered and no endpoint changes).
 */
const UNWATCHED_TABLES = ["outbox_messages", "webhook_events", "webhook_dispatcher", "webhook_deliveries", "webhook_attempts"];

const BEA = "bea";
const BO = "bo";
const ADA = "ada";
const OLA = "ola";
const PIA = "pia";
const CAL = "cal";

/** Who owns the webhook endpoints a column's caller acts on: the owner it is, or acts for. */
type EndpointOwner = typeof BEA | typeof CAL | typeof PIA;
const ENDPOINT_OWNERS: Record<string, EndpointOwner> = {
  "builder (owner)": BEA,
  "builder (other)": CAL,
  partner: PIA,
  "key webhooks:manage": PIA,
};

/** What the cells act on; `fresh` makes a record of its own for each call that uses one up. */
interface Scenario {
  /** Secrets of pia's API keys, one per scope, each holding that scope alone. */
  keys: Record<Scope, string>;
  agentId: string;
  pactId: string;
  runId: string;
  /** bo's open complaint about bea's agent. */
  complaintId: string;
  /** An ACTIVE webhook endpoint of bea's that no allowed call acts on. */
  endpointId: string;
  /** A delivery to that endpoint. */
  deliveryId: string;
  fresh: {
    /** An agent of bea's, without a pact. */
    agent(): Promise<string>;
    /** An ACTIVE alert-triage pact of a new agent of bea's. */
    activePact(): Promise<string>;
    /** A DRAFT alert-triage pact of a new agent of bea's. */
    draftPact(): Promise<string>;
    /** An OPEN complaint of bo's about bea's agent. */
    complaint(): Promise<string>;
    /** bo's complaint, UNDER_REVIEW by ada. */
    complaintUnderReview(): Promise<string>;
    /** bo's complaint, UPHELD by ada: what bea may appeal. */
    upheldComplaint(): Promise<string>;
    /** An UNCERTAIN case of the run awaiting review: an item of the review queue. */
    reviewItem(): Promise<string>;
    /** A consequence step fired on bea's agent, awaiting acknowledgement. */
    escalation(): Promise<string>;
    /** An ACTIVE API key of pia's (reputation:read). */
    apiKey(): Promise<string>;
    /** A partner nobody has suspended yet. */
    partner(): string;
    /** A partner ola has suspended. */
    suspendedPartner(): Promise<string>;
    /** A webhook endpoint of this owner's, ACTIVE or DISABLED. */
    endpoint(owner: EndpointOwner, state?: "ACTIVE" | "DISABLED"): Promise<string>;
    /** A delivered event to a new ACTIVE endpoint of this owner's. */
    delivery(owner: EndpointOwner): Promise<string>;
  };
}

/** A column of the table: the credentials its caller sends. */
interface Caller {
  headers(scenario: Scenario): Promise<Headers>;
}

const token = (role: Role, subject: string): Caller => ({ headers: () => bearer(role, subject) });

/**
 * The endpoint a column's caller acts on: a fresh one of its own for an owner (and, with
 * `operator`, a fresh one of bea's for the operator), else bea's standing one, which a refused
 * call leaves as it is.
 */
const endpointFor = (s: Scenario, column: string, state: "ACTIVE" | "DISABLED" = "ACTIVE", options: { operator?: boolean } = {}) => {
  const owner = ENDPOINT_OWNERS[column] ?? (options.operator && column === "operator" ? BEA : undefined);
  return owner ? s.fresh.endpoint(owner, state) : Promise.resolve(s.endpointId);
};

/** The delivery a column's caller redelivers: one to a fresh endpoint of its own for an owner, else bea's standing one. */
const deliveryFor = (s: Scenario, column: string) => {
  const owner = ENDPOINT_OWNERS[column];
  return owner ? s.fresh.delivery(owner) : Promise.resolve(s.deliveryId);
};

/** One per column of the table, by its heading. */
const CALLERS: Record<string, Caller> = {
  anonymous: { headers: async () => ({}) },
  buyer: token("buyer", BO),
  "builder (owner)": token("builder", BEA),
  "builder (other)": token("builder", "cal"),
  arbiter: token("arbiter", ADA),
  operator: token("operator", OLA),
  partner: token("partner", PIA),
  // pia's keys, one scope each: what a partner's server calls with.
  ...Object.fromEntries(SCOPES.map((scope) => [`key ${scope}`, { headers: async (s: Scenario) => ({ "x-api-key": s.keys[scope] }) }])),
};

/** How one row is called. */
interface Sample {
  document: string;
  /**
   * The call's variables; made per call, so that a record an allowed call uses up can be fresh,
   * and for the column's caller, where what it acts on must be its own.
   */
  variables?: (scenario: Scenario, column: string) => Variables | Promise<Variables>;
  /**
   * What an allowed call answers in this scenario when not data without errors: still past
   * authorisation (it is checked first), but the scenario cannot make the act succeed.
   */
  allowedAnswer?: string;
}

/** Where the scenario's endpoints point: loopback, which development allows; none subscribes to an event anything here raises. */
const ENDPOINT_URL = "http://127.0.0.1:9/webhooks";

const triageClause = {
  key: "severity-accuracy",
  metric: "SEVERITY_CLASSIFICATION_ACCURACY",
  comparator: "GTE",
  threshold: 0.9,
  windowCases: 200,
  weight: 1,
  severity: "CRITICAL",
};

const kpiReport = (agentId: string) => ({
  agentId,
  week: isoWeekOf(new Date()),
  alertsHandled: 120,
  timeToContainmentMinutes: 40,
  falsePositiveLoad: 0.1,
  severityAccuracy: 0.92,
  escalationQuality: 0.9,
});

/** One per row of the table, by the row's schema coordinate. */
const SAMPLES: Record<string, Sample> = {
  "Query.agent": { document: `query($id: ID!) { agent(id: $id) { id ownerId } }`, variables: (s) => ({ id: s.agentId }) },
  "Query.agentsByIds": { document: `query($ids: [ID!]!) { agentsByIds(ids: $ids) { id } }`, variables: (s) => ({ ids: [s.agentId] }) },
  "Query.apiKeys": {
    document: `query($p: String) { apiKeys(partner: $p) { edges { node { id } } } }`,
    // An operator must name the partner; a partner may name itself.
    variables: () => ({ p: PIA }),
  },
  "Query.trustEvents": { document: `{ trustEvents(first: 5) { edges { cursor } } }` },
  "Query.dispute": { document: `query($id: ID!) { dispute(id: $id) { id status } }`, variables: (s) => ({ id: s.complaintId }) },
  "Query.disputes": { document: `{ disputes(first: 5) { edges { node { id } } } }` },
  "Query.pactMetrics": { document: `{ pactMetrics { metric } }` },
  "Query.pactTemplates": { document: `{ pactTemplates { name } }` },
  "Query.reviewQueue": { document: `{ reviewQueue(first: 5) { edges { node { id } } } }` },
  "Query.evaluationRun": { document: `query($id: ID!) { evaluationRun(id: $id) { id status } }`, variables: (s) => ({ id: s.runId }) },
  "Query.jurorCalibrations": { document: `{ jurorCalibrations { juror metric } }` },
  "Query.jurySpend": { document: `query($b: String) { jurySpend(builder: $b) { builder spentUsd } }`, variables: () => ({ b: BEA }) },
  "Query.pact": { document: `query($id: ID!) { pact(id: $id) { id status } }`, variables: (s) => ({ id: s.pactId }) },
  "Query.searchAgents": { document: `{ searchAgents(first: 5) { edges { node { id } } } }` },
  "Query.rateLimit": { document: `{ rateLimit { limit cost remaining } }` },
  "Query.attestation": { document: `query($a: ID!) { attestation(agentId: $a) { kid } }`, variables: (s) => ({ a: s.agentId }) },
  // The log's scheduled job is not run in this scenario: there is no head, and no entry is sequenced yet.
  "Query.treeHead": { document: `{ treeHead { treeSize } }` },
  "Query.logEntry": { document: `{ logEntry(index: 0) { index } }`, allowedAnswer: "NOT_FOUND" },
  "Query.logProof": { document: `{ logProof(index: 0) { index } }`, allowedAnswer: "NOT_FOUND" },
  "Query.logConsistency": { document: `{ logConsistency(fromSize: 1, toSize: 1) { fromSize } }`, allowedAnswer: "NOT_FOUND" },
  // bea's endpoint: hers and the operator's to read; null to any other caller allowed to ask.
  "Query.webhookEndpoint": {
    document: `query($id: ID!) { webhookEndpoint(id: $id) { id url } }`,
    variables: (s) => ({ id: s.endpointId }),
  },
  "Query.webhookEndpoints": {
    document: `query($o: String) { webhookEndpoints(owner: $o) { edges { node { id } } } }`,
    // An operator must name the owner; an owner lists its own.
    variables: (_s, column) => ({ o: column === "operator" ? `builder:${BEA}` : null }),
  },
  // An owner reads its own endpoint's log and events; the operator bea's.
  "Query.webhookDeliveries": {
    document: `query($e: ID!) { webhookDeliveries(endpointId: $e, first: 5) { edges { node { id } } } }`,
    variables: async (s, column) => ({ e: await endpointFor(s, column) }),
  },
  "Query.webhookEvents": {
    document: `query($e: ID!) { webhookEvents(endpointId: $e, first: 5) { edges { node { deliveryId } } } }`,
    variables: async (s, column) => ({ e: await endpointFor(s, column) }),
  },

  "Mutation.registerAgent": {
    document: REGISTER_AGENT,
    variables: () => ({
      input: { name: `Agent ${randomUUID().slice(0, 8)}`, description: "Works the SOC queue", domains: ["ALERT_TRIAGE"] },
    }),
  },
  "Mutation.fileDispute": {
    document: `mutation($i: FileDisputeInput!) { fileDispute(input: $i) { id } }`,
    variables: (s) => ({ i: { agentId: s.agentId, statement: "Closed a true positive as benign", severity: "MAJOR" } }),
  },
  "Mutation.appealVerdict": {
    document: `mutation($i: AppealVerdictInput!) { appealVerdict(input: $i) { id } }`,
    variables: async (s) => ({
      i: { contested: { kind: "DISPUTE", id: await s.fresh.upheldComplaint() }, statement: "The alert was benign" },
    }),
  },
  "Mutation.withdrawDispute": {
    document: `mutation($d: ID!) { withdrawDispute(disputeId: $d, reason: "Settled with the builder") { id status } }`,
    variables: async (s) => ({ d: await s.fresh.complaint() }),
  },
  "Mutation.assignDispute": {
    document: `mutation($d: ID!) { assignDispute(disputeId: $d) { id status } }`,
    variables: async (s) => ({ d: await s.fresh.complaint() }),
  },
  "Mutation.resolveDispute": {
    document: `mutation($i: ResolveDisputeInput!) { resolveDispute(input: $i) { id status } }`,
    variables: async (s) => ({
      i: { disputeId: await s.fresh.complaintUnderReview(), outcome: "REJECTED", note: "Not borne out by the evidence" },
    }),
  },
  "Mutation.submitReview": {
    document: `mutation($r: ID!) { submitReview(reviewId: $r, verdict: PASS, note: "Severity matches the runbook") { id outcome } }`,
    variables: async (s) => ({ r: await s.fresh.reviewItem() }),
  },
  "Mutation.submitEvaluationRun": {
    document: `mutation($i: SubmitEvaluationRunInput!) { submitEvaluationRun(input: $i) { id } }`,
    variables: (s) => ({ i: { agentId: s.agentId, pactId: s.pactId, cases: triageCases(6, { idPrefix: randomUUID().slice(0, 8) }) } }),
  },
  "Mutation.adoptPactTemplate": {
    document: `mutation($a: ID!) { adoptPactTemplate(agentId: $a, template: "alert-triage") { id } }`,
    variables: async (s) => ({ a: await s.fresh.agent() }),
  },
  "Mutation.createPact": {
    document: `mutation($i: CreatePactInput!) { createPact(input: $i) { id } }`,
    variables: async (s) => ({
      i: { agentId: await s.fresh.agent(), workflow: "ALERT_TRIAGE", passThreshold: 0.75, clauses: [triageClause] },
    }),
  },
  "Mutation.amendPact": {
    document: `mutation($p: ID!) { amendPact(pactId: $p, input: { passThreshold: 0.85 }) { id } }`,
    variables: async (s) => ({ p: await s.fresh.activePact() }),
  },
  "Mutation.activatePact": {
    document: `mutation($p: ID!) { activatePact(pactId: $p) { id status } }`,
    variables: async (s) => ({ p: await s.fresh.draftPact() }),
  },
  "Mutation.retirePact": {
    document: `mutation($p: ID!) { retirePact(pactId: $p, reason: "Replaced") { id status } }`,
    variables: async (s) => ({ p: await s.fresh.activePact() }),
  },
  "Mutation.createApiKey": {
    document: `mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { key { id } } }`,
    variables: () => ({ i: { name: "Key rotation", scopes: ["keys:manage"] } }),
  },
  "Mutation.revokeApiKey": {
    document: `mutation($id: ID!) { revokeApiKey(id: $id) { id state } }`,
    variables: async (s) => ({ id: await s.fresh.apiKey() }),
  },
  "Mutation.rotateApiKey": {
    document: `mutation($id: ID!) { rotateApiKey(id: $id, graceSeconds: 0) { key { id } } }`,
    variables: async (s) => ({ id: await s.fresh.apiKey() }),
  },
  "Mutation.suspendPartner": {
    document: `mutation($p: String!) { suspendPartner(partner: $p, reason: "Scraped beyond its contract") { suspended } }`,
    variables: (s) => ({ p: s.fresh.partner() }),
  },
  "Mutation.reinstatePartner": {
    document: `mutation($p: String!) { reinstatePartner(partner: $p) { suspended } }`,
    variables: async (s) => ({ p: await s.fresh.suspendedPartner() }),
  },
  "Mutation.submitKpiReport": {
    document: `mutation($i: KpiReportInput!) { submitKpiReport(input: $i) }`,
    // Each caller reports once: one report per reporter and week.
    variables: (s) => ({ i: kpiReport(s.agentId) }),
  },
  "Mutation.recomputeTrust": {
    document: `mutation($a: ID!) { recomputeTrust(agentId: $a) { compositeScore } }`,
    variables: (s) => ({ a: s.agentId }),
  },
  "Mutation.liftConsequence": {
    document: `mutation($a: ID!) { liftConsequence(agentId: $a, reason: "Audit") { consequence } }`,
    variables: (s) => ({ a: s.agentId }),
    // No consequence stands on the agent: answered after the caller is authorised.
    allowedAnswer: "CONFLICT",
  },
  "Mutation.acknowledgeEscalation": {
    document: `mutation($e: ID!) { acknowledgeEscalation(escalationId: $e) { id acknowledgedAt } }`,
    variables: async (s) => ({ e: await s.fresh.escalation() }),
  },
  // Heard of: bea's agent, which only a partner and bea herself may name.
  "Mutation.createWebhookEndpoint": {
    document: `mutation($i: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $i) { endpoint { id } } }`,
    variables: (s) => ({ i: { url: ENDPOINT_URL, eventTypes: ["ENDPOINT_DISABLED"], agentIds: [s.agentId] } }),
  },
  "Mutation.updateWebhookEndpoint": {
    document: `mutation($id: ID!, $i: UpdateWebhookEndpointInput!) { updateWebhookEndpoint(id: $id, input: $i) { id agentIds } }`,
    variables: async (s, column) => ({ id: await endpointFor(s, column), i: { description: "SOAR intake", agentIds: [s.agentId] } }),
  },
  "Mutation.rotateWebhookSecret": {
    document: `mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret } }`,
    variables: async (s, column) => ({ id: await endpointFor(s, column) }),
  },
  "Mutation.disableWebhookEndpoint": {
    document: `mutation($id: ID!) { disableWebhookEndpoint(id: $id, reason: "Paused") { id state } }`,
    variables: async (s, column) => ({ id: await endpointFor(s, column, "ACTIVE", { operator: true }) }),
  },
  "Mutation.enableWebhookEndpoint": {
    document: `mutation($id: ID!) { enableWebhookEndpoint(id: $id) { id state } }`,
    variables: async (s, column) => ({ id: await endpointFor(s, column, "DISABLED") }),
  },
  "Mutation.deleteWebhookEndpoint": {
    document: `mutation($id: ID!) { deleteWebhookEndpoint(id: $id) }`,
    variables: async (s, column) => ({ id: await endpointFor(s, column) }),
  },
  "Mutation.redeliverWebhook": {
    document: `mutation($d: ID!) { redeliverWebhook(deliveryId: $d) { deliveryId state } }`,
    variables: async (s, column) => ({ d: await deliveryFor(s, column) }),
  },
};

/** Sets up the scenario through the gateway where an act exists, and in the tables where it is the judge's or the ladder's work. */
async function seedScenario(system: TestSystem): Promise<Scenario> {
  const [bea, bo, ada, ola, pia, cal] = await Promise.all([
    bearer("builder", BEA),
    bearer("buyer", BO),
    bearer("arbiter", ADA),
    bearer("operator", OLA),
    bearer("partner", PIA),
    bearer("builder", CAL),
  ]);
  const call = async (document: string, variables: Variables, headers: Headers): Promise<Data> =>
    Object.values(dataOf(await postGraphQL<Data>(system.gatewayUrl, document, variables, headers)))[0] as Data;

  const { agent, pact } = await seedAgentWithPact(system.dataSource, BEA);
  // A run the jury could not finish: awaiting review, as the judge leaves it.
  const run = await seedQueuedRun(system.dataSource, pact, triageCases(6, { idPrefix: "review" }), { outbox: false });
  await system.dataSource.getRepository(EvaluationRun).update({ id: run.id }, { status: EvaluationRunStatus.AWAITING_REVIEW });

  const complaint = async () =>
    (
      await call(
        `mutation($i: FileDisputeInput!) { fileDispute(input: $i) { id } }`,
        { i: { agentId: agent.id, statement: "Missed a critical alert" } },
        bo,
      )
    ).id as string;
  const assign = async (id: string) =>
    (await call(`mutation($d: ID!) { assignDispute(disputeId: $d) { id } }`, { d: id }, ada)).id as string;
  const resolve = (id: string, outcome: string) =>
    call(
      `mutation($i: ResolveDisputeInput!) { resolveDispute(input: $i) { id } }`,
      { i: { disputeId: id, outcome, note: "Decided on the evidence" } },
      ada,
    );
  const partner = () => `partner-${randomUUID().slice(0, 8)}`;
  const freshAgent = async () =>
    (
      await call(
        REGISTER_AGENT,
        { input: { name: `Agent ${randomUUID().slice(0, 8)}`, description: "Works the SOC queue", domains: ["ALERT_TRIAGE"] } },
        bea,
      )
    ).id as string;

  const keys = Object.fromEntries(
    await Promise.all(
      SCOPES.map(async (scope) => {
        const created = await call(
          `mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { secret } }`,
          { i: { name: `Only ${scope}`, scopes: [scope] } },
          pia,
        );
        return [scope, created.secret as string];
      }),
    ),
  ) as Record<Scope, string>;

  const ownerHeaders: Record<EndpointOwner, Headers> = { [BEA]: bea, [CAL]: cal, [PIA]: pia };
  const endpoint = async (owner: EndpointOwner, state: "ACTIVE" | "DISABLED" = "ACTIVE") => {
    const headers = ownerHeaders[owner];
    const created = await call(
      `mutation($i: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $i) { endpoint { id } } }`,
      { i: { url: ENDPOINT_URL, eventTypes: ["ENDPOINT_DISABLED"] } },
      headers,
    );
    const id = created.endpoint.id as string;
    if (state === "DISABLED") await call(`mutation($id: ID!) { disableWebhookEndpoint(id: $id) { id } }`, { id }, headers);
    return id;
  };

  const endpointId = await endpoint(BEA);
  return {
    keys,
    agentId: agent.id,
    endpointId,
    deliveryId: await seedDelivery(system.dataSource, endpointId, agent.id),
    pactId: pact.id,
    runId: run.id,
    complaintId: await complaint(),
    fresh: {
      agent: freshAgent,
      activePact: async () => (await seedAgentWithPact(system.dataSource, BEA)).pact.id,
      draftPact: async () =>
        (
          await call(
            `mutation($i: CreatePactInput!) { createPact(input: $i) { id } }`,
            { i: { agentId: await freshAgent(), workflow: "ALERT_TRIAGE", passThreshold: 0.75, clauses: [triageClause] } },
            bea,
          )
        ).id as string,
      complaint,
      complaintUnderReview: async () => assign(await complaint()),
      upheldComplaint: async () => {
        const id = await assign(await complaint());
        await resolve(id, "UPHELD");
        return id;
      },
      reviewItem: async () => {
        const id = randomUUID();
        await system.dataSource.getRepository(JuryVerdict).insert({
          id,
          runId: run.id,
          caseId: `review-${id.slice(0, 8)}`,
          agentId: agent.id,
          metric: PactMetric.SEVERITY_CLASSIFICATION_ACCURACY,
          clauseKey: "severity-accuracy",
          method: EvaluationMethod.JURY,
          deterministicOutcome: null,
          juryOutcome: CaseOutcome.UNCERTAIN,
          uncertainBecause: "the jurors split",
          votes: [],
          majorityShare: 0.5,
          costUsd: 0,
          outcome: CaseOutcome.UNCERTAIN,
          decidedBy: null,
          reviewer: null,
          reviewNote: null,
          reviewedAt: null,
          createdAt: new Date(),
        });
        return id;
      },
      escalation: async () => {
        const id = randomUUID();
        const now = new Date();
        await system.dataSource.getRepository(Escalation).insert({
          id,
          agentId: agent.id,
          pactId: pact.id,
          action: ConsequenceAction.WARN,
          direction: EscalationDirection.FIRED,
          notify: [],
          ownerTeam: "soc",
          ownerContact: "soc@example.com",
          reason: "two critical breaches in 30 days",
          cause: TrustCause.EVALUATION_RUN,
          causeId: run.id,
          createdAt: now,
          ackDueAt: new Date(now.getTime() + 3600_000),
          acknowledgedAt: null,
        });
        return id;
      },
      apiKey: async () =>
        (
          await call(
            `mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { key { id } } }`,
            { i: { name: "Feed reader", scopes: ["reputation:read"] } },
            pia,
          )
        ).key.id as string,
      partner,
      suspendedPartner: async () =>
        (await call(`mutation($p: String!) { suspendPartner(partner: $p, reason: "Unpaid invoices") { partner } }`, { p: partner() }, ola))
          .partner as string,
      endpoint,
      delivery: async (owner) => seedDelivery(system.dataSource, await endpoint(owner), agent.id),
    },
  };
}

describe("the authorisation table of docs/security.md", () => {
  it("names every root field of the API schema, once, and nothing else", async () => {
    const rows = TABLE.rows.map((row) => row.operation);
    expect(
      rows.filter((operation, i) => rows.indexOf(operation) !== i),
      "rows listed twice",
    ).toEqual([]);
    expect([...rows].sort(), "rows against the API schema's root fields").toEqual((await apiRootFields()).sort());
  });

  it("has a column for each caller of this test, and a sample for each row", () => {
    expect([...TABLE.columns].sort(), "columns against CALLERS").toEqual(Object.keys(CALLERS).sort());
    expect(Object.keys(SAMPLES).sort(), "SAMPLES against the rows").toEqual(TABLE.rows.map((row) => row.operation).sort());
  });
});

// Both engines: the walk takes a few seconds on each.
describe.each(DATABASE_KINDS)("the authorisation table, walked through the gateway (%s)", (kind) => {
  const system = useTestSystem(kind, {
    judge: false,
    // A redelivery's message stays in the outbox: nothing is POSTed, so no endpoint changes behind a refused call.
    webhooks: false,
    // bo files a complaint for nearly every cell of the dispute rows.
    env: { DISPUTE_MAX_OPEN_PER_FILER: "100" },
  });
  let scenario: Scenario;
  beforeAll(async () => {
    scenario = await seedScenario(system);
  });

  /** Sends the row's sample as each caller; returns the cells whose promise the response breaks. */
  async function walk(row: AuthorisationRow): Promise<string[]> {
    const sample = SAMPLES[row.operation];
    if (!sample) return [`no sample for ${row.operation}`];
    const mutation = row.operation.startsWith("Mutation.");
    const broken: string[] = [];
    for (const [column, expected] of Object.entries(row.cells)) {
      const caller = CALLERS[column];
      if (!caller) {
        broken.push(`${column}: no such caller`);
        continue;
      }
      const variables = (await sample.variables?.(scenario, column)) ?? {};
      const headers = await caller.headers(scenario);
      const watch = mutation && expected !== "✓";
      const before = watch ? await snapshotTables(system.dataSource, UNWATCHED_TABLES) : null;
      const response: GraphQLResponse<Data> = await postGraphQL<Data>(system.gatewayUrl, sample.document, variables, headers);
      const why = brokenPromise(expected, response);
      if (why) broken.push(`${column}: ${why}`);
      else if (expected === "✓" && answerOf(response) !== (sample.allowedAnswer ?? "ok"))
        broken.push(`${column}: allowed, but the sample answered ${JSON.stringify(response.errors)}`);
      if (before) {
        const after = await snapshotTables(system.dataSource, UNWATCHED_TABLES);
        const changed = Object.keys(after).filter((table) => JSON.stringify(after[table]) !== JSON.stringify(before[table]));
        if (changed.length > 0) broken.push(`${column}: refused, yet wrote to ${changed.join(", ")}`);
      }
    }
    return broken;
  }

  it.each(TABLE.rows.map((row) => [row.operation, row] as const))("%s", async (_operation, row) => {
    expect(await walk(row)).toEqual([]);
  });
});
