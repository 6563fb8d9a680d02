/// <reference path="../.sst/platform/config.d.ts" />
import { vpc } from "./database";
import { lambda } from "./lambda";
import { rateLimitDatabaseUrl } from "./secrets";
import { judgeQueue } from "./queues";

function subgraph(name: string, handler: string, permissions: sst.aws.FunctionArgs["permissions"] = []) {
  return new sst.aws.Function(
    name,
    lambda({
      handler,
      permissions,
      // Building the schema at cold start is CPU-bound, and Lambda's CPU grows with memory.
      memory: "1024 MB",
      timeout: "10 seconds",
      url: {
        // A public URL is acceptable only because every subgraph rejects a request that lacks the
        // identity header the gateway signs with SUBGRAPH_SECRET. Browsers never call a subgraph,
        // hence no CORS.
        authorization: "none",
        cors: false,
      },
    }),
  );
}

const agents = subgraph("AgentsSubgraph", "functions/agents-subgraph.handler");
// Publishes a submitted run's judge job before answering (runtime/lambda.ts).
const pacts = subgraph("PactsSubgraph", "functions/pacts-subgraph.handler", [
  { actions: ["sqs:SendMessage"], resources: [judgeQueue.arn] },
]);
const reputation = subgraph("ReputationSubgraph", "functions/reputation-subgraph.handler");
const disputes = subgraph("DisputesSubgraph", "functions/disputes-subgraph.handler");
// Also answers the gateway's API key lookups (gateway/api-keys.ts).
const partners = subgraph("PartnersSubgraph", "functions/partners-subgraph.handler");
const transparency = subgraph("TransparencySubgraph", "functions/transparency-subgraph.handler");

/** The one public API: plans each query and fans it out to the subgraphs. */
export const gateway = new sst.aws.Function(
  "Gateway",
  lambda(
    {
      handler: "functions/gateway.handler",
      memory: "1024 MB",
      // Longer than one subgraph call (10 s), since a query plan may call subgraphs in sequence.
      timeout: "20 seconds",
      // CORS open to any origin: callers authenticate with bearer tokens, never cookies.
      url: true,
      // Read at cold start (functions/gateway.ts), from the same path as in the repository.
      copyFiles: [{ from: "gateway/supergraph.graphql" }],
      // Rate-limit budgets are counted in the database (RATE_LIMIT_STORE=mysql, table
      // gateway_rate_limits), so that every gateway instance charges the same budget, as a user
      // allowed that table only; in the VPC when the stage owns the database, reaching the
      // subgraphs' URLs through its NAT.
      ...(vpc ? { vpc } : {}),
      environment: {
        RATE_LIMIT_STORE: "mysql",
        RATE_LIMIT_DATABASE_URL: rateLimitDatabaseUrl.value,
        // The stage's identity provider, when it has one (docs/security.md), read from the deploying shell.
        ...Object.fromEntries(
          ["OIDC_ISSUER", "OIDC_AUDIENCE", "OIDC_JWKS_URL", "OIDC_ROLE_CLAIM", "OIDC_SUBJECT_CLAIM", "AUTH_DEV_TOKENS"].flatMap((name) =>
            process.env[name] ? [[name, process.env[name] as string]] : [],
          ),
        ),
        // Convention shared with the code: each variable holds the function URL exactly as Lambda
        // reports it (`https://….lambda-url.<region>.on.aws/`), and the gateway POSTs GraphQL to
        // it as-is, so a subgraph handler serves GraphQL at its root path.
        AGENTS_URL: agents.url,
        PACTS_URL: pacts.url,
        REPUTATION_URL: reputation.url,
        DISPUTES_URL: disputes.url,
        PARTNERS_URL: partners.url,
        TRANSPARENCY_URL: transparency.url,
      },
    },
    { backend: false },
  ),
);
