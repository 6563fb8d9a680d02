import { readFileSync } from "node:fs";
import path from "node:path";
import { type SigningKeySet, parseKeySet } from "./signing-keys.js";

/** The seven subgraphs, by the name they carry in the supergraph. */
export const SUBGRAPH_NAMES = ["agents", "pacts", "reputation", "disputes", "partners", "transparency", "webhooks"] as const;
export type SubgraphName = (typeof SUBGRAPH_NAMES)[number];

export const DEFAULT_SUBGRAPH_PORTS: Record<SubgraphName, number> = {
  agents: 4001,
  pacts: 4002,
  reputation: 4003,
  disputes: 4004,
  partners: 4005,
  transparency: 4006,
  webhooks: 4007,
};

/** SUBGRAPH_AUTH: how the gateway authenticates to the subgraphs' URLs, besides the identity header it signs. */
export type SubgraphAuth = "none" | "iam";

/** A Lambda function URL's host, which names its region: `<url-id>.lambda-url.<region>.on.aws`. */
export const FUNCTION_URL_HOST = /^[^.]+\.lambda-url\.([a-z0-9-]+)\.on\.aws$/;

export interface AppConfig {
  production: boolean;
  dataDir: string;
  /**
   * `mysql://user:pass@host:port/db` or `sqlite:<file>`. A MySQL URL carries its TLS settings as
   * its only query parameters, `ssl` and `ssl-ca` (mysqlUrlWithTls below), which
   * lib/platform/database.ts reads.
   */
  databaseUrl: string;
  /** Connections per process (MySQL); small on Lambda, where every warm instance keeps its own pool. */
  databasePoolSize: number;
  /**
   * How long a Lambda container keeps retrying its first connection while the database refuses
   * or times out (an Aurora cluster resuming from a pause takes about 15 s); 0: one attempt.
   */
  databaseConnectRetrySeconds: number;
  gateway: {
    host: string;
    port: number;
    limits: { maxDepth: number; maxFields: number; maxRootFields: number };
    maxQueryTokens: number;
    /** How long the gateway waits for one subgraph call before failing it. */
    subgraphTimeoutMs: number;
    /**
     * GATEWAY_CACHE_MAX_AGE_SECONDS: the longest an anonymous caller's public read is answered from
     * the gateway's response cache (gateway/response-cache.ts), and so the bound within which a trust
     * change reaches every anonymous reader; 0: no response cache.
     */
    cacheMaxAgeSeconds: number;
    introspection: boolean;
    /** Serve the GraphiQL explorer to browsers at /graphql (lib/platform/explorer.ts). */
    explorer: boolean;
    /** Which browser origins may call the gateway (lib/platform/cors.ts). */
    cors: CorsConfig;
    /** Cost-based rate limits per caller (gateway/rate-limit.ts). */
    rateLimit: RateLimitConfig;
    /** Proxies of ours in front of the gateway, whose X-Forwarded-For entries are believed (gateway/client-address.ts). */
    trustProxyHops: number;
    /** Partners' API keys, checked at the gateway against the partners subgraph (gateway/api-keys.ts). */
    apiKeys: {
      /**
       * How long a gateway instance reuses the partners subgraph's answer about a key, accepted or
       * refused: the bound within which a revocation or suspension reaches every instance.
       */
      cacheSeconds: number;
      /** How long the gateway waits for the partners subgraph's answer before failing the request with 503. */
      lookupTimeoutMs: number;
    };
  };
  subgraphs: {
    host: string;
    ports: Record<SubgraphName, number>;
    urls: Partial<Record<SubgraphName, string>>;
    /**
     * `iam`: every call from the gateway to a subgraph is signed with SigV4 and the function's AWS
     * credentials (gateway/subgraph-auth.ts), for function URLs with IAM auth; `none`: sent as is.
     */
    auth: SubgraphAuth;
    /** AWS_REGION: the signatures' region when a subgraph URL does not name one (a function URL does). */
    region: string;
  };
  auth: {
    /** HS256 secret for caller tokens; generated under dataDir when absent (development only). */
    tokenSecret?: string;
    /** HS256 secret shared by gateway and subgraphs for the forwarded identity. */
    subgraphSecret?: string;
    issuer: string;
    audience: string;
    /** Accept the project's own HS256 caller tokens (AUTH_DEV_TOKENS); off, only the identity provider's tokens and API keys are. */
    devTokens: boolean;
    /** The OpenID Connect provider whose RS256/ES256 tokens the gateway accepts (gateway/oidc.ts); unset: none. */
    oidc?: OidcConfig;
  };
  sqs: {
    region: string;
    /** Custom endpoint (emulator); unset means AWS itself. */
    endpoint?: string;
    /** Unset means: start the embedded emulator with the judge queue and its DLQ. */
    judgeQueueUrl?: string;
    maxReceiveCount: number;
    visibilityTimeoutSeconds: number;
    /** A run still QUEUED this long after its job was written gets a new job. */
    staleAfterSeconds: number;
    /** Requeues before a run is marked FAILED. */
    maxRequeues: number;
    waitTimeSeconds: number;
    batchSize: number;
  };
  outbox: { pollIntervalMs: number };
  jury: JuryConfig;
  disputes: DisputesConfig;
  evaluation: {
    /** How sure a clause's window must make us before its verdict counts (the minimum sample size, docs/pacts.md). */
    evidenceConfidence: number;
    /** Hours an arbiter has to decide an assigned review case before it passes to the next. */
    reviewDeadlineHours: number;
    /** Arbiter ids reviews are assigned to, besides those who have reviewed before (REVIEW_ARBITERS, comma-separated). */
    reviewArbiters: string[];
  };
  /** Signed attestations of an agent's trust (docs/attestations.md). */
  attestation: {
    /** `iss` of every attestation: who vouches. */
    issuer: string;
    /** How long an attestation is valid, and so how long a retired key stays published after a rotation. */
    ttlSeconds: number;
    /** ATTESTATION_SIGNING_KEYS (production); unset: the key file under dataDir (lib/platform/signing-keys.ts). */
    signingKeys?: SigningKeySet;
  };
  /** Webhooks to partners' and builders' endpoints (docs/webhooks.md). */
  webhooks: WebhooksConfig;
}

