import type { DataSource } from "typeorm";
import { buildFederatedSchema } from "../../lib/federation.js";
import type { Subgraph } from "../../lib/subgraph-server.js";
import { CreateTrust1764100000300 } from "./migrations/1764100000300-create-trust.js";
import { AgentTrustResolver, SearchResolver } from "./search.resolver.js";
import { EvaluationEvidence, TrustProfile } from "./trust.entity.js";
import { createTrustLoader } from "./trust.loader.js";
import type { ReputationContext } from "./reputation.context.js";

export const reputationEntities = [TrustProfile, EvaluationEvidence];
export const reputationMigrations = [CreateTrust1764100000300];

export function buildReputationSchema() {
  return buildFederatedSchema({ resolvers: [SearchResolver, AgentTrustResolver] });
}

/** The reputation subgraph: trust scores, tiers, listing eligibility and search by trust. */
export async function reputationSubgraph(dataSource: DataSource): Promise<Subgraph<ReputationContext>> {
  return {
    name: "reputation",
    schema: await buildReputationSchema(),
    createContext: (identity) => ({ identity, dataSource, trustByAgentId: createTrustLoader(dataSource) }),
  };
}
