import type DataLoader from "dataloader";
import type { DataSource } from "typeorm";
import type { Identity } from "../../lib/platform/identity.js";
import type { Logger } from "../../lib/platform/logger.js";
import type { ClauseResult, EvaluationCase, EvaluationRun } from "./evaluation/evaluation-run.entity.js";
import type { JuryVerdict } from "./evaluation/jury-verdict.entity.js";
import type { Pact, PactClause } from "./authoring/pact.entity.js";
import type { PactSummary } from "./pacts.loader.js";

export interface PactsContext {
  identity: Identity;
  dataSource: DataSource;
  /** The request's logger: its lines carry the request id. */
  log: Logger;
  /**
   * Called after a commit that wrote to the outbox, so the job is published now rather than at
   * the relay's next tick. Best effort: the relay publishes whatever this does not.
   */
  outboxWritten: () => Promise<void> | void;
  /** Cases per judge job for runs with jury-judged clauses. */
  sliceCases: number;
  pactById: DataLoader<string, PactSummary | null>;
  pactsByAgentId: DataLoader<string, PactSummary[]>;
  pactTermsById: DataLoader<string, Pick<Pact, "id" | "escalationRoute" | "consequenceLadder"> | null>;
  clausesByPactId: DataLoader<string, PactClause[]>;
  runById: DataLoader<string, EvaluationRun | null>;
  clauseResultsByRunId: DataLoader<string, ClauseResult[]>;
  juryVerdictsByRunId: DataLoader<string, JuryVerdict[]>;
  caseByRunAndId: DataLoader<string, EvaluationCase | null>;
}
