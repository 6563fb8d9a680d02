import type { DataSource } from "typeorm";
import { config } from "../../lib/platform/config.js";
import { buildFederatedSchema } from "../../lib/platform/federation.js";
import type { Subgraph } from "../../lib/platform/subgraph-server.js";
import { CatalogueResolver } from "./authoring/catalogue.resolver.js";
import { CaseVerdict, ClauseResult, EvaluationCase, EvaluationRun } from "./evaluation/evaluation-run.entity.js";
// type-graphql lists root fields in the order their resolvers' modules are evaluated: the
// catalogue, then the review queue, then runs and pacts, as the published schema has them.
import { JuryVoteResolver, ReviewResolver } from "./evaluation/review.resolver.js";
import { ClauseResultResolver, EvaluationRunResolver } from "./evaluation/evaluation-run.resolver.js";
import { CreatePacts1764100000200 } from "./migrations/1764100000200-create-pacts.js";
import { PactLifecycle1764200000200 } from "./migrations/1764200000200-pact-lifecycle.js";
import { Jury1764200000300 } from "./migrations/1764200000300-jury.js";
import { RunWindows1764300000600 } from "./migrations/1764300000600-run-windows.js";
import { EvidenceMinimum1764400000310 } from "./migrations/1764400000310-evidence-minimum.js";
import { ReviewAssignments1764400000320 } from "./migrations/1764400000320-review-assignments.js";
import { ReviewAssignment } from "./evaluation/review-assignment.entity.js";
import { SetAsideRuns1764300000510 } from "./migrations/1764300000510-set-aside-runs.js";
import { RunWindow } from "./evaluation/run-window.entity.js";
import { JurySpend } from "./evaluation/jury-spend.entity.js";
import { JuryBudgetCalibration1764400000210 } from "./migrations/1764400000210-jury-budget-calibration.js";
import { JurorCalibration } from "./evaluation/juror-calibration.entity.js";
import { JurorCalibrationResolver } from "./evaluation/juror-calibration.resolver.js";
import { JurySpendResolver } from "./evaluation/jury-spend.resolver.js";
import { JudgeFailure, JudgedSlice, JuryVerdict } from "./evaluation/jury-verdict.entity.js";
import { Pact, PactClause } from "./authoring/pact.entity.js";
import { AgentPactsResolver, PactClauseResolver, PactResolver } from "./authoring/pact.resolver.js";
import { createPactsLoaders } from "./pacts.loader.js";
import type { PactsContext } from "./pacts.context.js";

export const pactsEntities = [
  Pact,
  PactClause,
  EvaluationRun,
  EvaluationCase,
  CaseVerdict,
  ClauseResult,
  JuryVerdict,
  JudgedSlice,
  JudgeFailure,
  RunWindow,
  ReviewAssignment,
  JurySpend,
  JurorCalibration,
];
export const pactsMigrations = [
  CreatePacts1764100000200,
  PactLifecycle1764200000200,
  Jury1764200000300,
  SetAsideRuns1764300000510,
  RunWindows1764300000600,
  JuryBudgetCalibration1764400000210,
  EvidenceMinimum1764400000310,
  ReviewAssignments1764400000320,
];

export function buildPactsSchema() {
  return buildFederatedSchema({
    resolvers: [
      PactResolver,
      PactClauseResolver,
      AgentPactsResolver,
      CatalogueResolver,
      EvaluationRunResolver,
      ClauseResultResolver,
      ReviewResolver,
      JuryVoteResolver,
      JurorCalibrationResolver,
      JurySpendResolver,
    ],
  });
}

export interface PactsOptions {
  outboxWritten?: PactsContext["outboxWritten"];
  sliceCases?: number;
}

/** The pacts subgraph: behavioural pacts and the evaluation runs judged against them. */
export async function pactsSubgraph(dataSource: DataSource, options: PactsOptions = {}): Promise<Subgraph<PactsContext>> {
  const { outboxWritten = () => {}, sliceCases = config().jury.sliceCases } = options;
  return {
    name: "pacts",
    schema: await buildPactsSchema(),
    createContext: (identity, log) => ({ identity, log, dataSource, outboxWritten, sliceCases, ...createPactsLoaders(dataSource) }),
  };
}
