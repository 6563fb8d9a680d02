import { Column, Entity, Index, PrimaryColumn, PrimaryGeneratedColumn } from "typeorm";
import { jsonText } from "../../lib/platform/database.js";
import type { WebhookAudience, WebhookEventType } from "../../lib/contracts/webhook-event.js";

/**
 * One event, written in the transaction of the act it announces (lib/contracts/webhook-event.ts):
 * the webhooks context's outbox. Like the trust feed's events it gets its `position` only once
 * committed, from the dispatcher, which fans it out in the same transaction
 * (webhook-event.dispatch.ts): positions only grow, so a receiver can order by them and re-read
 * from one (`webhookEvents`).
 */
@Entity({ name: "webhook_events" })
@Index("idx_webhook_events_position", ["position"])
@Index("idx_webhook_events_occurred", ["occurredAt"])
export class WebhookEvent {
  /** MySQL hands BIGINTs back as strings, SQLite as numbers: read it through Number(). */
  @PrimaryGeneratedColumn("increment", { type: "bigint" })
  id: number | string;

  /** The `webhook-id` header: the same on every attempt and every endpoint, for de-duplication. */
  @Column({ name: "message_id", type: "varchar", length: 40 })
  messageId: string;

  @Column({ type: "bigint", nullable: true })
  position: number | string | null;

  @Column({ type: "varchar", length: 32 })
  type: WebhookEventType;

  @Column({ name: "agent_id", type: "varchar", length: 36, nullable: true })
  agentId: string | null;

  @Column({ type: "varchar", length: 8 })
  audience: WebhookAudience;

  @Column({ name: "owner_role", type: "varchar", length: 16, nullable: true })
  ownerRole: "partner" | "builder" | null;

  @Column({ name: "owner_id", type: "varchar", length: 128, nullable: true })
  ownerId: string | null;

  @Column({ type: "text", transformer: jsonText })
  data: Record<string, unknown>;

  @Column({ name: "occurred_at", type: "datetime", precision: 3 })
  occurredAt: Date;
}

/** The dispatcher's one row: the last position handed out (see trust-event.sequence.ts for why a row lock orders a feed). */
@Entity({ name: "webhook_dispatcher" })
export class WebhookDispatcher {
  @PrimaryColumn({ type: "int" })
  id: number;

  @Column({ name: "last_position", type: "bigint" })
  lastPosition: number | string;
}

/** The id of the dispatcher's row, written by the migration. */
export const DISPATCHER_ROW = 1;
