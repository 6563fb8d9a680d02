import type { DataSource } from "typeorm";
import { buildFederatedSchema } from "../../lib/federation.js";
import type { Subgraph } from "../../lib/subgraph-server.js";
import { Dispute } from "./dispute.entity.js";
import { createOpenDisputeCountLoader } from "./dispute.loader.js";
import { AgentDisputesResolver, DisputeResolver } from "./dispute.resolver.js";
import type { DisputesContext } from "./disputes.context.js";
import { CreateDisputes1764100000400 } from "./migrations/1764100000400-create-disputes.js";

export const disputesEntities = [Dispute];
export const disputesMigrations = [CreateDisputes1764100000400];

export function buildDisputesSchema() {
  return buildFederatedSchema({ resolvers: [DisputeResolver, AgentDisputesResolver] });
}

/** The disputes subgraph: buyers' complaints about agents and their arbitration. */
export async function disputesSubgraph(dataSource: DataSource): Promise<Subgraph<DisputesContext>> {
  return {
    name: "disputes",
    schema: await buildDisputesSchema(),
    createContext: (identity) => ({ identity, dataSource, openDisputeCountByAgentId: createOpenDisputeCountLoader(dataSource) }),
  };
}
