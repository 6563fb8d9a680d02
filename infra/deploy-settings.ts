/// <reference path="../.sst/platform/config.d.ts" />

// The deploy-time choices, read by SST from the shell or `.env.<stage>` next to sst.config.ts, in
// one place: the application never sees these variables, only what infra/ derives from them.

/** The stage that serves users: never pauses its database, keeps its resources on removal. */
export const production = $app.stage === "production";

/**
 * `AGENT_TRUST_DATABASE=aurora`: this stage owns a VPC and an Aurora MySQL 3 (MySQL 8.0) cluster,
 * and the functions that use the database run inside that VPC. Anything else: DATABASE_URL comes
 * from the DatabaseUrl secret and no function joins a VPC, so that server must be reachable over
 * the internet (public endpoint, TLS, strong password).
 */
export const ownsDatabase = process.env.AGENT_TRUST_DATABASE === "aurora";

/**
 * Who sits on the jury (lib/platform/config.ts, JURY_MEMBERS): the offline rubric jurors unless the
 * deploy names models, e.g.
 * AGENT_TRUST_JURY_MEMBERS="bedrock:anthropic.claude-3-haiku-20240307-v1:0,openai:gpt-4o-mini".
 */
export const juryMembers = process.env.AGENT_TRUST_JURY_MEMBERS ?? "rubric:strict,rubric:balanced,rubric:lenient";
export const juryUsesBedrock = juryMembers.includes("bedrock:");
export const juryUsesOpenAi = juryMembers.includes("openai:");

/**
 * Where the gateway counts rate-limit budgets. `shared` (default): in the database, so that every
 * gateway instance charges the same budget; with Aurora that puts the gateway in the VPC, and so
 * behind NAT (docs/deployment.md, "Network"). `per-instance`: in each instance's memory, so a
 * caller may get up to the gateway's reserved concurrency times its budget; the gateway then
 * stays outside any VPC and needs no database user.
 */
export const gatewayRateLimits: "shared" | "per-instance" =
  process.env.AGENT_TRUST_GATEWAY_RATE_LIMITS === "per-instance" ? "per-instance" : "shared";

/** The gateway joins the VPC only for shared counters in a database that is private to it. */
export const gatewayInVpc = ownsDatabase && gatewayRateLimits === "shared";

/**
 * The webhook deliverer (infra/webhooks.ts) POSTs to partners' and builders' endpoints on the
 * internet; it runs in the VPC whenever the stage owns its database, as every backend function does.
 */
const webhookDelivererInVpc = ownsDatabase;

/**
 * Whether anything in the VPC must reach the internet, which only NAT gives it: the webhook
 * deliverer, the gateway (the subgraphs' function URLs and an identity provider's keys have no VPC
 * endpoint), OpenAI-protocol jurors, and Bedrock in another region than the stage's (BEDROCK_REGION
 * set: the VPC endpoint serves only its own region). Without any of them the VPC has no NAT, and
 * SQS and Bedrock are reached through VPC endpoints.
 */
export const vpcNeedsInternet =
  webhookDelivererInVpc || gatewayInVpc || juryUsesOpenAi || (juryUsesBedrock && Boolean(process.env.BEDROCK_REGION));

/**
 * `max_connections` of an external database (`SHOW VARIABLES LIKE 'max_connections'`), which the
 * connection budget (capacity.ts) is drawn from; ignored with Aurora, whose limit capacity.ts knows.
 */
export const externalDatabaseMaxConnections = Number(process.env.AGENT_TRUST_DATABASE_MAX_CONNECTIONS ?? "90");

/** Optional: an address that receives the alarms (alarms.ts); AWS mails it a confirmation link first. */
export const alarmEmail = process.env.AGENT_TRUST_ALARM_EMAIL;
