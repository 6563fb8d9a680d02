import type { AgentsContext } from "./agents.context.js";

/** How the subgraph resolves the `Agent` references the gateway brings: through the request's loader (agent.loader.ts). */
export const agentReferenceResolvers = {
  Agent: {
    __resolveReference: (reference: { id: string }, context: AgentsContext) => context.agentById.load(reference.id),
  },
};
