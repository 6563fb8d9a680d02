import { Column, Entity, Index, PrimaryColumn } from "typeorm";

/**
 * Who must decide an uncertain case, and by when. Kept beside the jury verdict rather than on it:
 * the verdict is the jury's record, the assignment is the review queue's bookkeeping, rewritten
 * at each reassignment. Written by the review deadline sweep (review-deadline.sweep.ts).
 */
@Entity({ name: "review_assignments" })
@Index("idx_review_assignments_deadline", ["deadlineAt"])
@Index("idx_review_assignments_assigned", ["assignedAt"])
export class ReviewAssignment {
  /** The uncertain jury verdict (the review item's id). */
  @PrimaryColumn({ name: "verdict_id", type: "varchar", length: 36 })
  verdictId: string;

  @Column({ type: "varchar", length: 128 })
  assignee: string;

  @Column({ name: "assigned_at", type: "datetime", precision: 3 })
  assignedAt: Date;

  @Column({ name: "deadline_at", type: "datetime", precision: 3 })
  deadlineAt: Date;

  /** How many times the case passed to another arbiter because a deadline went by. */
  @Column({ type: "int", default: 0 })
  reassignments: number;

  /** When a deadline first went by: from then on the case is overdue, logged at warn for the operators. */
  @Column({ name: "escalated_at", type: "datetime", precision: 3, nullable: true })
  escalatedAt: Date | null;
}