export interface WebhooksConfig {
  /**
   * WEBHOOK_SECRET_KEY: what every endpoint's signing secret is derived from; unset: a key file
   * under dataDir, outside production. Only the webhooks subgraph and the deliverer hold it
   * (lib/platform/secrets.ts refuses to do without it in production), so that no other process's
   * environment can sign for every endpoint.
   */
  secretKey?: string;
  /** WEBHOOK_QUEUE_URL: the deliverer's queue; unset means the embedded emulator's. */
  queueUrl?: string;
  /**
   * WEBHOOKS_ALLOW_LOOPBACK: also accept endpoints on loopback addresses, over http too (default
   * on outside production, refused in production). Private, link-local and metadata addresses
   * are refused either way.
   */
  allowLoopback: boolean;
  /** How long one POST may take, connection included, before it counts as failed. */
  timeoutMs: number;
  /** How much of a response body is read; a longer one is cut off (the attempt still counts by its status). */
  maxResponseBytes: number;
  /** How long a rotated-out secret still signs deliveries beside the new one. */
  secretGraceHours: number;
  /** How often the local dispatcher looks for new events and due retries (`npm start`). */
  dispatchIntervalMs: number;
  /** SQS receives before a deliverer message goes to the dead-letter queue (only when the deliverer itself keeps failing). */
  maxReceiveCount: number;
  visibilityTimeoutSeconds: number;
}

/**
 * Cross-origin access for browsers: `origins` lists exact origins (`https://app.example.com`), or
 * is `"*"` for any; empty means same-origin only. `credentials` lets browsers send cookies.
 */
/**
 * Budgets of points per window (gateway/operation-cost.math.ts says what an operation costs), and
 * where they are counted: `memory` in the process, `mysql` in `databaseUrl`'s database (shared by
 * every gateway instance), `redis` at `redisUrl`.
 */
export interface RateLimitConfig {
  windowSeconds: number;
  points: { key: number; token: number; anonymous: number };
  store: "memory" | "mysql" | "redis";
  redisUrl?: string;
  /** RATE_LIMIT_DATABASE_URL, else DATABASE_URL: on AWS a user allowed only the counters' table (docs/deployment.md). */
  databaseUrl?: string;
}

export interface CorsConfig {
  origins: string[] | "*";
  credentials: boolean;
}

/**
 * An identity provider's tokens (docs: "Tokens from your identity provider"). `jwksUrl` unset
 * means: the `jwks_uri` of the issuer's discovery document. Claims are top-level names, or dotted
 * paths into nested claims (`realm_access.roles`) when no top-level claim has the whole name.
 */
export interface OidcConfig {
  issuer: string;
  audience: string;
  jwksUrl?: string;
  roleClaim: string;
  subjectClaim: string;
}

export interface DisputesConfig {
  /** Open disputes one filer may hold against one agent. */
  maxOpenPerFiler: number;
  /** Hours an arbiter has to take a new dispute up before it is escalated. */
  responseHours: number;
  /** Days from filing to resolution before it is escalated. */
  resolutionDays: number;
  /** Days after a verdict within which the agent's builder may appeal it. */
  appealDays: number;
}

/** A juror: `rubric:<strict|balanced|lenient>` (offline heuristic), `openai:<model>` or `bedrock:<model id>`. */
export type JurorSpec =
  | { provider: "rubric"; variant: "strict" | "balanced" | "lenient" }
  | { provider: "openai" | "bedrock"; model: string };

