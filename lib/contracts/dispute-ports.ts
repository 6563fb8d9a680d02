import type { EntityManager } from "typeorm";
import type { ConsequenceAction } from "./consequence.js";

/*
 * What the disputes context needs of the others: the verdicts a builder may appeal (found and
 * reversed) and the evidence a dispute may reference. Wired by the runtime, so that no context
 * imports another; every method runs in the caller's transaction.
 */

/** References to an agent's own evidence, as a dispute carries them. */
export interface EvidenceReferences {
  caseIds: string[];
  runIds: string[];
  kpiReportIds: string[];
}

/** The contexts that hold evaluation cases, runs and KPI reports. */
export interface AgentEvidence {
  /** Of the references given, those that are not the agent's (unknown, or another agent's). */
  foreign(manager: EntityManager, agentId: string, references: EvidenceReferences): Promise<EvidenceReferences>;
}

/** A judged evaluation run, as an appeal of its verdict (or of a human review within it) contests it. */
export interface ContestedRun {
  agentId: string;
  judgedAt: Date;
  /** False once its verdict has been set aside. */
  standing: boolean;
}

/** What the disputes context needs to hear appeals of run verdicts, from the contexts that own runs and their evidence. */
export interface RunVerdicts {
  /** The run if it was judged, else null. */
  find(manager: EntityManager, runId: string): Promise<ContestedRun | null>;
  /**
   * Locks what setting the run aside reads and writes (its row, its window, the agent's trust):
   * called first in a grant's transaction, before any plain read, so those reads see every verdict
   * committed before and none can commit after.
   */
  lock(manager: EntityManager, runId: string): Promise<void>;
  /** Sets the run's verdict aside as its appeal's grant, under `lock`; false when it is already. */
  setAside(manager: EntityManager, runId: string, grant: { appealId: string; at: Date }): Promise<boolean>;
  /** The arbiters who decided any of the run's uncertain cases: they never hear its appeal. */
  reviewers(manager: EntityManager, runId: string): Promise<string[]>;
}

/** A consequence step the ladder took on an agent, as an appeal contests it. */
export interface ContestedStep {
  agentId: string;
  action: ConsequenceAction;
  takenAt: Date;
  /** Whether it is still the step standing on the agent; only that one can be lifted. */
  standing: boolean;
  /** The evidence that fired it (a trust cause and its id): its deciders never hear the appeal. */
  cause: { kind: string; id: string };
}

/** What the disputes context needs of the reputation context to hear appeals of consequence steps. */
export interface ConsequenceSteps {
  /** The step an escalation records, or null when there is none or it records no step taken. */
  find(manager: EntityManager, escalationId: string): Promise<ContestedStep | null>;
  /** Lifts the step as its appeal's grant if it still stands; whether it did. */
  lift(manager: EntityManager, escalationId: string, grant: { appealId: string; reason: string; at: Date }): Promise<boolean>;
}
