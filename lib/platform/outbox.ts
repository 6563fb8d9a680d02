import { randomUUID } from "node:crypto";
import {
  Column,
  Entity,
  In,
  IsNull,
  LessThan,
  LessThanOrEqual,
  PrimaryGeneratedColumn,
  type DataSource,
  type EntityManager,
} from "typeorm";
import { Table, TableIndex, type MigrationInterface, type QueryRunner } from "typeorm";
import type { SQSClient } from "@aws-sdk/client-sqs";
import { inTransaction, insertInChunks } from "./database.js";
import { log } from "./logger.js";
import { sendBatch } from "./queue.js";

/** Logical destinations; the relay maps each to a queue URL: judge jobs, and webhook deliveries (docs/webhooks.md). */
export type OutboxTopic = "judge" | "webhook";

/**
 * A message that must reach a queue. Written in the same transaction as the state change it
 * announces, so a commit and its message cannot be separated by a crash or a queue outage.
 */
@Entity({ name: "outbox_messages" })
export class OutboxMessage {
  @PrimaryGeneratedColumn("increment", { type: "integer" })
  id: number;

  @Column({ type: "varchar", length: 32 })
  topic: OutboxTopic;

  @Column({ type: "text" })
  body: string;

  @Column({ type: "int", default: 0 })
  attempts: number;

  @Column({ name: "available_at", type: "datetime", precision: 3 })
  availableAt: Date;

  @Column({ name: "claim_token", type: "varchar", length: 36, nullable: true })
  claimToken: string | null;

  @Column({ name: "claimed_until", type: "datetime", precision: 3, nullable: true })
  claimedUntil: Date | null;

  @Column({ name: "last_error", type: "varchar", length: 500, nullable: true })
  lastError: string | null;

  @Column({ name: "created_at", type: "datetime", precision: 3 })
  createdAt: Date;
}

export class CreateOutbox1764100000000 implements MigrationInterface {
  name = "CreateOutbox1764100000000";
  async up(runner: QueryRunner): Promise<void> {
    await runner.createTable(
      new Table({
        name: "outbox_messages",
        columns: [
          { name: "id", type: "integer", isPrimary: true, isGenerated: true, generationStrategy: "increment" },
          { name: "topic", type: "varchar", length: "32" },
          { name: "body", type: "text" },
          { name: "attempts", type: "int", default: 0 },
          { name: "available_at", type: "datetime", precision: 3 },
          { name: "claim_token", type: "varchar", length: "36", isNullable: true },
          { name: "claimed_until", type: "datetime", precision: 3, isNullable: true },
          { name: "last_error", type: "varchar", length: "500", isNullable: true },
          { name: "created_at", type: "datetime", precision: 3 },
        ],
      }),
    );
    await runner.createIndex("outbox_messages", new TableIndex({ name: "idx_outbox_available", columnNames: ["available_at"] }));
  }
  async down(runner: QueryRunner): Promise<void> {
    await runner.dropTable("outbox_messages");
  }
}

/** Records a message in the caller's transaction. */
export function enqueue(manager: EntityManager, topic: OutboxTopic, payload: unknown, now = new Date()): Promise<void> {
  return enqueueMany(manager, topic, [payload], now);
}

/** Records one message per payload in the caller's transaction, in multi-row inserts. */
export async function enqueueMany(
  manager: EntityManager,
  topic: OutboxTopic,
  payloads: readonly unknown[],
  now = new Date(),
): Promise<void> {
  const rows = payloads.map((payload) =>
    Object.assign(new OutboxMessage(), {
      topic,
      body: JSON.stringify(payload),
      attempts: 0,
      availableAt: now,
      claimToken: null,
      claimedUntil: null,
      lastError: null,
      createdAt: now,
    }),
  );
  await insertInChunks(manager, OutboxMessage, rows);
}

/** Sends bodies to a topic's queue; returns the indexes accepted. Throws when the queue is unreachable. */
export type Publisher = (topic: OutboxTopic, bodies: string[]) => Promise<Set<number>>;

/**
 * Publishes each topic to its SQS queue. A topic without a queue fails its publish, so its
 * messages stay in the outbox, retried with backoff, with the reason in `last_error`.
 */
