import { MAX_AGENTS_PER_REQUEST, firstMalformedAgentId } from "../../lib/contracts/agent-directory.js";
import { BadUserInputError } from "../../lib/platform/errors.js";

/**
 * Checks the ids of a bulk read before anything is read: at most MAX_AGENTS_PER_REQUEST, each a UUID,
 * the first malformed one named by its index so a partner finds it in a long list. Repeats are
 * allowed (a caller's list of references often has them).
 */
export function checkBulkAgentIds(ids: readonly string[], field = "ids"): void {
  if (ids.length > MAX_AGENTS_PER_REQUEST)
    throw new BadUserInputError(field, `must hold at most ${MAX_AGENTS_PER_REQUEST} ids, not ${ids.length}`);
  const malformed = firstMalformedAgentId(ids);
  if (malformed >= 0) throw new BadUserInputError(`${field}[${malformed}]`, "is not an agent id (a UUID)");
}
