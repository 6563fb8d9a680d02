import { Column, Entity, Index, PrimaryColumn } from "typeorm";
import { Field, Float, ID, Int, ObjectType } from "type-graphql";
import { jsonText } from "../../../lib/platform/database.js";
import { AgentDomain } from "../../../lib/contracts/agent-domain.js";
import { ClauseOutcome, ClauseSeverity, Comparator, EvaluationMethod, EvaluationRunStatus, PactMetric } from "../pact.enums.js";
import type { CaseFacts, CaseTimings } from "./judging/evaluation-case.facts.js";

/** A batch of evidence submitted for judging against one pact version. */
@ObjectType({ description: "A batch of cases submitted as evidence and judged against one pact version." })
@Entity({ name: "evaluation_runs" })
@Index("idx_runs_agent", ["agentId", "submittedAt"])
@Index("idx_runs_status", ["status", "enqueuedAt"])
@Index("idx_runs_window", ["agentId", "workflow", "submittedAt"])
export class EvaluationRun {
  @Field(() => ID, { description: "Stable identifier of the run." })
  @PrimaryColumn({ type: "varchar", length: 36 })
  id: string;

  @Field(() => ID, { description: "The agent whose behaviour the cases record." })
  @Column({ name: "agent_id", type: "varchar", length: 36 })
  agentId: string;

  @Field(() => ID, { description: "The pact version the run is judged against." })
  @Column({ name: "pact_id", type: "varchar", length: 36 })
  pactId: string;

  @Field(() => Int, { description: "Version number of that pact." })
  @Column({ name: "pact_version", type: "int" })
  pactVersion: number;

  @Field(() => AgentDomain, {
    description: "The workflow of the pact; clause windows span the agent's cases in this workflow across pact versions.",
  })
  @Column({ type: "varchar", length: 40 })
  workflow: AgentDomain;

  @Field(() => EvaluationRunStatus, { description: "Where the run is in judging." })
  @Column({ type: "varchar", length: 16 })
  status: EvaluationRunStatus;

  @Field(() => Int, { description: "Number of cases submitted." })
  @Column({ name: "case_count", type: "int" })
  caseCount: number;

  @Field(() => Int, { nullable: true, description: "Cases that passed every check; null until judged." })
  @Column({ name: "passed_count", type: "int", nullable: true })
  passedCount: number | null;

  @Field(() => Int, { nullable: true, description: "Cases that failed a check; null until judged." })
  @Column({ name: "failed_count", type: "int", nullable: true })
  failedCount: number | null;

  @Field(() => Boolean, { nullable: true, description: "Whether the run met the pact's run rule; null until judged." })
  @Column({ type: "boolean", nullable: true })
  passed: boolean | null;

  @Field(() => Float, { nullable: true, description: "Weight of passing clauses over total weight; null until judged." })
  @Column({ name: "weighted_pass_share", type: "double", nullable: true })
  weightedPassShare: number | null;

  @Field(() => ID, { description: "Subject of the builder who submitted the run." })
  @Column({ name: "submitted_by", type: "varchar", length: 128 })
  submittedBy: string;

  @Field(() => Date, { description: "When the run was accepted." })
  @Column({ name: "submitted_at", type: "datetime", precision: 3 })
  submittedAt: Date;

  @Field(() => Date, { nullable: true, description: "When judging finished; null until then." })
  @Column({ name: "completed_at", type: "datetime", precision: 3, nullable: true })
  completedAt: Date | null;

  /** When a judge job for the run was last written; the reconciler requeues runs left waiting too long. */
  @Column({ name: "enqueued_at", type: "datetime", precision: 3 })
  enqueuedAt: Date;

  /** How many times the reconciler has had to requeue the run. */
  @Column({ type: "int", default: 0 })
  requeues: number;

  @Field(() => String, { nullable: true, description: "Why judging gave up on the run; null unless the status is FAILED." })
  @Column({ name: "failure_reason", type: "varchar", length: 500, nullable: true })
  failureReason: string | null;

  @Field(() => Int, {
    description:
      "How many judge jobs the run was split into: one, unless its pact has jury-judged clauses and the run is larger than a slice.",
  })
  @Column({ name: "slice_count", type: "int", default: 1 })
  sliceCount: number;

  @Field(() => Float, {
    nullable: true,
    description:
      "Fleiss' kappa of the jury's votes over the run's jury-judged cases (1 perfect agreement, 0 chance); null without a jury or until judged.",
  })
  @Column({ name: "jury_agreement", type: "double", nullable: true })
  juryAgreement: number | null;

  @Field(() => Float, { nullable: true, description: "What the jury's model calls for the run cost, in US dollars; null until judged." })
  @Column({ name: "jury_cost_usd", type: "double", nullable: true })
  juryCostUsd: number | null;
}