export interface JuryConfig {
  members: JurorSpec[];
  /** Any OpenAI-compatible chat-completions endpoint. */
  openai: { baseUrl: string; apiKey?: string; prices: { inputPer1k: number; outputPer1k: number } };
  bedrock: { region: string; prices: { inputPer1k: number; outputPer1k: number } };
  policy: { timeoutMs: number; retries: number; backoffMs: number; quorum: number; minAgreement: number; minConfidence: number };
  /** Jury questions in flight at once per judge worker. */
  concurrency: number;
  /** Cases per judge job for runs with jury-judged clauses, so a job fits a Lambda's time limit. */
  sliceCases: number;
  budget: { capUsd: number | null; maxCallUsd: number; whenCapped: "review" | "wait" };
  calibration: { target: number; minLabels: number; decay: number };
}

export class ConfigError extends Error {
  constructor(problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join("\n  - ")}`);
    this.name = "ConfigError";
  }
}

type Env = Record<string, string | undefined>;

/** Reads and validates the environment; collects every problem before failing. Pure: pass `env` in tests. */
export function loadConfig(env: Env = process.env, cwd = process.cwd()): AppConfig {
  const problems: string[] = [];
  const str = (name: string) => {
    const value = env[name]?.trim();
    return value ? value : undefined;
  };
  const int = (name: string, fallback: number, min: number, max: number) => {
    const raw = str(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${name} must be an integer between ${min} and ${max}, got "${raw}"`);
      return fallback;
    }
    return value;
  };
  const num = (name: string, fallback: number, min: number, max: number) => {
    const raw = str(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < min || value > max) {
      problems.push(`${name} must be a number between ${min} and ${max}, got "${raw}"`);
      return fallback;
    }
    return value;
  };
  const url = (name: string, protocols: string[]) => {
    const raw = str(name);
    if (raw === undefined) return undefined;
    try {
      const parsed = new URL(raw);
      if (!protocols.includes(parsed.protocol)) problems.push(`${name} must use ${protocols.join(" or ")}, got "${parsed.protocol}"`);
    } catch {
      problems.push(`${name} is not a valid URL`);
    }
    return raw;
  };

  // Not `new URL`: emulators hand out queue URLs such as http://sqs.us-east-1.127.0.0.1:4566/…
  // that WHATWG parsing rejects, and the SDK only passes them through.
  const queueUrl = (name: string) => {
    const raw = str(name);
    if (raw !== undefined && !/^https?:\/\/[^\s/]+\/[^\s/]+\/[^\s/]+$/.test(raw))
      problems.push(`${name} must look like https://<host>/<account>/<queue>`);
    return raw;
  };

  const bool = (name: string, fallback: boolean) => {
    const raw = str(name);
    if (raw === undefined) return fallback;
    if (raw !== "true" && raw !== "false") problems.push(`${name} must be true or false, got "${raw}"`);
    return raw === "true";
  };

  const production = env.NODE_ENV === "production";
  const dataDir = path.resolve(cwd, str("DATA_DIR") ?? ".data");
  const givenDatabaseUrl = str("DATABASE_URL") ?? `sqlite:${path.join(dataDir, "agent-trust.sqlite")}`;
  if (!/^(mysql|mariadb):\/\//.test(givenDatabaseUrl) && !givenDatabaseUrl.startsWith("sqlite:")) {
    problems.push(`DATABASE_URL must start with mysql:// or sqlite:, got "${givenDatabaseUrl.split(":")[0]}:…"`);
  }
  const tls: TlsSettings = { tls: str("DATABASE_TLS"), ca: str("DATABASE_TLS_CA"), production, cwd };
  const databaseUrl = mysqlUrlWithTls("DATABASE_URL", givenDatabaseUrl, tls, problems);

  const ports = Object.fromEntries(
    SUBGRAPH_NAMES.map((name) => [name, int(`${name.toUpperCase()}_PORT`, DEFAULT_SUBGRAPH_PORTS[name], 0, 65535)]),
  ) as Record<SubgraphName, number>;
  const urls: Partial<Record<SubgraphName, string>> = {};
  for (const name of SUBGRAPH_NAMES) {
    const value = url(`${name.toUpperCase()}_URL`, ["http:", "https:"]);
    if (value) urls[name] = value;
  }

  const subgraphAuth = subgraphAuthConfig(str("SUBGRAPH_AUTH"), urls, env, production, problems);

  const cors = corsConfig(str("CORS_ORIGINS"), bool("CORS_ALLOW_CREDENTIALS", false), problems);
  const rateLimitStore = str("RATE_LIMIT_STORE") ?? "memory";
  if (rateLimitStore !== "memory" && rateLimitStore !== "mysql" && rateLimitStore !== "redis")
    problems.push(`RATE_LIMIT_STORE must be memory, mysql or redis, got "${rateLimitStore}"`);
  const givenRateLimitUrl = str("RATE_LIMIT_DATABASE_URL");
  const rateLimitDatabaseUrl = givenRateLimitUrl
    ? mysqlUrlWithTls("RATE_LIMIT_DATABASE_URL", givenRateLimitUrl, tls, problems)
    : databaseUrl;
  if (rateLimitStore === "mysql" && !/^(mysql|mariadb):\/\//.test(rateLimitDatabaseUrl))
    problems.push("RATE_LIMIT_STORE=mysql counts in RATE_LIMIT_DATABASE_URL's (else DATABASE_URL's) database, which must then be mysql://");
  const redisUrl = url("REDIS_URL", ["redis:", "rediss:"]);
  if (rateLimitStore === "redis" && !redisUrl) problems.push("RATE_LIMIT_STORE=redis needs REDIS_URL (redis://host:6379)");

  const tokenSecret = str("AUTH_TOKEN_SECRET");
  const subgraphSecret = str("SUBGRAPH_SECRET");
  for (const [name, value] of [
    ["AUTH_TOKEN_SECRET", tokenSecret],
    ["SUBGRAPH_SECRET", subgraphSecret],
  ] as const) {
    if (value !== undefined && value.length < 32) problems.push(`${name} must be at least 32 characters`);
    if (value === undefined && production) problems.push(`${name} is required when NODE_ENV=production`);
  }
  const webhookSecretKey = str("WEBHOOK_SECRET_KEY");
  if (webhookSecretKey !== undefined && webhookSecretKey.length < 32) problems.push("WEBHOOK_SECRET_KEY must be at least 32 characters");
  const allowLoopback = bool("WEBHOOKS_ALLOW_LOOPBACK", !production);
  if (allowLoopback && production)
    problems.push("WEBHOOKS_ALLOW_LOOPBACK=true is refused in production: endpoints must be public https URLs");
  const oidc = oidcConfig(str, production, problems);
  const devTokens = bool("AUTH_DEV_TOKENS", true);
  if (!devTokens && !oidc) problems.push("AUTH_DEV_TOKENS=false needs OIDC_ISSUER and OIDC_AUDIENCE: otherwise no person could sign in");

  const specs = (str("JURY_MEMBERS") ?? "rubric:strict,rubric:balanced,rubric:lenient")
    .split(",")
    .map((spec) => spec.trim())
    .filter(Boolean);
  const members = specs.flatMap((spec): JurorSpec[] => {
    const [provider, ...rest] = spec.split(":");
    const model = rest.join(":");
    if (provider === "rubric" && (model === "strict" || model === "balanced" || model === "lenient")) return [{ provider, variant: model }];
    if ((provider === "openai" || provider === "bedrock") && /^[\w.:/-]{1,200}$/.test(model)) return [{ provider, model }];
    problems.push(`JURY_MEMBERS: "${spec}" is not rubric:<strict|balanced|lenient>, openai:<model> or bedrock:<model id>`);
    return [];
  });
  if (members.length === 0) problems.push("JURY_MEMBERS must name at least one juror");
  // The same juror twice would double its vote and fake agreement.
  const repeated = specs.filter((spec, index) => specs.indexOf(spec) !== index);
  if (repeated.length) problems.push(`JURY_MEMBERS names ${[...new Set(repeated)].join(", ")} more than once`);
  const hasProvider = (provider: JurorSpec["provider"]) => members.some((m) => m.provider === provider);
  if (hasProvider("openai") && !str("OPENAI_BASE_URL") && !str("OPENAI_API_KEY")) {
    problems.push("OPENAI_API_KEY is required for openai: jurors on api.openai.com (set OPENAI_BASE_URL for an endpoint without keys)");
  }
  // In production a cost of $0 would be a lie, not a default.
  for (const provider of ["openai", "bedrock"] as const) {
    const prefix = provider.toUpperCase();
    if (production && hasProvider(provider) && (!str(`${prefix}_PRICE_INPUT_PER_1K`) || !str(`${prefix}_PRICE_OUTPUT_PER_1K`))) {
      problems.push(`${prefix}_PRICE_INPUT_PER_1K and ${prefix}_PRICE_OUTPUT_PER_1K are required in production with ${provider}: jurors`);
    }
  }
  const quorum = int("JURY_QUORUM", Math.min(2, Math.max(1, members.length)), 1, 20);
  if (members.length > 0 && quorum > members.length)
    problems.push(`JURY_QUORUM (${quorum}) cannot exceed the ${members.length} jurors of JURY_MEMBERS`);
  const prices = (prefix: string) => ({
    inputPer1k: num(`${prefix}_PRICE_INPUT_PER_1K`, 0, 0, 1000),
    outputPer1k: num(`${prefix}_PRICE_OUTPUT_PER_1K`, 0, 0, 1000),
  });
  const region = str("AWS_REGION") ?? "us-east-1";
  const signingKeysJson = str("ATTESTATION_SIGNING_KEYS");
  let signingKeys: SigningKeySet | undefined;
  if (signingKeysJson !== undefined) {
    try {
      signingKeys = parseKeySet(signingKeysJson);
    } catch (error) {
      // The message names what is wrong, never the key material.
      problems.push(`ATTESTATION_SIGNING_KEYS ${(error as Error).message}`);
    }
  }

  const config: AppConfig = {
    production,
    dataDir,
    databaseUrl,
    databasePoolSize: int("DATABASE_POOL_SIZE", 10, 1, 100),
    databaseConnectRetrySeconds: int("DATABASE_CONNECT_RETRY_SECONDS", 20, 0, 300),
    gateway: {
      host: str("HOST") ?? "127.0.0.1",
      port: int("PORT", 4000, 0, 65535),
      limits: {
        maxDepth: int("MAX_QUERY_DEPTH", 12, 2, 100),
        maxFields: int("MAX_QUERY_FIELDS", 500, 10, 100_000),
        maxRootFields: int("MAX_ROOT_FIELDS", 10, 1, 1000),
      },
      maxQueryTokens: int("MAX_QUERY_TOKENS", 10_000, 100, 1_000_000),
      subgraphTimeoutMs: int("SUBGRAPH_TIMEOUT_MS", 10_000, 100, 120_000),
      cacheMaxAgeSeconds: int("GATEWAY_CACHE_MAX_AGE_SECONDS", 5, 0, 60),
      introspection: (str("INTROSPECTION") ?? (production ? "false" : "true")) === "true",
      // A page for people trying the API: on where people try it, off in production unless asked for.
      explorer: bool("EXPLORER", !production),
      cors,
      rateLimit: {
        windowSeconds: int("RATE_LIMIT_WINDOW_SECONDS", 3600, 1, 86_400),
        // The mysql store counts in a signed INT; a budget stays far below it even with a refused request added.
        points: {
          key: int("RATE_LIMIT_POINTS_KEY", 5000, 1, 10_000_000),
          token: int("RATE_LIMIT_POINTS_TOKEN", 5000, 1, 10_000_000),
          anonymous: int("RATE_LIMIT_POINTS_ANONYMOUS", 1000, 1, 10_000_000),
        },
        store: rateLimitStore === "mysql" || rateLimitStore === "redis" ? rateLimitStore : "memory",
        redisUrl,
        databaseUrl: rateLimitDatabaseUrl,
      },
      trustProxyHops: int("TRUST_PROXY_HOPS", 0, 0, 10),
      apiKeys: {
        cacheSeconds: int("API_KEY_CACHE_SECONDS", 10, 0, 300),
        lookupTimeoutMs: int("API_KEY_LOOKUP_TIMEOUT_MS", 5_000, 100, 60_000),
      },
    },
    subgraphs: { host: str("SUBGRAPH_HOST") ?? "127.0.0.1", ports, urls, auth: subgraphAuth, region },
    auth: {
      tokenSecret,
      subgraphSecret,
      issuer: str("AUTH_ISSUER") ?? "agent-trust",
      audience: str("AUTH_AUDIENCE") ?? "agent-trust-api",
      devTokens,
      oidc,
    },
    sqs: {
      region,
      endpoint: url("SQS_ENDPOINT", ["http:", "https:"]),
      judgeQueueUrl: queueUrl("JUDGE_QUEUE_URL"),
      maxReceiveCount: int("JUDGE_MAX_RECEIVE_COUNT", 3, 1, 1000),
      visibilityTimeoutSeconds: int("JUDGE_VISIBILITY_TIMEOUT_SECONDS", 60, 1, 43200),
      staleAfterSeconds: int("JUDGE_STALE_AFTER_SECONDS", 900, 1, 7 * 86400),
      maxRequeues: int("JUDGE_MAX_REQUEUES", 3, 0, 100),
      waitTimeSeconds: int("JUDGE_WAIT_TIME_SECONDS", 5, 0, 20),
      batchSize: int("JUDGE_BATCH_SIZE", 10, 1, 10),
    },
    outbox: { pollIntervalMs: int("OUTBOX_POLL_INTERVAL_MS", 1000, 10, 600000) },
    jury: {
      members,
      openai: {
        baseUrl: url("OPENAI_BASE_URL", ["http:", "https:"]) ?? "https://api.openai.com/v1",
        apiKey: str("OPENAI_API_KEY"),
        prices: prices("OPENAI"),
      },
      bedrock: { region: str("BEDROCK_REGION") ?? region, prices: prices("BEDROCK") },
      policy: {
        timeoutMs: int("JURY_TIMEOUT_MS", 20_000, 100, 300_000),
        retries: int("JURY_RETRIES", 2, 0, 10),
        backoffMs: int("JURY_BACKOFF_MS", 500, 0, 60_000),
        quorum,
        minAgreement: num("JURY_MIN_AGREEMENT", 0.75, 0.5, 1),
        minConfidence: num("JURY_MIN_CONFIDENCE", 0.6, 0, 1),
      },
      concurrency: int("JURY_CONCURRENCY", 8, 1, 64),
      sliceCases: int("JUDGE_SLICE_CASES", 50, 1, 500),
      calibration: {
        target: num("JURY_AGREEMENT_TARGET", 0.8, 0, 1),
        minLabels: int("JURY_CALIBRATION_MIN_LABELS", 5, 1, 10_000),
        decay: num("JURY_CALIBRATION_DECAY", 0.9, 0, 1),
      },
      budget: {
        capUsd: str("JURY_BUDGET_USD_PER_BUILDER") === undefined ? null : num("JURY_BUDGET_USD_PER_BUILDER", 0, 0, 1e9),
        maxCallUsd: num("JURY_MAX_CALL_USD", 0.05, 0, 1000),
        whenCapped: ((mode: string): "review" | "wait" => {
          if (mode !== "review" && mode !== "wait") problems.push(`JURY_WHEN_CAPPED must be review or wait, got "${mode}"`);
          return mode === "wait" ? "wait" : "review";
        })(str("JURY_WHEN_CAPPED") ?? "review"),
      },
    },
    evaluation: {
      evidenceConfidence: num("EVIDENCE_CONFIDENCE", 0.1, 0, 0.9999),
      reviewDeadlineHours: num("REVIEW_DEADLINE_HOURS", 24, 0.01, 24 * 30),
      reviewArbiters: (str("REVIEW_ARBITERS") ?? "")
        .split(",")
        .map((id) => id.trim())
        .filter(Boolean),
    },
    disputes: {
      maxOpenPerFiler: int("DISPUTE_MAX_OPEN_PER_FILER", 3, 1, 100),
      responseHours: int("DISPUTE_RESPONSE_HOURS", 72, 1, 24 * 30),
      resolutionDays: int("DISPUTE_RESOLUTION_DAYS", 14, 1, 365),
      appealDays: int("DISPUTE_APPEAL_DAYS", 30, 1, 365),
    },
    attestation: {
      issuer: str("ATTESTATION_ISSUER") ?? "agent-trust",
      // Short: an attestation cannot be revoked, so its lifetime bounds how long a stale one is believed.
      ttlSeconds: int("ATTESTATION_TTL_SECONDS", 3600, 1, 7 * 86400),
      signingKeys,
    },
    webhooks: {
      secretKey: webhookSecretKey,
      queueUrl: queueUrl("WEBHOOK_QUEUE_URL"),
      allowLoopback,
      // At most 20 s: a batch's POSTs run side by side inside the deliverer's 30 s (infra/webhooks.ts).
      timeoutMs: int("WEBHOOK_TIMEOUT_MS", 10_000, 100, 20_000),
      maxResponseBytes: int("WEBHOOK_MAX_RESPONSE_BYTES", 65_536, 0, 10_485_760),
      secretGraceHours: num("WEBHOOK_SECRET_GRACE_HOURS", 24, 0, 24 * 30),
      dispatchIntervalMs: int("WEBHOOK_DISPATCH_INTERVAL_MS", 250, 10, 600_000),
      maxReceiveCount: int("WEBHOOK_MAX_RECEIVE_COUNT", 5, 1, 1000),
      visibilityTimeoutSeconds: int("WEBHOOK_VISIBILITY_TIMEOUT_SECONDS", 60, 1, 43200),
    },
  };
  // The reconciler must not requeue a job SQS is still retrying: every receive, with its
  // visibility timeout, has to be over first.
  const { staleAfterSeconds, maxReceiveCount, visibilityTimeoutSeconds } = config.sqs;
  if (staleAfterSeconds <= maxReceiveCount * visibilityTimeoutSeconds) {
    problems.push(
      `JUDGE_STALE_AFTER_SECONDS (${staleAfterSeconds}) must exceed JUDGE_MAX_RECEIVE_COUNT × JUDGE_VISIBILITY_TIMEOUT_SECONDS (${maxReceiveCount * visibilityTimeoutSeconds})`,
    );
  }
  if (problems.length) throw new ConfigError(problems);
  return config;
}

