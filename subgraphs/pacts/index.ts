import type { DataSource } from "typeorm";
import { buildFederatedSchema } from "../../lib/federation.js";
import type { Subgraph } from "../../lib/subgraph-server.js";
import { CatalogueResolver } from "./catalogue.resolver.js";
import { CaseVerdict, ClauseResult, EvaluationCase, EvaluationRun } from "./evaluation-run.entity.js";
import { ClauseResultResolver, EvaluationRunResolver } from "./evaluation.resolver.js";
import { CreatePacts1764100000200 } from "./migrations/1764100000200-create-pacts.js";
import { PactLifecycle1764200000200 } from "./migrations/1764200000200-pact-lifecycle.js";
import { Pact, PactClause } from "./pact.entity.js";
import { AgentPactsResolver, PactClauseResolver, PactResolver } from "./pact.resolver.js";
import { createPactsLoaders } from "./pacts.loaders.js";
import type { PactsContext } from "./pacts.context.js";

export const pactsEntities = [Pact, PactClause, EvaluationRun, EvaluationCase, CaseVerdict, ClauseResult];
export const pactsMigrations = [CreatePacts1764100000200, PactLifecycle1764200000200];

export function buildPactsSchema() {
  return buildFederatedSchema({ resolvers: [PactResolver, PactClauseResolver, AgentPactsResolver, CatalogueResolver, EvaluationRunResolver, ClauseResultResolver] });
}

/** The pacts subgraph: behavioural pacts and the evaluation runs judged against them. */
export async function pactsSubgraph(dataSource: DataSource, outboxWritten: PactsContext["outboxWritten"] = () => {}): Promise<Subgraph<PactsContext>> {
  return {
    name: "pacts",
    schema: await buildPactsSchema(),
    createContext: (identity) => ({ identity, dataSource, outboxWritten, ...createPactsLoaders(dataSource) }),
  };
}
