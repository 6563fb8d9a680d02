import { Column, Entity, Index, PrimaryColumn } from "typeorm";
import { Field, ID, ObjectType } from "type-graphql";
import { DisputeOutcome, DisputeStatus } from "./dispute.entity.js";

/** One step of a dispute's life: who moved it, when and why. Never changed once written. */
@ObjectType({ description: "One step of a dispute's life: who, when and why." })
@Entity({ name: "dispute_transitions" })
@Index("uq_dispute_transitions_version", ["disputeId", "version"], { unique: true })
export class DisputeTransition {
  @Field(() => ID, { description: "Identifier of the step." })
  @PrimaryColumn({ type: "varchar", length: 36 })
  id: string;

  @Column({ name: "dispute_id", type: "varchar", length: 36 })
  disputeId: string;

  /** The dispute's version after this step: orders the steps even within one millisecond. */
  @Column({ type: "int" })
  version: number;

  @Field(() => DisputeStatus, { nullable: true, description: "The status before; null for the filing." })
  @Column({ name: "from_status", type: "varchar", length: 16, nullable: true })
  from: DisputeStatus | null;

  @Field(() => DisputeStatus, { description: "The status after." })
  @Column({ name: "to_status", type: "varchar", length: 16 })
  to: DisputeStatus;

  @Field(() => DisputeOutcome, { nullable: true, description: "The outcome, for a resolution." })
  @Column({ type: "varchar", length: 16, nullable: true })
  outcome: DisputeOutcome | null;

  @Field(() => String, { description: "Who: `buyer:<subject>`, `arbiter:<subject>`, or `system` for a missed deadline." })
  @Column({ type: "varchar", length: 150 })
  actor: string;

  @Field(() => String, { description: "Why, in the actor's words or the system's." })
  @Column({ type: "varchar", length: 2000 })
  note: string;

  @Field(() => Date, { description: "When." })
  @Column({ type: "datetime", precision: 3 })
  at: Date;
}