interface TlsSettings {
  /** DATABASE_TLS */
  tls?: string;
  /** DATABASE_TLS_CA */
  ca?: string;
  production: boolean;
  cwd: string;
}

/** What `ssl` (and DATABASE_TLS) may say. */
const TLS_SWITCH = new Map([
  ["on", true],
  ["true", true],
  ["off", false],
  ["false", false],
]);

/**
 * A MySQL URL with its TLS settings written out as its only query parameters: `ssl=on` and
 * `ssl-ca` (`rds`, `system` or an absolute file path), or none for plaintext. They come from the
 * URL's own `ssl` and `ssl-ca`, else from DATABASE_TLS and DATABASE_TLS_CA; unset, production
 * verifies the server against the Amazon RDS CA bundle and other environments stay plaintext.
 * Any other parameter is refused: TypeORM, which connects, would drop it without a word.
 * In production only DATABASE_TLS=off turns TLS off: a deliberate setting of the deployment, not
 * a parameter that came along with a URL copied from elsewhere.
 */
function mysqlUrlWithTls(name: string, raw: string, settings: TlsSettings, problems: string[]): string {
  if (!/^(mysql|mariadb):\/\//.test(raw)) return raw;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    problems.push(`${name} is not a valid URL (URL-encode special characters in the password)`);
    return raw;
  }
  const unknown = [...new Set([...url.searchParams.keys()].filter((key) => key !== "ssl" && key !== "ssl-ca"))];
  if (unknown.length)
    problems.push(`${name}: parameter ${unknown.map((key) => `"${key}"`).join(", ")} is not read; only ssl and ssl-ca are`);

  const switchOf = (label: string, value: string | undefined): boolean | undefined => {
    if (value === undefined) return undefined;
    const on = TLS_SWITCH.get(value.toLowerCase());
    if (on === undefined) problems.push(`${label} must be on or off, got "${value}" (a CA is named by ssl-ca or DATABASE_TLS_CA)`);
    return on;
  };
  const urlSwitch = switchOf(`${name}'s ssl`, url.searchParams.get("ssl") ?? undefined);
  const envSwitch = switchOf("DATABASE_TLS", settings.tls);
  if (urlSwitch !== undefined && envSwitch !== undefined && urlSwitch !== envSwitch)
    problems.push(`${name}'s ssl and DATABASE_TLS disagree: set one of them`);
  const urlCa = url.searchParams.get("ssl-ca") ?? undefined;
  if (urlCa !== undefined && settings.ca !== undefined && urlCa !== settings.ca)
    problems.push(`${name}'s ssl-ca and DATABASE_TLS_CA disagree: set one of them`);
  const caLabel = urlCa !== undefined ? `${name}'s ssl-ca` : "DATABASE_TLS_CA";
  const ca = caOf(caLabel, urlCa ?? settings.ca, settings.cwd, problems);

  const on = urlSwitch ?? envSwitch ?? (ca !== undefined || settings.production);
  if (!on && ca !== undefined) problems.push(`${caLabel} names a CA, but TLS is off`);
  if (!on && settings.production && envSwitch !== false)
    problems.push(`${name} turns TLS off; in production only DATABASE_TLS=off may (docs/deployment.md)`);
  if (!on && !url.search) return raw;
  url.search = "";
  if (on) {
    url.searchParams.set("ssl", "on");
    url.searchParams.set("ssl-ca", ca ?? "rds");
  }
  return url.toString();
}

