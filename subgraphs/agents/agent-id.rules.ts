import { BadUserInputError } from "../../lib/platform/errors.js";

/** Agents one bulk read may ask for: the same bound as a page. */
export const MAX_BULK_AGENTS = 100;

/** Every agent id this system issues is a lower-case UUID (agent.register.ts), compared byte for byte: anything else is a caller's mistake. */
const AGENT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Checks the ids of a bulk read before anything is read: at most MAX_BULK_AGENTS, each a UUID,
 * the first malformed one named by its index so a partner finds it in a long list. Repeats are
 * allowed (a caller's list of references often has them).
 */
export function checkBulkAgentIds(ids: readonly string[], field = "ids"): void {
  if (ids.length > MAX_BULK_AGENTS) throw new BadUserInputError(field, `must hold at most ${MAX_BULK_AGENTS} ids, not ${ids.length}`);
  const malformed = ids.findIndex((id) => !AGENT_ID.test(id));
  if (malformed >= 0) throw new BadUserInputError(`${field}[${malformed}]`, "is not an agent id (a UUID)");
}
