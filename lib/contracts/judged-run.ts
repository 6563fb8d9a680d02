import type { EntityManager } from "typeorm";
import type { ConsequenceTerms } from "./consequence.js";

/** A clause's evidence from one run: its metric and weight, and the run's cases that met and missed it. */
export interface ClauseTally {
  metric: string;
  weight: number;
  passed: number;
  failed: number;
}

/**
 * What the rest of the trust loop learns from a judged run: the pacts context's judge reports it,
 * the reputation context counts it into both scores and runs the ladder on it.
 */
export interface JudgedRun {
  runId: string;
  agentId: string;
  pactId: string;
  pactVersion: number;
  casesPassed: number;
  casesFailed: number;
  runPassed: boolean;
  failedCriticalClauses: string[];
  /** Per clause of the pact; when no case of the run carries what a clause measures, its run verdict counts as one case. */
  clauses: ClauseTally[];
  /** What reputation runs when trust degrades: the pact version's ladder, route and owner. */
  terms: ConsequenceTerms;
  submittedAt: Date;
  judgedAt: Date;
}

/** Told of each judged run in the judge's transaction, so a verdict and its trust effects commit together. */
export type RunJudgedListener = (manager: EntityManager, judged: JudgedRun) => Promise<unknown>;
