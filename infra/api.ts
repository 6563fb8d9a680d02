/// <reference path="../.sst/platform/config.d.ts" />
import { API_CONCURRENCY, GATEWAY_POOL_SIZE } from "./capacity";
import { gatewayInVpc, gatewayRateLimits } from "./deploy-settings";
import { lambda } from "./lambda";
import { afterMigrations } from "./migrations";
import { vpc } from "./network";
import { judgeQueue, webhookQueue } from "./queues";
import { rateLimitDatabaseUrlSecret, webhookSecretKey } from "./secrets";

function subgraph(
  name: string,
  handler: string,
  permissions: sst.aws.FunctionArgs["permissions"] = [],
  environment: Record<string, $util.Input<string>> = {},
) {
  return new sst.aws.Function(
    name,
    lambda(
      {
        handler,
        permissions,
        // Building the schema at cold start is CPU-bound, and Lambda's CPU grows with memory.
        memory: "1024 MB",
        timeout: "10 seconds",
        // A resuming database is retried within the 10 s timeout, so that the caller gets the
        // documented 503 with Retry-After rather than a Lambda timeout (docs/deployment.md).
        environment: { DATABASE_CONNECT_RETRY_SECONDS: "6", ...environment },
        // The gateway's concurrency: one gateway instance calls a subgraph once at a time (capacity.ts).
        concurrency: { reserved: API_CONCURRENCY },
        url: {
          // Only principals allowed lambda:InvokeFunctionUrl may call, with SigV4-signed requests:
          // the gateway's role, below. An anonymous probe is refused by Lambda before any code runs
          // or any connection opens; the identity header the gateway signs with SUBGRAPH_SECRET
          // remains the subgraph's own check. Browsers never call a subgraph, hence no CORS.
          authorization: "iam",
          cors: false,
        },
      },
      { after: afterMigrations },
    ),
  );
}

const agents = subgraph("AgentsSubgraph", "functions/agents-subgraph.handler");
// Publishes a submitted run's judge job before answering (runtime/lambda.ts).
const pacts = subgraph("PactsSubgraph", "functions/pacts-subgraph.handler", [
  // Its relay publishes whatever the outbox holds: judge jobs, and webhook deliveries.
  { actions: ["sqs:SendMessage"], resources: [judgeQueue.arn, webhookQueue.arn] },
]);
const reputation = subgraph("ReputationSubgraph", "functions/reputation-subgraph.handler");
const disputes = subgraph("DisputesSubgraph", "functions/disputes-subgraph.handler");
// Also answers the gateway's API key lookups (gateway/api-keys.ts).
const partners = subgraph("PartnersSubgraph", "functions/partners-subgraph.handler");
const transparency = subgraph("TransparencySubgraph", "functions/transparency-subgraph.handler");
// Resolves endpoints' hosts (registration checks their addresses); it never calls them (the deliverer does).
const webhooks = subgraph(
  "WebhooksSubgraph",
  "functions/webhooks-subgraph.handler",
  [
    // redeliverWebhook publishes its delivery's message at once (runtime/lambda.ts), and with it whatever else the outbox holds.
    { actions: ["sqs:SendMessage"], resources: [judgeQueue.arn, webhookQueue.arn] },
  ],
  // It shows an endpoint's secret at registration and rotation; besides the deliverer, no other function holds the key.
  { WEBHOOK_SECRET_KEY: webhookSecretKey.value },
);
const subgraphs = [agents, pacts, reputation, disputes, partners, transparency, webhooks];

// Counting in the database is the default; per-instance counting needs neither the VPC nor a user.
const rateLimitDatabaseUrl = gatewayRateLimits === "shared" ? rateLimitDatabaseUrlSecret() : undefined;

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
      // The public API's share of the connection budget (capacity.ts); also the most instances,
      // and so the most cost, a flood of requests can run up.
      concurrency: { reserved: API_CONCURRENCY },
      // Shared rate-limit budgets are counted in the database (RATE_LIMIT_STORE=mysql, table
      // gateway_rate_limits), as a user allowed that table only; in the VPC when the stage owns
      // the database, reaching the subgraphs' URLs through its NAT (network.ts).
      ...(gatewayInVpc && vpc ? { vpc } : {}),
      // SigV4-signed calls to the subgraphs' IAM-authorised URLs. Lambda requires both actions of
      // the caller of such a URL; the condition keeps the first to IAM-authorised URLs. The second
      // could also invoke the subgraphs directly, which gives nothing the URLs do not.
      permissions: [
        {
          actions: ["lambda:InvokeFunctionUrl"],
          resources: subgraphs.map((fn) => fn.arn),
          conditions: [{ test: "StringEquals", variable: "lambda:FunctionUrlAuthType", values: ["AWS_IAM"] }],
        },
        { actions: ["lambda:InvokeFunction"], resources: subgraphs.map((fn) => fn.arn) },
      ],
      environment: {
        // The gateway signs every subgraph call with its role's credentials (gateway/subgraph-auth.ts).
        SUBGRAPH_AUTH: "iam",
        ...(rateLimitDatabaseUrl
          ? {
              RATE_LIMIT_STORE: "mysql",
              RATE_LIMIT_DATABASE_URL: rateLimitDatabaseUrl.value,
              DATABASE_POOL_SIZE: String(GATEWAY_POOL_SIZE),
            }
          : { RATE_LIMIT_STORE: "memory" }),
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
        WEBHOOKS_URL: webhooks.url,
      },
    },
    { backend: false, after: afterMigrations },
  ),
);