/** `rds`, `system`, or a readable PEM file of certificates, as an absolute path. */
function caOf(label: string, value: string | undefined, cwd: string, problems: string[]): string | undefined {
  if (value === undefined || value === "rds" || value === "system") return value;
  const file = path.resolve(cwd, value);
  let pem = "";
  try {
    pem = readFileSync(file, "utf8");
  } catch {
    // Reported below, as for a file that holds no certificate.
  }
  if (!pem.includes("-----BEGIN CERTIFICATE-----"))
    problems.push(`${label} must be rds, system or a readable PEM file of CA certificates; ${file} is not`);
  return file;
}

/**
 * CORS_ORIGINS: a comma-separated list of origins, or `*`. An origin is a scheme, host and port
 * only, as a browser sends it in `Origin`: anything more could never match, so it is reported.
 */
function corsConfig(raw: string | undefined, credentials: boolean, problems: string[]): CorsConfig {
  const entries = (raw ?? "")
    .split(",")
    .map((entry) => entry.trim())
    .filter(Boolean);
  if (entries.includes("*")) {
    if (entries.length > 1) problems.push("CORS_ORIGINS is either * or a list of origins, not both");
    // Browsers refuse credentials with `Access-Control-Allow-Origin: *`, and echoing any origin
    // instead would let every site call the API as the signed-in user.
    if (credentials) problems.push("CORS_ORIGINS=* cannot be combined with CORS_ALLOW_CREDENTIALS=true: list the origins instead");
    return { origins: "*", credentials };
  }
  for (const entry of entries) {
    let origin: string | undefined;
    try {
      const parsed = new URL(entry);
      origin = parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.origin : undefined;
    } catch {
      origin = undefined;
    }
    if (origin !== entry)
      problems.push(`CORS_ORIGINS: "${entry}" is not an origin such as https://app.example.com (scheme, host and port only)`);
  }
  return { origins: entries, credentials };
}

