import { Column, Entity, Index, PrimaryColumn } from "typeorm";
import { Field, ID, ObjectType, registerEnumType } from "type-graphql";

export enum DisputeStatus {
  OPEN = "OPEN",
  RESOLVED = "RESOLVED",
}

export enum DisputeSeverity {
  CRITICAL = "CRITICAL",
  MAJOR = "MAJOR",
  MINOR = "MINOR",
}

registerEnumType(DisputeStatus, { name: "DisputeStatus", description: "Where a dispute is in arbitration.", valuesConfig: {
  OPEN: { description: "Filed and not yet resolved." },
  RESOLVED: { description: "Decided by an arbiter." },
} });
registerEnumType(DisputeSeverity, { name: "DisputeSeverity", description: "How serious the reported misbehaviour is.", valuesConfig: {
  CRITICAL: { description: "A missed incident or harmful action." },
  MAJOR: { description: "Wrong results that cost analysts real time." },
  MINOR: { description: "An annoyance without security impact." },
} });

/** A buyer's complaint about an agent's behaviour. */
@ObjectType({ description: "A buyer's complaint that an agent misbehaved, for arbitration." })
@Entity({ name: "disputes" })
@Index("idx_disputes_agent_status", ["agentId", "status"])
export class Dispute {
  @Field(() => ID, { description: "Stable identifier of the dispute." })
  @PrimaryColumn({ type: "varchar", length: 36 })
  id: string;

  @Field(() => ID, { description: "The agent disputed." })
  @Column({ name: "agent_id", type: "varchar", length: 36 })
  agentId: string;

  @Field(() => String, { description: "What went wrong, in the buyer's words." })
  @Column({ type: "text" })
  reason: string;

  @Field(() => DisputeSeverity, { description: "How serious the buyer judges it." })
  @Column({ type: "varchar", length: 16 })
  severity: DisputeSeverity;

  @Field(() => DisputeStatus, { description: "Where the dispute is in arbitration." })
  @Column({ type: "varchar", length: 16 })
  status: DisputeStatus;

  @Field(() => ID, { description: "Subject of the buyer who filed it." })
  @Column({ name: "filed_by", type: "varchar", length: 128 })
  filedBy: string;

  @Field(() => Date, { description: "When it was filed." })
  @Column({ name: "filed_at", type: "datetime", precision: 3 })
  filedAt: Date;
}
