import type { AppConfig } from "../lib/platform/config.js";
import { signAccessToken, type Role } from "../lib/platform/identity.js";
import { resolveSecrets } from "../lib/platform/secrets.js";

/**
 * A caller token signed with this installation's key (the configured secret, or the development
 * key under DATA_DIR), so the gateway of an `npm start` in the same directory accepts it.
 */
export function callerToken(settings: AppConfig, role: Role, subject: string, ttlSeconds?: number): Promise<string> {
  return signAccessToken(
    { role, subject },
    { secret: resolveSecrets(settings).tokenSecret, issuer: settings.auth.issuer, audience: settings.auth.audience, ttlSeconds },
  );
}
