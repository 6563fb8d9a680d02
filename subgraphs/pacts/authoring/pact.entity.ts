import { Column, Entity, Index, PrimaryColumn } from "typeorm";
import { Field, Float, ID, Int, ObjectType } from "type-graphql";
import { AgentDomain } from "../../../lib/contracts/agent-domain.js";
import { jsonText } from "../../../lib/platform/database.js";
import { ConsequenceStep, EscalationRouteStep } from "./consequence.types.js";
import { ClauseSeverity, Comparator, EvaluationMethod, PactMetric, PactStatus } from "../pact.enums.js";

@ObjectType({ description: "Who is told, and how fast they must acknowledge, when the agent's trust degrades." })
export class EscalationOwner {
  @Field(() => String, { description: "Team that owns escalations for this pact." })
  team: string;

  @Field(() => String, { description: "How to reach the team: an email address, pager handle or channel." })
  contact: string;

  @Field(() => Int, { description: "Minutes within which an escalation must be acknowledged." })
  ackDeadlineMinutes: number;
}

/** A versioned behavioural contract binding one agent in one workflow. */
@ObjectType({ description: "A versioned, machine-readable behavioural contract for one agent and one workflow." })
@Entity({ name: "pacts" })
@Index("uq_pacts_agent_workflow_version", ["agentId", "workflow", "version"], { unique: true })
@Index("uq_pacts_agent_workflow_open", ["agentId", "workflow", "openStatus"], { unique: true })
export class Pact {
  @Field(() => ID, { description: "Stable identifier of this pact version." })
  @PrimaryColumn({ type: "varchar", length: 36 })
  id: string;

  @Field(() => ID, { description: "The agent bound by the pact." })
  @Column({ name: "agent_id", type: "varchar", length: 36 })
  agentId: string;

  @Field(() => AgentDomain, { description: "The workflow the pact covers." })
  @Column({ type: "varchar", length: 40 })
  workflow: AgentDomain;

  @Field(() => String, {
    nullable: true,
    description: "The template the pact (or the version it amends) was adopted from; null when written from scratch.",
  })
  @Column({ type: "varchar", length: 64, nullable: true })
  template: string | null;

  @Field(() => Int, { description: "Version number; verdicts name the version they were judged against." })
  @Column({ type: "int" })
  version: number;

  @Field(() => PactStatus, { description: "Where the version is in its lifecycle." })
  @Column({ type: "varchar", length: 16 })
  status: PactStatus;

  /**
   * The status while it is DRAFT or ACTIVE, else null: a unique index over (agent, workflow, this)
   * allows one draft and one active version per agent and workflow, on MySQL too, which has no
   * partial indexes (NULLs never collide).
   */
  @Column({ name: "open_status", type: "varchar", length: 16, nullable: true })
  openStatus: PactStatus | null;

  /** The active version this draft amends; activation refuses when it is no longer the active one. */
  @Column({ name: "amends_pact_id", type: "varchar", length: 36, nullable: true })
  amendsPactId: string | null;

  @Field(() => Float, { description: "Weighted share of passing clauses a run needs, besides passing every critical clause." })
  @Column({ name: "pass_threshold", type: "double" })
  passThreshold: number;

  @Column({ name: "escalation_team", type: "varchar", length: 120 })
  escalationTeam: string;

  @Column({ name: "escalation_contact", type: "varchar", length: 200 })
  escalationContact: string;

  @Column({ name: "ack_deadline_minutes", type: "int" })
  ackDeadlineMinutes: number;

  @Field(() => [EscalationRouteStep], { description: "Who is told at each step of the consequence ladder, one entry per step." })
  @Column({ name: "escalation_route", type: "text", transformer: jsonText })
  escalationRoute: EscalationRouteStep[];

  @Field(() => [ConsequenceStep], {
    description: "What happens as trust degrades, mildest step first, with each step's trigger and way back.",
  })
  @Column({ name: "consequence_ladder", type: "text", transformer: jsonText })
  consequenceLadder: ConsequenceStep[];

  @Field(() => ID, { description: "Subject of the builder who wrote this version." })
  @Column({ name: "created_by", type: "varchar", length: 128 })
  createdBy: string;

  @Field(() => Date, { description: "When this version was written." })
  @Column({ name: "created_at", type: "datetime", precision: 3 })
  createdAt: Date;

  @Field(() => Date, { nullable: true, description: "When this version came into force; null while a draft or if it never did." })
  @Column({ name: "activated_at", type: "datetime", precision: 3, nullable: true })
  activatedAt: Date | null;

  @Field(() => Date, { nullable: true, description: "When this version was superseded or retired; null while open." })
  @Column({ name: "closed_at", type: "datetime", precision: 3, nullable: true })
  closedAt: Date | null;

  @Field(() => String, {
    nullable: true,
    description: "Why the version was retired, as its builder put it; null unless retired with a reason.",
  })
  @Column({ name: "retired_reason", type: "varchar", length: 500, nullable: true })
  retiredReason: string | null;
}

/** One measurable promise of a pact. */
@ObjectType({ description: "One measurable promise: a metric compared with a threshold over a window of cases." })
@Entity({ name: "pact_clauses" })
export class PactClause {
  @PrimaryColumn({ name: "pact_id", type: "varchar", length: 36 })
  pactId: string;

  @Field(() => String, { description: "Identifier of the clause within its pact, e.g. `severity-accuracy`." })
  @PrimaryColumn({ name: "clause_key", type: "varchar", length: 64 })
  key: string;

  @Field(() => PactMetric, { description: "What is measured." })
  @Column({ type: "varchar", length: 64 })
  metric: PactMetric;

  @Field(() => Comparator, { description: "How the measurement is compared with the threshold." })
  @Column({ type: "varchar", length: 8 })
  comparator: Comparator;

  @Field(() => Float, { description: "The bound the measurement must meet." })
  @Column({ type: "double" })
  threshold: number;

  @Field(() => Int, {
    nullable: true,
    description: "The clause is judged over at most this many of the agent's most recent cases in the workflow; null for no count limit.",
  })
  @Column({ name: "window_cases", type: "int", nullable: true })
  windowCases: number | null;

  @Field(() => Int, {
    nullable: true,
    description: "The clause is judged over cases submitted within this many days before the run; null for no time limit.",
  })
  @Column({ name: "window_days", type: "int", nullable: true })
  windowDays: number | null;

  @Field(() => EvaluationMethod, { description: "How the clause is judged." })
  @Column({ type: "varchar", length: 16 })
  method: EvaluationMethod;

  @Field(() => Float, { description: "Weight in the run's weighted pass share." })
  @Column({ type: "double" })
  weight: number;

  @Field(() => ClauseSeverity, { description: "How much breaking the clause matters." })
  @Column({ type: "varchar", length: 16 })
  severity: ClauseSeverity;

  @Field(() => Int, { description: "Order of the clause within the pact." })
  @Column({ type: "int" })
  position: number;
}
