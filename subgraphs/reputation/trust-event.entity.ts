import { Column, Entity, Index, PrimaryColumn, PrimaryGeneratedColumn } from "typeorm";
import { registerEnumType } from "type-graphql";
import type { TrustCause } from "./trust-history.entity.js";

/** Which of an agent's trust values one event of the change feed is about. */
export enum TrustEventType {
  COMPOSITE_SCORE = "COMPOSITE_SCORE",
  REPUTATION_SCORE = "REPUTATION_SCORE",
  TIER = "TIER",
  ELIGIBILITY = "ELIGIBILITY",
  CONSEQUENCE = "CONSEQUENCE",
}

registerEnumType(TrustEventType, {
  name: "TrustEventType",
  description: "Which of an agent's trust values changed.",
  valuesConfig: {
    COMPOSITE_SCORE: { description: "The composite score (0–1000): `scoreBefore` and `scoreAfter`." },
    REPUTATION_SCORE: { description: "The reputation score (0–1000): `scoreBefore` and `scoreAfter`." },
    TIER: { description: "The tier: `tierBefore` and `tierAfter`." },
    ELIGIBILITY: { description: "Listing eligibility: `eligibleBefore` and `eligibleAfter`." },
    CONSEQUENCE: { description: "The consequence step standing on the agent: `consequenceBefore` and `consequenceAfter` (null: none)." },
  },
});

/**
 * One change of one trust value, written in the transaction that changed it (trust.settle.ts). It
 * gets an auto-increment `id` at insert but no `position`: ids are handed out at insert time, so
 * transactions can commit them out of order, and a reader paging by id could step past one still
 * to commit. The sequencer (trust-event.sequence.ts) gives committed rows their `position`, which
 * only grows, and the feed is read in position order.
 */
@Entity({ name: "trust_events" })
@Index("idx_trust_events_position", ["position"])
@Index("idx_trust_events_agent", ["agentId", "position"])
export class TrustEvent {
  /** MySQL hands BIGINTs back as strings, SQLite as numbers: read it through Number(). */
  @PrimaryGeneratedColumn("increment", { type: "bigint" })
  id: number | string;

  /** Where the event sits in the feed; null until the sequencer has seen it committed. */
  @Column({ type: "bigint", nullable: true })
  position: number | string | null;

  @Column({ name: "agent_id", type: "varchar", length: 36 })
  agentId: string;

  @Column({ type: "varchar", length: 24 })
  type: TrustEventType;

  /** The value before and after, as text (see trust-event.append.ts); null for "no consequence". */
  @Column({ name: "before_value", type: "varchar", length: 24, nullable: true })
  beforeValue: string | null;

  @Column({ name: "after_value", type: "varchar", length: 24, nullable: true })
  afterValue: string | null;

  @Column({ type: "varchar", length: 24 })
  cause: TrustCause;

  @Column({ name: "cause_id", type: "varchar", length: 128 })
  causeId: string;

  @Column({ name: "occurred_at", type: "datetime", precision: 3 })
  occurredAt: Date;
}

/**
 * The sequencer's one row: the last position handed out. Locking it serialises sequencers (never
 * trust writers, which do not touch it), and a sequencer commits before the next one can read it.
 */
@Entity({ name: "trust_event_sequencer" })
export class TrustEventSequencer {
  @PrimaryColumn({ type: "int" })
  id: number;

  @Column({ name: "last_position", type: "bigint" })
  lastPosition: number | string;
}

/** The id of the sequencer's row, written by the migration. */
export const SEQUENCER_ROW = 1;
