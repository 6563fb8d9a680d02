import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { AppConfig } from "./config.js";

/** Reads a development secret from `<dataDir>/keys/<name>`, creating it (mode 0600) on first use. */
export function developmentSecret(dataDir: string, name: string): string {
  const dir = path.join(dataDir, "keys");
  const file = path.join(dir, name);
  try {
    return readFileSync(file, "utf8").trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const secret = randomBytes(32).toString("base64url");
  try {
    // "wx" so two processes starting at once agree on one key: the loser reads the winner's.
    writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: "wx" });
    return secret;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return readFileSync(file, "utf8").trim();
    throw error;
  }
}

export interface Secrets {
  tokenSecret: string;
  subgraphSecret: string;
}

/** Configured secrets, or development ones generated under the data directory. */
export function resolveSecrets(config: AppConfig): Secrets {
  return {
    tokenSecret: config.auth.tokenSecret ?? developmentSecret(config.dataDir, "token-signing.key"),
    subgraphSecret: config.auth.subgraphSecret ?? developmentSecret(config.dataDir, "subgraph-signing.key"),
  };
}

/**
 * The key every webhook endpoint's signing secret is derived from (subgraphs/webhooks/webhook-secret.ts).
 * Asked for only by the processes that sign or show secrets, the webhooks subgraph and the
 * deliverer, so only their configuration must carry it in production.
 */
export function webhookSecretKey(config: AppConfig): string {
  if (config.webhooks.secretKey) return config.webhooks.secretKey;
  if (config.production)
    throw new Error("WEBHOOK_SECRET_KEY is required when NODE_ENV=production, by the webhooks subgraph and the deliverer");
  return developmentSecret(config.dataDir, "webhook-secret.key");
}
