import type { DataSource } from "typeorm";
import { MAX_AGENTS_PER_REQUEST, firstMalformedAgentId } from "../../lib/contracts/agent-directory.js";
import { BadUserInputError } from "../../lib/platform/errors.js";
import { decodeCursor, encodeCursor, pageSize } from "../../lib/platform/pagination.js";
import { TrustEvent, type TrustEventType } from "./trust-event.entity.js";
import { sequenceTrustEvents } from "./trust-event.sequence.js";
import { type TrustEventConnection, trustEventNode } from "./trust-event.types.js";

export interface TrustFeedArgs {
  after: string | null;
  first: number | null;
  agentIds: string[] | null;
  types: TrustEventType[] | null;
}

/** A cursor is a position: a non-negative safe integer, alone in its tuple. */
const isPosition = (values: unknown[]): values is [number] =>
  values.length === 1 && Number.isSafeInteger(values[0]) && (values[0] as number) >= 0;

function checkedAgentIds(agentIds: string[] | null): string[] | null {
  if (agentIds === null) return null;
  if (agentIds.length === 0) throw new BadUserInputError("agentIds", "must name at least one agent, or be left out for all agents");
  if (agentIds.length > MAX_AGENTS_PER_REQUEST)
    throw new BadUserInputError("agentIds", `must name at most ${MAX_AGENTS_PER_REQUEST} agents`);
  const malformed = firstMalformedAgentId(agentIds);
  if (malformed >= 0) throw new BadUserInputError(`agentIds[${malformed}]`, "is not an agent id (a UUID)");
  return [...new Set(agentIds)];
}

function checkedTypes(types: TrustEventType[] | null): TrustEventType[] | null {
  if (types === null) return null;
  if (types.length === 0) throw new BadUserInputError("types", "must name at least one type, or be left out for all types");
  return [...new Set(types)];
}

/**
 * A page of the trust change feed after a position, in position order. Arguments are checked
 * before anything is read. The sequencer runs first (one bounded batch), so a page holds every
 * event committed before the read began, up to that batch; what it leaves is positioned later, after
 * what this page shows, and so is never skipped. Two statements when nothing awaits a position
 * (the look for unpositioned events, then the page), four more when some do: never per event.
 */
export async function readTrustFeed(dataSource: DataSource, args: TrustFeedArgs): Promise<TrustEventConnection> {
  const size = pageSize(args.first);
  const [after] = args.after === null ? [0] : decodeCursor(args.after, "after", isPosition);
  const agentIds = checkedAgentIds(args.agentIds);
  const types = checkedTypes(args.types);

  await sequenceTrustEvents(dataSource);
  const query = dataSource
    .getRepository(TrustEvent)
    .createQueryBuilder("e")
    .where("e.position > :after", { after })
    .orderBy("e.position", "ASC")
    .limit(size + 1);
  if (agentIds) query.andWhere("e.agent_id IN (:...agentIds)", { agentIds });
  if (types) query.andWhere("e.type IN (:...types)", { types });
  const rows = await query.getMany();

  const edges = rows.slice(0, size).map((row) => ({ cursor: encodeCursor([Number(row.position)]), node: trustEventNode(row) }));
  // An empty page hands back the cursor it was given, so a reader can always store endCursor.
  return { edges, pageInfo: { hasNextPage: rows.length > size, endCursor: edges.at(-1)?.cursor ?? args.after } };
}
