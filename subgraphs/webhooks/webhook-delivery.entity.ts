import { Column, Entity, Index, PrimaryColumn, PrimaryGeneratedColumn } from "typeorm";
import type { WebhookAttemptOutcome, WebhookDeliveryState } from "./webhook.enums.js";

/**
 * One event owed to one endpoint, created when the dispatcher fans the event out. Its state says
 * what happens next; `leaseUntil` is set while a message for it is on its way through the outbox
 * and the queue, so the retry sweep does not send a second one (a lease that lapses, because the
 * message was lost with a process, lets the sweep send it again: nothing is lost).
 */
@Entity({ name: "webhook_deliveries" })
@Index("uq_webhook_deliveries_event_endpoint", ["eventId", "endpointId"], { unique: true })
@Index("idx_webhook_deliveries_due", ["state", "nextAttemptAt"])
@Index("idx_webhook_deliveries_finished", ["state", "createdAt"])
@Index("idx_webhook_deliveries_endpoint", ["endpointId", "eventPosition"])
export class WebhookDelivery {
  @PrimaryColumn({ type: "varchar", length: 36 })
  id: string;

  @Column({ name: "event_id", type: "bigint" })
  eventId: number | string;

  /** The event's feed position, copied so an endpoint's events page in feed order from one index. */
  @Column({ name: "event_position", type: "bigint" })
  eventPosition: number | string;

  @Column({ name: "endpoint_id", type: "varchar", length: 36 })
  endpointId: string;

  @Column({ type: "varchar", length: 16 })
  state: WebhookDeliveryState;

  /** Attempts made under the retry schedule (a redelivery's attempt does not count). */
  @Column({ type: "int" })
  attempts: number;

  @Column({ name: "next_attempt_at", type: "datetime", precision: 3, nullable: true })
  nextAttemptAt: Date | null;

  @Column({ name: "lease_until", type: "datetime", precision: 3, nullable: true })
  leaseUntil: Date | null;

  @Column({ name: "last_status", type: "int", nullable: true })
  lastStatus: number | null;

  @Column({ name: "last_error", type: "varchar", length: 500, nullable: true })
  lastError: string | null;

  @Column({ name: "delivered_at", type: "datetime", precision: 3, nullable: true })
  deliveredAt: Date | null;

  @Column({ name: "created_at", type: "datetime", precision: 3 })
  createdAt: Date;
}

/** One POST (or one refusal before it) of one delivery: the delivery log `webhookDeliveries` pages. */
@Entity({ name: "webhook_attempts" })
@Index("idx_webhook_attempts_endpoint", ["endpointId", "id"])
@Index("idx_webhook_attempts_attempted", ["attemptedAt"])
@Index("idx_webhook_attempts_delivery", ["deliveryId"])
export class WebhookAttempt {
  @PrimaryGeneratedColumn("increment", { type: "bigint" })
  id: number | string;

  @Column({ name: "delivery_id", type: "varchar", length: 36 })
  deliveryId: string;

  @Column({ name: "endpoint_id", type: "varchar", length: 36 })
  endpointId: string;

  @Column({ name: "event_id", type: "bigint" })
  eventId: number | string;

  @Column({ type: "varchar", length: 16 })
  outcome: WebhookAttemptOutcome;

  /** The HTTP status answered; null when none was (timeout, connection error, refusal). */
  @Column({ name: "status_code", type: "int", nullable: true })
  statusCode: number | null;

  @Column({ name: "latency_ms", type: "int" })
  latencyMs: number;

  @Column({ type: "varchar", length: 500, nullable: true })
  error: string | null;

  /** Sent by `redeliverWebhook` rather than by the schedule. */
  @Column({ type: "boolean" })
  redelivery: boolean;

  @Column({ name: "attempted_at", type: "datetime", precision: 3 })
  attemptedAt: Date;
}
