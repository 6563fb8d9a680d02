import { Column, Entity, Index, PrimaryColumn } from "typeorm";
import { Field, Float, ID, Int, ObjectType } from "type-graphql";
import { jsonText } from "../../../lib/platform/database.js";
import { CaseOutcome, DecidedBy, EvaluationMethod, JurorVerdict, PactMetric } from "../pact.enums.js";

@ObjectType({ description: "One juror's vote on a case, kept as evidence." })
export class JuryVote {
  @Field(() => String, {
    description: "The juror, e.g. `openai:gpt-4o-mini`, `bedrock:anthropic.claude-3-haiku-20240307-v1:0` or `rubric:strict`.",
  })
  juror: string;

  @Field(() => JurorVerdict, { description: "Its vote; ABSTAIN when it gave no usable answer." })
  verdict: JurorVerdict;

  @Field(() => Float, { nullable: true, description: "How sure it said it was, 0–1; null when it abstained." })
  confidence: number | null;

  @Field(() => String, { description: "Its reasoning, as it gave it (at most 1,000 characters)." })
  rationale: string;

  /** Why it abstained, as the provider put it; GraphQL shows builders only the kind of failure. */
  error: string | null;

  @Field(() => Int, { description: "Calls made to it, retries included." })
  attempts: number;

  @Field(() => Float, { description: "What its answer cost, in US dollars, from the tokens it reported and the configured prices." })
  costUsd: number;

  @Field(() => Int, { description: "Milliseconds from the first call to its answer or abstention." })
  latencyMs: number;
}

/**
 * The verdict on one case under one jury-judged metric of a run: the jury's votes and outcome and,
 * when the jury was uncertain, the human decision. An UNCERTAIN one is an item of the review
 * queue. Keyed by (run, case, metric) so a redelivered slice cannot add another.
 */
@ObjectType({
  description:
    "The verdict on one case under one jury-judged clause: every juror's vote, the outcome and, for uncertain cases, the reviewer's decision. Uncertain ones make up the review queue.",
})
@Entity({ name: "jury_verdicts" })
@Index("uq_jury_run_case_metric", ["runId", "caseId", "metric"], { unique: true })
@Index("idx_jury_queue", ["outcome", "createdAt"])
@Index("idx_jury_agent_case", ["agentId", "caseId", "metric"])
export class JuryVerdict {
  @Field(() => ID, { description: "Stable identifier; `submitReview` takes it." })
  @PrimaryColumn({ type: "varchar", length: 36 })
  id: string;

  @Column({ name: "run_id", type: "varchar", length: 36 })
  runId: string;

  @Field(() => String, { description: "The builder's id of the case." })
  @Column({ name: "case_id", type: "varchar", length: 128 })
  caseId: string;

  @Column({ name: "agent_id", type: "varchar", length: 36 })
  agentId: string;

  @Field(() => PactMetric, { description: "The metric the jury judged the case on." })
  @Column({ type: "varchar", length: 64 })
  metric: PactMetric;

  @Field(() => String, { description: "The clause of the run's pact version that asked for the jury." })
  @Column({ name: "clause_key", type: "varchar", length: 64 })
  clauseKey: string;

  @Field(() => EvaluationMethod, { description: "JURY, or HYBRID (jury and deterministic check must agree)." })
  @Column({ type: "varchar", length: 16 })
  method: EvaluationMethod;

  @Field(() => CaseOutcome, { nullable: true, description: "What the deterministic check said, for HYBRID clauses; null for JURY ones." })
  @Column({ name: "deterministic_outcome", type: "varchar", length: 16, nullable: true })
  deterministicOutcome: CaseOutcome.PASS | CaseOutcome.FAIL | null;

  @Field(() => CaseOutcome, { description: "What the jury decided on its own." })
  @Column({ name: "jury_outcome", type: "varchar", length: 16 })
  juryOutcome: CaseOutcome;

  @Field(() => String, { nullable: true, description: "Why the case went to a human; null when the jury decided it." })
  @Column({ name: "uncertain_because", type: "varchar", length: 300, nullable: true })
  uncertainBecause: string | null;

  @Field(() => [JuryVote], { description: "Every juror's vote, abstentions included." })
  @Column({ type: "text", transformer: jsonText })
  votes: JuryVote[];

  @Field(() => Float, { description: "Share of the answering jurors in the majority; 0 when none answered." })
  @Column({ name: "majority_share", type: "double" })
  majorityShare: number;

  @Field(() => Float, { description: "What the jury's calls on this case cost, in US dollars." })
  @Column({ name: "cost_usd", type: "double" })
  costUsd: number;

  @Field(() => CaseOutcome, {
    description: "The final verdict: the jury's, or the reviewer's; UNCERTAIN while it waits in the review queue.",
  })
  @Column({ type: "varchar", length: 16 })
  outcome: CaseOutcome;

  @Field(() => DecidedBy, { nullable: true, description: "Who decided; null while in the review queue." })
  @Column({ name: "decided_by", type: "varchar", length: 8, nullable: true })
  decidedBy: DecidedBy | null;

  /** Subject of the arbiter who reviewed the case; shown to arbiters only (see ReviewResolver). */
  @Column({ type: "varchar", length: 128, nullable: true })
  reviewer: string | null;

  @Field(() => String, { nullable: true, description: "The reviewer's note; null unless reviewed." })
  @Column({ name: "review_note", type: "varchar", length: 1000, nullable: true })
  reviewNote: string | null;

  @Field(() => Date, { nullable: true, description: "When the case was reviewed; null unless reviewed." })
  @Column({ name: "reviewed_at", type: "datetime", precision: 3, nullable: true })
  reviewedAt: Date | null;

  @Field(() => Date, { description: "When the jury gave its verdict." })
  @Column({ name: "created_at", type: "datetime", precision: 3 })
  createdAt: Date;
}

/** A slice of a run whose jury work is stored; the run is decided once every slice is. */
@Entity({ name: "judged_slices" })
export class JudgedSlice {
  @PrimaryColumn({ name: "run_id", type: "varchar", length: 36 })
  runId: string;

  @PrimaryColumn({ type: "int" })
  slice: number;

  @Column({ name: "judged_at", type: "datetime", precision: 3 })
  judgedAt: Date;
}

/**
 * A judge job that failed, with why, by SQS message id: what operators read when a message the
 * queue has moved to its dead-letter queue after its last delivery needs explaining.
 */
@Entity({ name: "judge_failures" })
export class JudgeFailure {
  @PrimaryColumn({ name: "message_id", type: "varchar", length: 100 })
  messageId: string;

  @Column({ type: "varchar", length: 500 })
  body: string;

  @Column({ type: "varchar", length: 1000 })
  reason: string;

  @Column({ name: "receive_count", type: "int" })
  receiveCount: number;

  @Column({ name: "first_failed_at", type: "datetime", precision: 3 })
  firstFailedAt: Date;

  @Column({ name: "last_failed_at", type: "datetime", precision: 3 })
  lastFailedAt: Date;
}