/**
 * One submitted case, kept verbatim as evidence. Not exposed: alerts may hold customer data. A
 * case id is evidence once per agent, so resubmitting the same cases cannot inflate a score.
 */
@Entity({ name: "evaluation_cases" })
@Index("uq_cases_agent_case", ["agentId", "caseId"], { unique: true })
export class EvaluationCase {
  @PrimaryColumn({ name: "run_id", type: "varchar", length: 36 })
  runId: string;

  @PrimaryColumn({ name: "case_id", type: "varchar", length: 128 })
  caseId: string;

  @Column({ name: "agent_id", type: "varchar", length: 36 })
  agentId: string;

  @Column({ type: "int" })
  position: number;

  @Column({ type: "text", transformer: jsonText })
  input: Record<string, unknown>;

  @Column({ type: "text", transformer: jsonText })
  expected: CaseFacts;

  @Column({ type: "text", transformer: jsonText })
  output: CaseFacts;

  @Column({ type: "text", nullable: true, transformer: jsonText })
  timings: CaseTimings | null;

  /** How many of the output's indicators occur in the input; counted at submission so judges never read inputs. */
  @Column({ name: "grounded_indicators", type: "int", nullable: true })
  groundedIndicators: number | null;
}

/** The judge's verdict on one case; keyed by (run, case) so a redelivered job cannot add another. */
@Entity({ name: "case_verdicts" })
export class CaseVerdict {
  @PrimaryColumn({ name: "run_id", type: "varchar", length: 36 })
  runId: string;

  @PrimaryColumn({ name: "case_id", type: "varchar", length: 128 })
  caseId: string;

  /** Per clause that applies to the case: whether the case on its own meets the clause's threshold. */
  @Column({ type: "text", transformer: jsonText })
  checks: Record<string, boolean>;

  @Column({ type: "boolean" })
  passed: boolean;

  @Column({ name: "judged_at", type: "datetime", precision: 3 })
  judgedAt: Date;
}

/** The verdict on one clause of the pact for one run, with the clause as it was judged. */
@ObjectType({ description: "The verdict on one pact clause for one run." })
@Entity({ name: "clause_results" })
export class ClauseResult {
  @PrimaryColumn({ name: "run_id", type: "varchar", length: 36 })
  runId: string;

  @Field(() => String, { description: "The clause's identifier within its pact." })
  @PrimaryColumn({ name: "clause_key", type: "varchar", length: 64 })
  clauseKey: string;

  @Field(() => PactMetric, { description: "What was measured." })
  @Column({ type: "varchar", length: 64 })
  metric: PactMetric;

  @Field(() => Comparator, { description: "How the measurement was compared." })
  @Column({ type: "varchar", length: 8 })
  comparator: Comparator;

  @Field(() => Float, { description: "The bound the measurement had to meet." })
  @Column({ type: "double" })
  threshold: number;

  @Field(() => Int, { nullable: true, description: "The clause's window in most recent cases; null for no count limit." })
  @Column({ name: "window_cases", type: "int", nullable: true })
  windowCases: number | null;

  @Field(() => Int, { nullable: true, description: "The clause's window in days before the run; null for no time limit." })
  @Column({ name: "window_days", type: "int", nullable: true })
  windowDays: number | null;

  @Field(() => EvaluationMethod, { description: "How the clause was judged." })
  @Column({ type: "varchar", length: 16 })
  method: EvaluationMethod;

  @Field(() => ClauseSeverity, { description: "How much breaking the clause matters." })
  @Column({ type: "varchar", length: 16 })
  severity: ClauseSeverity;

  @Field(() => Float, { nullable: true, description: "The measured value; null when no case applied." })
  @Column({ type: "double", nullable: true })
  observed: number | null;

  @Field(() => Int, { description: "How many cases the measurement is over." })
  @Column({ name: "sample_size", type: "int" })
  sampleSize: number;

  @Field(() => ClauseOutcome, { description: "The verdict." })
  @Column({ type: "varchar", length: 24 })
  outcome: ClauseOutcome;

  @Field(() => Int, {
    nullable: true,
    description:
      'The fewest cases the window had to hold for the verdict to count, from the threshold and EVIDENCE_CONFIDENCE (docs/pacts.md, "Enough evidence"); below it the outcome is INSUFFICIENT_EVIDENCE. Null for results judged before the minimum existed.',
  })
  @Column({ name: "min_sample_size", type: "int", nullable: true })
  minSampleSize: number | null;

  /** The clause's place in its pact, so results read in the pact's order. */
  @Column({ type: "int" })
  position: number;
}
