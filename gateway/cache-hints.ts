/*
 * How long the gateway's response cache may reuse an anonymous caller's answer, per type and per
 * field of the supergraph, in seconds (gateway/cache-policy.math.ts says how they combine, Apollo's
 * way; gateway/response-cache.ts uses them). Every hint is further capped by
 * GATEWAY_CACHE_MAX_AGE_SECONDS (at most 60): for live data the cap is what decides.
 *
 * Only what a buyer reads in public is hinted: search, agents, their public trust, pacts, disputes
 * (as the summary everyone sees), histories and scorecards, and the transparency log.
 * No hint, so never cached: anything per caller (`rateLimit`, escalations, a dispute in full, an
 * escalation owner's contact, API keys, webhooks, runs, review queues, the feed), attestations
 * (signed for each request, and ATTESTATION_TTL_SECONDS may be shorter than the bound), and every
 * mutation.
 */

/** Data that changes as trust does: held no longer than the bound allows. */
const LIVE = 60;
/** Data that changes only with a deploy (the metric catalogue, the templates), or never (a log entry, a proof). */
const FIXED = 3600;

/** Hints of the fields returning these types, unless the field has its own. */
export const TYPE_HINTS: Readonly<Record<string, number>> = {
  Agent: LIVE,
  AgentConnection: LIVE,
  AgentEdge: LIVE,
  PageInfo: LIVE,
  TrustProfile: LIVE,
  Pact: LIVE,
  PactClause: LIVE,
  ConsequenceStep: LIVE,
  ConsequenceTrigger: LIVE,
  RecoveryCondition: LIVE,
  EscalationRouteStep: LIVE,
  DisputeSummaryConnection: LIVE,
  DisputeSummaryEdge: LIVE,
  DisputeSummary: LIVE,
  Scorecard: LIVE,
  ScorecardWeekView: LIVE,
  KpiTrend: LIVE,
  DriftAlarmView: LIVE,
  ScoreHistoryConnection: LIVE,
  ScoreHistoryEdge: LIVE,
  ScoreHistoryEntry: LIVE,
  EligibilityHistoryConnection: LIVE,
  EligibilityChangeEdge: LIVE,
  EligibilityChange: LIVE,
  SignedTreeHead: FIXED,
  TransparencyLogEntry: FIXED,
  LogInclusionProof: FIXED,
  LogConsistencyProof: FIXED,
  PactMetricDefinition: FIXED,
  MetricCaseField: FIXED,
  PactTemplateDefinition: FIXED,
};

/** Hints of single fields, as `Type.field`: they win over their type's. */
export const FIELD_HINTS: Readonly<Record<string, number>> = {
  // A head of a given size never changes, but without `treeSize` these answer against the latest
  // head, which moves as the log grows.
  "Query.treeHead": LIVE,
  "Query.logProof": LIVE,
};
