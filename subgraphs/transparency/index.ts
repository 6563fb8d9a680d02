import type { DataSource } from "typeorm";
import { buildFederatedSchema } from "../../lib/platform/federation.js";
import type { Subgraph } from "../../lib/platform/subgraph-server.js";
import { LogEntry, LogState, TreeHead, TreeNode } from "./log.entity.js";
import { LogResolver } from "./log.resolver.js";
import { CreateTransparencyLog1764600000100 } from "./migrations/1764600000100-create-transparency-log.js";
import { LogEntriesBySubject1764600000200 } from "./migrations/1764600000200-index-log-entries-by-subject.js";
import type { TransparencyContext } from "./transparency.context.js";

export const transparencyEntities = [LogEntry, TreeNode, TreeHead, LogState];
export const transparencyMigrations = [CreateTransparencyLog1764600000100, LogEntriesBySubject1764600000200];

export function buildTransparencySchema() {
  return buildFederatedSchema({ resolvers: [LogResolver] });
}

/**
 * The transparency subgraph: the public, append-only log of consequential acts (entries written
 * by the acts' own transactions through lib/contracts/transparency-log.ts), its signed tree heads
 * and their RFC 9162 proofs. docs/transparency.md.
 */
export async function transparencySubgraph(dataSource: DataSource): Promise<Subgraph<TransparencyContext>> {
  return {
    name: "transparency",
    schema: await buildTransparencySchema(),
    createContext: (identity, log) => ({ identity, dataSource, log }),
  };
}
