/// <reference path="../.sst/platform/config.d.ts" />

// Values live in SST's encrypted per-stage store: `npx sst secret set <Name> <value> --stage <stage>`.
// A declared secret without a value fails the deploy, which is what we want for these.

/** HS256 key for callers' bearer tokens; at least 32 characters (lib/platform/config.ts checks). */
export const authTokenSecret = new sst.Secret("AuthTokenSecret");

/** HS256 key for the identity header the gateway signs and the subgraphs verify; at least 32 characters. */
export const subgraphSecret = new sst.Secret("SubgraphSecret");

/**
 * What every webhook endpoint's signing secret is derived from (subgraphs/webhooks/webhook-secret.ts);
 * at least 32 characters. Changing it changes every endpoint's secret at once.
 */
export const webhookSecretKey = new sst.Secret("WebhookSecretKey");

/** API key of the OpenAI-compatible endpoint jurors call; declared only when the jury has OpenAI members. */
export function openAiApiKeySecret() {
  return new sst.Secret("OpenAiApiKey");
}

/**
 * `mysql://user:password@host:3306/database` of a MySQL 8 server (RDS MySQL or Aurora MySQL 3)
 * that this app does not manage. Declared only when database.ts needs it: a stage that owns its
 * Aurora cluster has nothing to put here, and an unset secret would fail its deploy.
 */
export function databaseUrlSecret() {
  return new sst.Secret("DatabaseUrl");
}

/**
 * `mysql://gateway:password@host:3306/database`: the gateway's own database user, allowed only the
 * rate-limit counters (`gateway_rate_limits`; docs/deployment.md shows the GRANT), so that the
 * internet-facing function holds no credential to the application's data. Declared only when the
 * gateway counts in the database (deploy-settings.ts, AGENT_TRUST_GATEWAY_RATE_LIMITS).
 */
export function rateLimitDatabaseUrlSecret() {
  return new sst.Secret("RateLimitDatabaseUrl");
}

/**
 * The Ed25519 key set that signs attestations and the transparency log's tree heads, as
 * `npm run keys:rotate -- --from-env` prints it (docs/attestations.md). Every function gets it: the
 * reputation subgraph signs attestations, ScheduledJobs signs tree heads, and the gateway publishes
 * the public half at /.well-known/jwks.json.
 */
export const attestationSigningKeys = new sst.Secret("AttestationSigningKeys");
