import type DataLoader from "dataloader";
import type { DataSource } from "typeorm";
import type { Identity } from "../../lib/identity.js";
import type { ClauseResult, EvaluationRun } from "./evaluation-run.entity.js";
import type { Pact, PactClause } from "./pact.entity.js";

export interface PactsContext {
  identity: Identity;
  dataSource: DataSource;
  /** Called after a commit that wrote to the outbox, so the relay publishes without waiting. */
  outboxWritten: () => void;
  pactById: DataLoader<string, Pact | null>;
  pactsByAgentId: DataLoader<string, Pact[]>;
  clausesByPactId: DataLoader<string, PactClause[]>;
  runById: DataLoader<string, EvaluationRun | null>;
  clauseResultsByRunId: DataLoader<string, ClauseResult[]>;
}