/**
 * SUBGRAPH_AUTH: `none` by default, where the subgraphs are local. In production a subgraph URL
 * that is a Lambda function URL needs it said: `iam` when the URLs use IAM auth, or `none` when
 * they are public; a gateway that guessed would have every call refused, or leave the URLs open
 * unremarked. Signing needs the function's credentials, and over https only: the session token
 * travels in a header.
 */
function subgraphAuthConfig(
  raw: string | undefined,
  urls: Partial<Record<SubgraphName, string>>,
  env: Env,
  production: boolean,
  problems: string[],
): SubgraphAuth {
  if (raw !== undefined && raw !== "none" && raw !== "iam") problems.push(`SUBGRAPH_AUTH must be iam or none, got "${raw}"`);
  const hostOf = (url: string) => {
    try {
      return new URL(url).hostname;
    } catch {
      return "";
    }
  };
  const functionUrls = Object.entries(urls).filter(([, url]) => FUNCTION_URL_HOST.test(hostOf(url)));
  if (raw === undefined && production && functionUrls.length)
    problems.push(
      `SUBGRAPH_AUTH is required in production when a subgraph URL is a Lambda function URL (${functionUrls.map(([name]) => `${name.toUpperCase()}_URL`).join(", ")}): iam when the URLs use IAM auth, none when they are public`,
    );
  if (raw !== "iam") return "none";
  if (!env.AWS_ACCESS_KEY_ID?.trim() || !env.AWS_SECRET_ACCESS_KEY?.trim())
    problems.push(
      "SUBGRAPH_AUTH=iam signs with the function's AWS credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set (Lambda sets them)",
    );
  if (production)
    for (const [name, url] of Object.entries(urls))
      if (!url.startsWith("https:")) problems.push(`${name.toUpperCase()}_URL must use https: with SUBGRAPH_AUTH=iam in production`);
  return "iam";
}

