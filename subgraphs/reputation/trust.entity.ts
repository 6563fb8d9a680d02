import { Column, Entity, Index, PrimaryColumn } from "typeorm";
import { Field, Float, Int, ObjectType } from "type-graphql";
import { jsonText } from "../../lib/platform/database.js";
import { ConsequenceAction, type ConsequenceTerms } from "../../lib/contracts/consequence.js";
import { TrustTier, type ClauseEvidence, type EvaluationDrift, type ScoringState } from "./score.math.js";

/** An agent's current trust: running aggregates and the listing decision derived from them. */
@ObjectType({
  description:
    "An agent's trust: composite and reputation scores with their confidence, tier, listing eligibility with reasons, and the consequence standing.",
})
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

  @Field(() => Int, { description: "Reliability in production from KPI reports, pact breaches and upheld disputes, 0–1000." })
  @Column({ name: "reputation_score", type: "int" })
  reputationScore: number;

  @Field(() => Float, { description: "How much production evidence backs the reputation score, 0–1." })
  @Column({ name: "reputation_confidence", type: "double" })
  reputationConfidence: number;

  @Field(() => TrustTier, { description: "Marketplace tier." })
  @Column({ type: "varchar", length: 16 })
  tier: TrustTier;

  /** The tier's rank (UNRATED 0 … PLATINUM 4), so search can ask for "at least" a tier. */
  @Column({ name: "tier_rank", type: "int" })
  tierRank: number;

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

  @Field(() => ConsequenceAction, {
    nullable: true,
    description: "The rung of the pact's consequence ladder standing now; null when none.",
  })
  @Column({ type: "varchar", length: 24, nullable: true })
  consequence: ConsequenceAction | null;

  /**
   * The marketplace cannot sign off a SOC's alerts itself: it tells buyers' integrations, which
   * route the agent's decisions to an analyst while this holds.
   */
  @Field(() => Boolean, {
    description: "Whether the agent's decisions need an analyst's sign-off: REQUIRE_HUMAN_REVIEW or a harsher consequence stands.",
  })
  get humanReviewRequired(): boolean {
    return this.consequence !== null && this.consequence !== ConsequenceAction.WARN;
  }

  @Field(() => Date, { nullable: true, description: "When the standing consequence was taken; null when none stands." })
  @Column({ name: "consequence_since", type: "datetime", precision: 3, nullable: true })
  consequenceSince: Date | null;

  /**
   * Submission times (ms) of the agent's most recent breaches, newest first, as many as its
   * ladder's largest breach count: the ladder counts them without reading the evidence, so
   * concurrent judges neither wait on each other's rows nor miss one.
   */
  @Column({ name: "recent_breaches", type: "text", transformer: jsonText })
  recentBreaches: number[];

  /** When an arbiter last lifted a consequence: breaches before it no longer count towards a step. */
  @Column({ name: "ladder_reset_at", type: "datetime", precision: 3, nullable: true })
  ladderResetAt: Date | null;

  @Field(() => Boolean, { description: "Whether drift detection (weekly scorecard or evaluation evidence) has an alarm standing." })
  @Column({ name: "drift_alarm", type: "boolean" })
  driftAlarm: boolean;

  /** When the agent last lost its listing, until it regains it: a regained listing is told only then. */
  @Column({ name: "unlisted_at", type: "datetime", precision: 3, nullable: true })
  unlistedAt: Date | null;

  /** When the standing drift alarm was raised; null when none stands. */
  @Column({ name: "drift_raised_at", type: "datetime", precision: 3, nullable: true })
  driftRaisedAt: Date | null;

  /** The scorecard's part of the drift alarm; the evaluation part lives in `evaluationDrift`. */
  @Column({ name: "kpi_drift_alarm", type: "boolean" })
  kpiDriftAlarm: boolean;

  @Field(() => Int, { description: "Critical disputes against the agent still open." })
  @Column({ name: "open_critical_disputes", type: "int" })
  openCriticalDisputes: number;

  @Field(() => Int, {
    description: "Consecutive judged runs, up to the latest submitted, that met their pact since the last breach or consequence step.",
  })
  @Column({ name: "passing_streak", type: "int" })
  passingStreak: number;

  /** Decayed running aggregates behind both scores (see score.math.ts). */
  @Column({ name: "scoring_state", type: "text", transformer: jsonText })
  scoringState: ScoringState;

  @Column({ name: "evaluation_drift", type: "text", transformer: jsonText })
  evaluationDrift: EvaluationDrift;

  /** The terms of the pact version the agent was last judged against: what the ladder runs on. */
  @Column({ name: "consequence_terms", type: "text", nullable: true, transformer: jsonText })
  consequenceTerms: ConsequenceTerms | null;

  @Field(() => Date, { nullable: true, description: "When the trust last changed; null for an agent with no evidence yet." })
  @Column({ name: "updated_at", type: "datetime", precision: 3, nullable: true })
  updatedAt: Date | null;
}

/** One judged run as reputation recorded it; keyed by run so it can be counted only once. */
@Entity({ name: "trust_evaluation_evidence" })
@Index("idx_evidence_agent_submitted", ["agentId", "submittedAt", "runId"])
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

  /** Per clause: metric, pact weight, cases passed and failed; empty for runs recorded before clauses were kept. */
  @Column({ type: "text", nullable: true, transformer: jsonText })
  clauses: ClauseEvidence[] | null;

  @Column({ name: "submitted_at", type: "datetime", precision: 3 })
  submittedAt: Date;

  @Column({ name: "judged_at", type: "datetime", precision: 3 })
  judgedAt: Date;

  /** When a granted appeal set the run's verdict aside; from then on it counts for nothing. */
  @Column({ name: "set_aside_at", type: "datetime", precision: 3, nullable: true })
  setAsideAt: Date | null;
}
