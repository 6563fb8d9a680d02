import type { DataSource } from "typeorm";
import { config } from "../../lib/config.js";
import { buildFederatedSchema } from "../../lib/federation.js";
import type { Subgraph } from "../../lib/subgraph-server.js";
import { DisputeFiler } from "./dispute-filer.entity.js";
import { DisputeTransition } from "./dispute-transition.entity.js";
import { Dispute } from "./dispute.entity.js";
import { createOpenDisputeCountLoader, createTransitionsLoader } from "./dispute.loader.js";
import { AgentDisputesResolver, DisputeResolver } from "./dispute.resolver.js";
import type { DisputesContext, DisputesOptions } from "./disputes.context.js";
import { CreateDisputes1764100000400 } from "./migrations/1764100000400-create-disputes.js";
import { DisputeLifecycle1764300000200 } from "./migrations/1764300000200-dispute-lifecycle.js";

export const disputesEntities = [Dispute, DisputeTransition, DisputeFiler];
export const disputesMigrations = [CreateDisputes1764100000400, DisputeLifecycle1764300000200];

export function buildDisputesSchema() {
  return buildFederatedSchema({ resolvers: [DisputeResolver, AgentDisputesResolver] });
}

/**
 * The disputes subgraph: buyers' complaints about agents and their arbitration. Every change of a
 * dispute is reported to `onDisputeChanged` in its transaction (the reputation context's intake,
 * wired by the runtime); on its own the subgraph reports to no one.
 */
export async function disputesSubgraph(dataSource: DataSource, options: Partial<DisputesOptions> = {}): Promise<Subgraph<DisputesContext>> {
  const settings: DisputesOptions = { ...config().disputes, onDisputeChanged: async () => {}, ...options };
  return {
    name: "disputes",
    schema: await buildDisputesSchema(),
    createContext: (identity) => ({
      identity,
      dataSource,
      options: settings,
      openDisputeCountByAgentId: createOpenDisputeCountLoader(dataSource),
      transitionsByDisputeId: createTransitionsLoader(dataSource),
    }),
  };
}
