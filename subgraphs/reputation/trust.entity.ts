import { Column, Entity, PrimaryColumn } from "typeorm";
import { Field, Float, Int, ObjectType } from "type-graphql";
import { jsonText } from "../../lib/database.js";
import { TrustTier } from "./scoring.js";

/** An agent's current trust: running evidence totals and the assessment derived from them. */
@ObjectType({ description: "An agent's trust: composite score, confidence, tier and listing eligibility, with reasons." })
@Entity({ name: "trust_profiles" })
export class TrustProfile {
  @PrimaryColumn({ name: "agent_id", type: "varchar", length: 36 })
  agentId: string;

  @Field(() => Int, { description: "Demonstrated capability from judged evaluation evidence, 0–1000." })
  @Column({ name: "composite_score", type: "int" })
  compositeScore: number;

  @Field(() => Float, { description: "How much evidence backs the composite score, 0–1." })
  @Column({ name: "composite_confidence", type: "double" })
  compositeConfidence: number;

  @Field(() => TrustTier, { description: "Marketplace tier." })
  @Column({ type: "varchar", length: 16 })
  tier: TrustTier;

  @Field(() => Boolean, { description: "Whether the agent may be listed on the marketplace." })
  @Column({ type: "boolean" })
  eligible: boolean;

  @Field(() => [String], { description: "Why the agent has this tier and eligibility, in words." })
  @Column({ type: "text", transformer: jsonText })
  reasons: string[];

  @Field(() => String, { description: "Version of the listing policy that decided tier and eligibility." })
  @Column({ name: "policy_version", type: "varchar", length: 40 })
  policyVersion: string;

  @Field(() => Int, { description: "Judged cases that passed every check." })
  @Column({ name: "cases_passed", type: "int" })
  casesPassed: number;

  @Field(() => Int, { description: "Judged cases that failed a check." })
  @Column({ name: "cases_failed", type: "int" })
  casesFailed: number;

  @Field(() => Int, { description: "Judged evaluation runs." })
  @Column({ name: "evaluation_runs", type: "int" })
  evaluationRuns: number;

  @Column({ name: "last_run_passed", type: "boolean", nullable: true })
  lastRunPassed: boolean | null;

  @Column({ name: "last_run_failed_critical", type: "text", transformer: jsonText })
  lastRunFailedCriticalClauses: string[];

  /** Submission time of the run `lastRun…` describe: judges may finish runs out of order. */
  @Column({ name: "last_run_submitted_at", type: "datetime", precision: 3, nullable: true })
  lastRunSubmittedAt: Date | null;

  @Field(() => Date, { nullable: true, description: "When the trust last changed; null for an agent with no evidence yet." })
  @Column({ name: "updated_at", type: "datetime", precision: 3, nullable: true })
  updatedAt: Date | null;
}

/** One judged run as reputation recorded it; keyed by run so it can be counted only once. */
@Entity({ name: "trust_evaluation_evidence" })
export class EvaluationEvidence {
  @PrimaryColumn({ name: "run_id", type: "varchar", length: 36 })
  runId: string;

  @Column({ name: "agent_id", type: "varchar", length: 36 })
  agentId: string;

  @Column({ name: "pact_id", type: "varchar", length: 36 })
  pactId: string;

  @Column({ name: "pact_version", type: "int" })
  pactVersion: number;

  @Column({ name: "cases_passed", type: "int" })
  casesPassed: number;

  @Column({ name: "cases_failed", type: "int" })
  casesFailed: number;

  @Column({ name: "run_passed", type: "boolean" })
  runPassed: boolean;

  @Column({ name: "failed_critical", type: "text", transformer: jsonText })
  failedCriticalClauses: string[];

  @Column({ name: "submitted_at", type: "datetime", precision: 3 })
  submittedAt: Date;

  @Column({ name: "judged_at", type: "datetime", precision: 3 })
  judgedAt: Date;
}
