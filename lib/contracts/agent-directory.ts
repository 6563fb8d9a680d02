import DataLoader from "dataloader";
import type { DataSource, EntityManager } from "typeorm";
import type { AgentDomain } from "./agent-domain.js";
import { commaList, readInChunks } from "../platform/database.js";

export interface DirectoryEntry {
  agentId: string;
  ownerId: string;
  domains: AgentDomain[];
}

/**
 * Reads an agent from `agent_directory`, the view the agents context publishes for the others
 * (existence, owner, workflows), so no other context touches the agents table itself.
 */
export async function findAgent(manager: EntityManager, agentId: string): Promise<DirectoryEntry | null> {
  const row = await manager
    .createQueryBuilder()
    .select(["d.agent_id AS agent_id", "d.owner_id AS owner_id", "d.domains AS domains"])
    .from("agent_directory", "d")
    .where("d.agent_id = :agentId", { agentId })
    .getRawOne<{ agent_id: string; owner_id: string; domains: string }>();
  if (!row) return null;
  return { agentId: row.agent_id, ownerId: row.owner_id, domains: commaList.from(row.domains) as AgentDomain[] };
}

/** An agent as an attestation names it: id, name and owner; null for an unknown agent. */
export interface AgentCard {
  agentId: string;
  name: string;
  ownerId: string;
}

/** Reads an agent's name and owner from `agent_directory`. */
export async function findAgentCard(manager: EntityManager, agentId: string): Promise<AgentCard | null> {
  const row = await manager
    .createQueryBuilder()
    .select(["d.agent_id AS agent_id", "d.name AS name", "d.owner_id AS owner_id"])
    .from("agent_directory", "d")
    .where("d.agent_id = :agentId", { agentId })
    .getRawOne<{ agent_id: string; name: string; owner_id: string }>();
  return row ? { agentId: row.agent_id, name: row.name, ownerId: row.owner_id } : null;
}

/** The owners of many agents at once (one query per 500 ids); an unknown agent has no entry. */
export async function findAgentOwners(manager: EntityManager, agentIds: readonly string[]): Promise<Map<string, string>> {
  const rows = await readInChunks([...new Set(agentIds)], (chunk) =>
    manager
      .createQueryBuilder()
      .select(["d.agent_id AS agent_id", "d.owner_id AS owner_id"])
      .from("agent_directory", "d")
      .where("d.agent_id IN (:...agentIds)", { agentIds: chunk })
      .getRawMany<{ agent_id: string; owner_id: string }>(),
  );
  return new Map(rows.map((row) => [row.agent_id, row.owner_id]));
}

/** One query per request for the owners of every agent whose restricted fields are asked for. */
export function createOwnerLoader(dataSource: DataSource): DataLoader<string, string | null> {
  return new DataLoader(async (agentIds: readonly string[]) => {
    const owners = await findAgentOwners(dataSource.manager, agentIds);
    return agentIds.map((agentId) => owners.get(agentId) ?? null);
  });
}

/** Agents one request may name (a bulk read, a feed filter): the same bound as a page. */
export const MAX_AGENTS_PER_REQUEST = 100;

/** Every agent id the agents context issues is a lower-case UUID, compared byte for byte. */
const AGENT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The index of the first id that no agent could have (named back to the caller as bad input), or -1. */
export function firstMalformedAgentId(ids: readonly string[]): number {
  return ids.findIndex((id) => !AGENT_ID.test(id));
}
