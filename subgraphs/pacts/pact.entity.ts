import { Column, Entity, Index, PrimaryColumn } from "typeorm";
import { Field, Float, ID, Int, ObjectType } from "type-graphql";
import { AgentDomain } from "../../lib/agent-domain.js";
import { ClauseSeverity, Comparator, EvaluationMethod, PactMetric, PactStatus } from "./pact.enums.js";

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

  @Field(() => String, { description: "The template the pact was adopted from." })
  @Column({ type: "varchar", length: 64 })
  template: string;

  @Field(() => Int, { description: "Version number; verdicts name the version they were judged against." })
  @Column({ type: "int" })
  version: number;

  @Field(() => PactStatus, { description: "Whether the pact is in force." })
  @Column({ type: "varchar", length: 16 })
  status: PactStatus;

  @Field(() => Float, { description: "Weighted share of passing clauses a run needs, besides passing every critical clause." })
  @Column({ name: "pass_threshold", type: "double" })
  passThreshold: number;

  @Column({ name: "escalation_team", type: "varchar", length: 120 })
  escalationTeam: string;

  @Column({ name: "escalation_contact", type: "varchar", length: 200 })
  escalationContact: string;

  @Column({ name: "ack_deadline_minutes", type: "int" })
  ackDeadlineMinutes: number;

  @Field(() => ID, { description: "Subject of the builder who adopted the pact." })
  @Column({ name: "created_by", type: "varchar", length: 128 })
  createdBy: string;

  @Field(() => Date, { description: "When the pact came into force." })
  @Column({ name: "adopted_at", type: "datetime", precision: 3 })
  adoptedAt: Date;
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

  @Field(() => Int, { description: "How many of the most recent cases the clause is judged over." })
  @Column({ name: "window_cases", type: "int" })
  windowCases: number;

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
