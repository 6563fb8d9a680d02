import { composeServices } from "@apollo/composition";
import { printSubgraphSchema } from "@apollo/subgraph";
import { parse, type GraphQLSchema } from "graphql";
import { DEFAULT_SUBGRAPH_PORTS, SUBGRAPH_NAMES, type SubgraphName } from "../lib/platform/config.js";
import { buildAgentsSchema } from "../subgraphs/agents/index.js";
import { buildDisputesSchema } from "../subgraphs/disputes/index.js";
import { buildPactsSchema } from "../subgraphs/pacts/index.js";
import { buildPartnersSchema } from "../subgraphs/partners/index.js";
import { buildReputationSchema } from "../subgraphs/reputation/index.js";
import { buildTransparencySchema } from "../subgraphs/transparency/index.js";
import { buildWebhooksSchema } from "../subgraphs/webhooks/index.js";

const builders: Record<SubgraphName, () => Promise<GraphQLSchema>> = {
  agents: buildAgentsSchema,
  pacts: buildPactsSchema,
  reputation: buildReputationSchema,
  disputes: buildDisputesSchema,
  partners: buildPartnersSchema,
  transparency: buildTransparencySchema,
  webhooks: buildWebhooksSchema,
};

/**
 * Composes the supergraph from the subgraphs' code, in-process (`npm run compose` commits it as
 * gateway/supergraph.graphql). The URLs recorded are the local
 * defaults; the gateway replaces them from configuration at start.
 */
export async function composeSupergraph(): Promise<string> {
  const services = await Promise.all(
    SUBGRAPH_NAMES.map(async (name) => ({
      name,
      url: `http://127.0.0.1:${DEFAULT_SUBGRAPH_PORTS[name]}/graphql`,
      typeDefs: parse(printSubgraphSchema(await builders[name]())),
    })),
  );
  const result = composeServices(services);
  if (result.errors) throw new Error(`Supergraph composition failed:\n${result.errors.map((e) => `  - ${e.message}`).join("\n")}`);
  return result.supergraphSdl;
}
