import { requireScope, type Identity } from "../../lib/platform/identity.js";

/**
 * Who may read the log: anyone, since its point is that outsiders can check it; an API key needs
 * reputation:read, the scope of the trust it proves (a key without it is refused, naming it).
 */
export function requireLogReader(identity: Identity): void {
  requireScope(identity, "reputation:read");
}
