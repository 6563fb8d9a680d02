import { Column, Entity, Index, PrimaryColumn } from "typeorm";
import { Field, ID, ObjectType } from "type-graphql";

/**
 * One suspension of a partner, kept after it is lifted: who suspended the partner, why, and who
 * reinstated it are the record an operator answers questions from. `activePartner` holds the
 * partner while the suspension stands and NULL once lifted; its unique index (NULLs never collide,
 * on either engine) allows one standing suspension per partner, and is what the gateway's lookup
 * joins on.
 */
@ObjectType({ description: "One suspension of a partner by an operator, and its lifting." })
@Entity({ name: "partner_suspensions" })
@Index("uq_partner_suspensions_active", ["activePartner"], { unique: true })
@Index("idx_partner_suspensions_partner", ["partner", "suspendedAt", "id"])
export class PartnerSuspension {
  @Field(() => ID, { description: "Stable identifier of the suspension." })
  @PrimaryColumn({ type: "varchar", length: 36 })
  id: string;

  @Field(() => String, { description: "Subject of the partner organisation suspended." })
  @Column({ type: "varchar", length: 128 })
  partner: string;

  /** The partner while the suspension stands, NULL once it is lifted. */
  @Column({ name: "active_partner", type: "varchar", length: 128, nullable: true })
  activePartner: string | null;

  @Field(() => String, { description: "Why, in the operator's words." })
  @Column({ type: "varchar", length: 2000 })
  reason: string;

  @Field(() => Date, { description: "When the partner was suspended." })
  @Column({ name: "suspended_at", type: "datetime", precision: 3 })
  suspendedAt: Date;

  @Field(() => String, { description: "Subject of the operator who suspended the partner." })
  @Column({ name: "suspended_by", type: "varchar", length: 128 })
  suspendedBy: string;

  @Field(() => Date, { nullable: true, description: "When the partner was reinstated; null while the suspension stands." })
  @Column({ name: "reinstated_at", type: "datetime", precision: 3, nullable: true })
  reinstatedAt: Date | null;

  @Field(() => String, {
    nullable: true,
    description: "Subject of the operator who reinstated the partner; null while the suspension stands.",
  })
  @Column({ name: "reinstated_by", type: "varchar", length: 128, nullable: true })
  reinstatedBy: string | null;
}
