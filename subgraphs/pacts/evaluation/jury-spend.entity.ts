import { Column, Entity, PrimaryColumn } from "typeorm";

/**
 * What a builder's jury has committed to spend on model calls in one period (a calendar month,
 * UTC, e.g. `2026-11`), in micro-dollars: integers, so that concurrent reservations add up exactly
 * on both engines. `reserved` is settled spend plus the maximum cost of calls still in flight; a
 * call is made only after its maximum fits under the cap (see jury-spend.reserve.ts).
 */
@Entity({ name: "jury_spend" })
export class JurySpend {
  /** Subject of the builder who submitted the runs. */
  @PrimaryColumn({ type: "varchar", length: 128 })
  builder: string;

  @PrimaryColumn({ type: "varchar", length: 7 })
  period: string;

  /** Settled spend plus reservations of calls in flight. */
  @Column({ name: "reserved_micros", type: "bigint", default: 0 })
  reservedMicros: string;

  /** Spend of calls that completed (answered, failed or unusable), as billed or, unknown, at their maximum. */
  @Column({ name: "spent_micros", type: "bigint", default: 0 })
  spentMicros: string;

  /** Paid calls made. */
  @Column({ type: "int", default: 0 })
  calls: number;

  /** Calls refused because the cap was reached. */
  @Column({ type: "int", default: 0 })
  refused: number;
}