export function sqsPublisher(client: SQSClient, queueUrls: Partial<Record<OutboxTopic, string>>): Publisher {
  return async (topic, bodies) => {
    const queueUrl = queueUrls[topic];
    if (!queueUrl) throw new Error(`no queue is configured for the outbox topic "${topic}"`);
    return sendBatch(client, queueUrl, bodies);
  };
}

const CLAIM_MS = 30_000;
const MAX_BACKOFF_MS = 60_000;

/**
 * Publishes one batch of due messages; returns how many were published. Rows are claimed first so
 * several relays can run at once without sending a message twice in the normal case; at-least-once
 * delivery remains, and consumers are idempotent.
 */
export async function relayOnce(dataSource: DataSource, publish: Publisher, batchSize = 10, now = new Date()): Promise<number> {
  const repository = dataSource.getRepository(OutboxMessage);
  const due = await repository.find({
    select: { id: true },
    where: [
      { availableAt: LessThanOrEqual(now), claimedUntil: IsNull() },
      { availableAt: LessThanOrEqual(now), claimedUntil: LessThan(now) },
    ],
    order: { id: "ASC" },
    take: batchSize,
  });
  if (due.length === 0) return 0;

  const token = randomUUID();
  const ids = due.map((row) => row.id);
  await inTransaction(dataSource, (manager) =>
    manager
      .createQueryBuilder()
      .update(OutboxMessage)
      .set({ claimToken: token, claimedUntil: new Date(now.getTime() + CLAIM_MS) })
      .where({ id: In(ids) })
      .andWhere("(claimed_until IS NULL OR claimed_until < :now)", { now })
      .execute(),
  );
  const claimed = await repository.find({ where: { claimToken: token }, order: { id: "ASC" } });

  let published = 0;
  const byTopic = new Map<OutboxTopic, OutboxMessage[]>();
  for (const row of claimed) byTopic.set(row.topic, [...(byTopic.get(row.topic) ?? []), row]);
  for (const [topic, rows] of byTopic) {
    let accepted = new Set<number>();
    let failure = "rejected by the queue";
    try {
      accepted = await publish(
        topic,
        rows.map((row) => row.body),
      );
    } catch (error) {
      failure = error instanceof Error ? error.message : String(error);
    }
    const sent = rows.filter((_, index) => accepted.has(index));
    const unsent = rows.filter((_, index) => !accepted.has(index));
    published += sent.length;
    await inTransaction(dataSource, async (manager) => {
      if (sent.length) await manager.delete(OutboxMessage, { id: In(sent.map((row) => row.id)) });
      for (const row of unsent) {
        const backoff = Math.min(MAX_BACKOFF_MS, 500 * 2 ** row.attempts);
        await manager.update(
          OutboxMessage,
          { id: row.id },
          {
            attempts: row.attempts + 1,
            availableAt: new Date(now.getTime() + backoff),
            claimToken: null,
            claimedUntil: null,
            lastError: failure.slice(0, 500),
          },
        );
      }
    });
  }
  return published;
}

export interface Relay {
  /** Publish soon, without waiting for the next tick (called after a commit that enqueued). */
  nudge(): void;
  stop(): Promise<void>;
}

/** Runs `relayOnce` every `intervalMs`, and at once when nudged, until stopped. */
export function startRelay(
  dataSource: DataSource,
  publish: Publisher,
  intervalMs: number,
  onError = (error: unknown) => log.error({ err: error }, "outbox relay failed; retrying on the next tick"),
): Relay {
  let stopped = false;
  // Set by a nudge that arrives while the relay is busy, so it is not lost: the relay goes round
  // again instead of sleeping.
  let nudged = false;
  let wake: (() => void) | undefined;
  let timer: NodeJS.Timeout | undefined;
  const loop = (async () => {
    while (!stopped) {
      nudged = false;
      try {
        // Drain while there is work, then sleep.
        while (!stopped && (await relayOnce(dataSource, publish)) > 0);
      } catch (error) {
        if (!stopped) onError(error);
      }
      if (stopped) break;
      if (nudged) continue;
      await new Promise<void>((resolve) => {
        wake = resolve;
        timer = setTimeout(resolve, intervalMs);
      });
      wake = undefined;
      clearTimeout(timer);
    }
  })();
  return {
    nudge: () => {
      nudged = true;
      wake?.();
    },
    async stop() {
      stopped = true;
      wake?.();
      await loop;
    },
  };
}
