import { requireRole, requireScope, type Identity } from "../../lib/platform/identity.js";

/*
 * Who may do what in the agents context, in one place:
 * - Agents are registered by builders, who become their owners.
 * - Reading an agent is open to everyone; reading many at once (agentsByIds) too, but a partner's
 *   API key needs the scope reputation:read for it: the bulk read is how partners fetch trust for
 *   their lists of agents, and the key's other fields (trust) need that scope anyway.
 */

/** agentsByIds: anyone; an API key needs reputation:read. */
export function requireBulkReader(identity: Identity): void {
  requireScope(identity, "reputation:read");
}

/** Agents are registered by builders; the builder becomes the agent's owner. Returns the builder's subject. */
export function requireRegistrant(identity: Identity): string {
  return requireRole(identity, "builder");
}
