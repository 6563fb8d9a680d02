import { requireRole, type Identity } from "../../lib/platform/identity.js";

/*
 * Who may do what in the agents context, in one place:
 * - Agents are registered by builders, who become their owners.
 * - Reading an agent is open to everyone.
 */

/** Agents are registered by builders; the builder becomes the agent's owner. Returns the builder's subject. */
export function requireRegistrant(identity: Identity): string {
  return requireRole(identity, "builder");
}
