import { Column, Entity, Index, PrimaryColumn } from "typeorm";
import { Field, Float, ID, Int, ObjectType, registerEnumType } from "type-graphql";
import { jsonText } from "../../lib/platform/database.js";
import { ConsequenceAction, EscalationRecipient } from "../../lib/contracts/consequence.js";
import type { DisputeSeverityName } from "../../lib/contracts/dispute-state.js";
import { TrustTier } from "./score.math.js";

/** What made the trust change. */
export enum TrustCause {
  EVALUATION_RUN = "EVALUATION_RUN",
  KPI_REPORT = "KPI_REPORT",
  DISPUTE = "DISPUTE",
  RECOMPUTE = "RECOMPUTE",
  ARBITER = "ARBITER",
  TIME = "TIME",
}

export enum EscalationDirection {
  FIRED = "FIRED",
  LIFTED = "LIFTED",
  UNLISTED = "UNLISTED",
  LISTED = "LISTED",
}

registerEnumType(TrustCause, {
  name: "TrustCause",
  description: "The kind of evidence or act that changed an agent's trust.",
  valuesConfig: {
    EVALUATION_RUN: { description: "A judged evaluation run; the cause id is the run's id." },
    KPI_REPORT: { description: "A weekly production KPI report; the cause id is the report's id." },
    DISPUTE: { description: "A dispute upheld, reversed, opened or closed; the cause id is the dispute's id." },
    RECOMPUTE: {
      description:
        "An arbiter recomputed the scores from all the evidence (an audit or a policy change); the cause id names the act, not the arbiter.",
    },
    ARBITER: {
      description:
        "An arbiter lifted a consequence that only an arbiter may lift; the cause id names the act, and the escalation the arbiter.",
    },
    TIME: {
      description:
        "Time passed without new evidence: old evidence decayed, or a way back that needs quiet days opened; the cause id is the sweep's date.",
    },
  },
});
registerEnumType(EscalationDirection, {
  name: "EscalationDirection",
  description: "What happened: a consequence step taken or lifted, or the listing lost or regained.",
  valuesConfig: {
    FIRED: { description: "The step was taken." },
    LIFTED: { description: "The agent recovered, or an arbiter lifted the step." },
    UNLISTED: { description: "The listing policy made the agent ineligible; the reason says why." },
    LISTED: { description: "The agent became eligible for listing again." },
  },
});

/**
 * The latest state of one dispute as the disputes context reported it, with its version: effects
 * are applied as the difference from the stored state, so a replay or a stale message changes
 * nothing, and a reversal takes back exactly what the upheld verdict added.
 */
@Entity({ name: "trust_dispute_states" })
@Index("idx_dispute_states_agent", ["agentId"])
export class DisputeState {
  @PrimaryColumn({ name: "dispute_id", type: "varchar", length: 36 })
  disputeId: string;

  @Column({ name: "agent_id", type: "varchar", length: 36 })
  agentId: string;

  /** Grows with every transition of the dispute; a message with a version not above it is stale. */
  @Column({ type: "int" })
  version: number;

  @Column({ type: "varchar", length: 16 })
  severity: DisputeSeverityName;

  /** Open, of CRITICAL severity, by a credible filer: counts towards the listing policy's open critical disputes. */
  @Column({ name: "critical_open", type: "boolean" })
  criticalOpen: boolean;

  /** The filer's credibility when the state was reported: scales what an upheld dispute weighs. */
  @Column({ type: "double" })
  weight: number;

  /** Upheld and not reversed: counts against reputation, by severity. */
  @Column({ type: "boolean" })
  upheld: boolean;

  /** When the disputed behaviour happened: what an upheld dispute decays from. */
  @Column({ name: "occurred_at", type: "datetime", precision: 3 })
  occurredAt: Date;
}

/** The scores after one change, with the evidence that caused it. */
@ObjectType({ description: "An agent's scores after one change, and what caused it." })
@Entity({ name: "trust_score_history" })
@Index("idx_score_history_agent", ["agentId", "recordedAt", "id", "compositeScore"])
export class ScoreHistoryEntry {
  @Field(() => ID, { description: "Identifier of the entry." })
  @PrimaryColumn({ type: "varchar", length: 36 })
  id: string;

  @Column({ name: "agent_id", type: "varchar", length: 36 })
  agentId: string;

  @Field(() => Int, { description: "Composite score after the change, 0–1000." })
  @Column({ name: "composite_score", type: "int" })
  compositeScore: number;

  @Field(() => Float, { description: "Confidence of the composite score, 0–1." })
  @Column({ name: "composite_confidence", type: "double" })
  compositeConfidence: number;

  @Field(() => Int, { description: "Reputation score after the change, 0–1000." })
  @Column({ name: "reputation_score", type: "int" })
  reputationScore: number;

  @Field(() => Float, { description: "Confidence of the reputation score, 0–1." })
  @Column({ name: "reputation_confidence", type: "double" })
  reputationConfidence: number;

  @Field(() => TrustCause, { description: "What kind of evidence or act caused the change." })
  @Column({ type: "varchar", length: 24 })
  cause: TrustCause;

  @Field(() => ID, { description: "The run, report, dispute or arbiter act that caused it." })
  @Column({ name: "cause_id", type: "varchar", length: 128 })
  causeId: string;

