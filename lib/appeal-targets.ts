import type { EntityManager } from "typeorm";

/** A judged evaluation run, as an appeal of its verdict (or of a human review within it) contests it. */
export interface JudgedRun {
  agentId: string;
  judgedAt: Date;
}

/**
 * What the disputes context needs to hear appeals of run verdicts, from the contexts that own runs
 * and their evidence, shared so that none imports another. Both run in the caller's transaction.
 */
export interface RunVerdicts {
  /** The run if it was judged and is not set aside, else null. */
  find(manager: EntityManager, runId: string): Promise<JudgedRun | null>;
  /** Sets the run's verdict aside as its appeal's grant; false when it is already. */
  setAside(manager: EntityManager, runId: string, grant: { appealId: string; at: Date }): Promise<boolean>;
}