/**
 * OIDC_*: all or nothing, since an issuer without an audience would accept the provider's tokens
 * for any of its applications. Plain http only outside production: keys fetched over it could be
 * anyone's.
 */
function oidcConfig(str: (name: string) => string | undefined, production: boolean, problems: string[]): OidcConfig | undefined {
  const issuer = str("OIDC_ISSUER");
  const audience = str("OIDC_AUDIENCE");
  const jwksUrl = str("OIDC_JWKS_URL");
  const roleClaim = str("OIDC_ROLE_CLAIM") ?? "role";
  const subjectClaim = str("OIDC_SUBJECT_CLAIM") ?? "sub";
  const anySet = ["OIDC_ISSUER", "OIDC_AUDIENCE", "OIDC_JWKS_URL", "OIDC_ROLE_CLAIM", "OIDC_SUBJECT_CLAIM"].filter((name) => str(name));
  if (!issuer || !audience) {
    const missing = [issuer ? "" : "OIDC_ISSUER", audience ? "" : "OIDC_AUDIENCE"].filter(Boolean).join(" and ");
    if (anySet.length) problems.push(`${anySet.join(", ")} set without ${missing}: set both, or no OIDC_* at all`);
    return undefined;
  }
  const protocols = production ? ["https:"] : ["http:", "https:"];
  for (const [name, value] of [
    ["OIDC_ISSUER", issuer],
    ["OIDC_JWKS_URL", jwksUrl],
  ] as const) {
    if (value === undefined) continue;
    try {
      const { protocol } = new URL(value);
      if (!protocols.includes(protocol)) problems.push(`${name} must use ${protocols.join(" or ")}${production ? " in production" : ""}`);
    } catch {
      problems.push(`${name} is not a valid URL`);
    }
  }
  // A name is read whole first (Auth0's namespaced claims hold dots), then as a dotted path.
  for (const [name, value] of [
    ["OIDC_ROLE_CLAIM", roleClaim],
    ["OIDC_SUBJECT_CLAIM", subjectClaim],
  ] as const) {
    if (!/^\S{1,200}$/.test(value) || value.split(".").some((segment) => segment === "")) {
      problems.push(`${name} must be a claim name or a dotted path such as realm_access.roles`);
    }
  }
  return { issuer, audience, jwksUrl, roleClaim, subjectClaim };
}

let cached: AppConfig | undefined;

/** The process's configuration, read once. */
export function config(): AppConfig {
  cached ??= loadConfig();
  return cached;
}