  @Field(() => Date, { description: "When the change was recorded." })
  @Column({ name: "recorded_at", type: "datetime", precision: 3 })
  recordedAt: Date;
}

/** A change of listing eligibility, tier or consequence, with its reasons and cause. */
@ObjectType({
  description:
    "A change of an agent's listing eligibility, tier or consequence standing, with the reasons and the evidence that caused it.",
})
@Entity({ name: "trust_eligibility_history" })
@Index("idx_eligibility_history_agent", ["agentId", "decidedAt", "id"])
export class EligibilityChange {
  @Field(() => ID, { description: "Identifier of the entry." })
  @PrimaryColumn({ type: "varchar", length: 36 })
  id: string;

  @Column({ name: "agent_id", type: "varchar", length: 36 })
  agentId: string;

  @Field(() => Boolean, { description: "Whether the agent could be listed after the change." })
  @Column({ type: "boolean" })
  eligible: boolean;

  @Field(() => TrustTier, { description: "The tier after the change." })
  @Column({ type: "varchar", length: 16 })
  tier: TrustTier;

  @Field(() => ConsequenceAction, { nullable: true, description: "The consequence standing after the change; null when none." })
  @Column({ type: "varchar", length: 24, nullable: true })
  consequence: ConsequenceAction | null;

  @Field(() => [String], { description: "The listing policy's reasons, in words." })
  @Column({ type: "text", transformer: jsonText })
  reasons: string[];

  @Field(() => String, { description: "Version of the listing policy that decided." })
  @Column({ name: "policy_version", type: "varchar", length: 40 })
  policyVersion: string;

  @Field(() => TrustCause, { description: "What kind of evidence or act caused the change." })
  @Column({ type: "varchar", length: 24 })
  cause: TrustCause;

  @Field(() => ID, { description: "The run, report, dispute or arbiter act that caused it." })
  @Column({ name: "cause_id", type: "varchar", length: 128 })
  causeId: string;

  @Field(() => Date, { description: "When the policy decided." })
  @Column({ name: "decided_at", type: "datetime", precision: 3 })
  decidedAt: Date;
}

/** A consequence step taken or lifted, or the listing lost or regained, and who is to be told. */
@ObjectType({
  description:
    "A consequence step taken or lifted on an agent, or its listing lost or regained, and who is told: the escalation event the pact's owner must acknowledge.",
})
@Entity({ name: "trust_escalations" })
@Index("idx_escalations_agent", ["agentId", "createdAt", "id"])
export class Escalation {
  @Field(() => ID, { description: "Identifier of the escalation." })
  @PrimaryColumn({ type: "varchar", length: 36 })
  id: string;

  @Field(() => ID, { description: "The agent." })
  @Column({ name: "agent_id", type: "varchar", length: 36 })
  agentId: string;

  @Field(() => ID, { nullable: true, description: "The pact version whose ladder ran; null when an arbiter acted without one." })
  @Column({ name: "pact_id", type: "varchar", length: 36, nullable: true })
  pactId: string | null;

  @Field(() => ConsequenceAction, { nullable: true, description: "The consequence step; null when the listing changed without one." })
  @Column({ type: "varchar", length: 24, nullable: true })
  action: ConsequenceAction | null;

  @Field(() => EscalationDirection, { description: "Taken or lifted, unlisted or listed." })
  @Column({ type: "varchar", length: 8 })
  direction: EscalationDirection;

  @Field(() => [EscalationRecipient], {
    description: "Who is told, in order: the pact's escalation route for a step; the owner, the builder and buyers for a listing change.",
  })
  @Column({ type: "text", transformer: jsonText })
  notify: EscalationRecipient[];

  @Field(() => String, { description: "The pact's escalation owner team." })
  @Column({ name: "owner_team", type: "varchar", length: 120 })
  ownerTeam: string;

  @Field(() => String, { description: "How to reach the owner team." })
  @Column({ name: "owner_contact", type: "varchar", length: 200 })
  ownerContact: string;

  @Field(() => String, { description: "Why, in words: the trigger that held or the way back that opened." })
  @Column({ type: "varchar", length: 500 })
  reason: string;

  @Field(() => TrustCause, { description: "What kind of evidence or act caused it." })
  @Column({ type: "varchar", length: 24 })
  cause: TrustCause;

  @Field(() => ID, { description: "The run, report, dispute or arbiter act that caused it." })
  @Column({ name: "cause_id", type: "varchar", length: 128 })
  causeId: string;

  @Field(() => Date, { description: "When it happened." })
  @Column({ name: "created_at", type: "datetime", precision: 3 })
  createdAt: Date;

  @Field(() => Date, {
    nullable: true,
    description: "By when the owner must acknowledge a step taken or a listing lost (the pact's deadline); null otherwise.",
  })
  @Column({ name: "ack_due_at", type: "datetime", precision: 3, nullable: true })
  ackDueAt: Date | null;

  @Field(() => Date, { nullable: true, description: "When it was acknowledged; null until then." })
  @Column({ name: "acknowledged_at", type: "datetime", precision: 3, nullable: true })
  acknowledgedAt: Date | null;

  @Field(() => Date, {
    nullable: true,
    description: "When its deadline passed unacknowledged and it went on to the builder (`escalation.overdue` webhooks); null otherwise.",
  })
  @Column({ name: "overdue_at", type: "datetime", precision: 3, nullable: true })
  overdueAt: Date | null;
}
