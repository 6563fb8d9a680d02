import { Table, TableIndex, type MigrationInterface, type QueryRunner } from "typeorm";
import { compareTextExactly } from "../../../lib/platform/migration-helpers.js";

/**
 * The webhooks context's tables: endpoints (no secrets: webhook-secret.ts), the events raised in
 * the acts' transactions with the dispatcher's one row, the deliveries owed to endpoints and the
 * log of their attempts.
 */
export class CreateWebhooks1764700000100 implements MigrationInterface {
  name = "CreateWebhooks1764700000100";

  async up(runner: QueryRunner): Promise<void> {
    // SQLite allows AUTOINCREMENT only on an INTEGER primary key (64-bit there anyway).
    const idType = runner.connection.driver.options.type === "mysql" ? "bigint" : "integer";
    await runner.createTable(
      new Table({
        name: "webhook_endpoints",
        columns: [
          { name: "id", type: "varchar", length: "36", isPrimary: true },
          { name: "owner_role", type: "varchar", length: "16" },
          { name: "owner_id", type: "varchar", length: "128" },
          { name: "url", type: "varchar", length: "2048" },
          { name: "description", type: "varchar", length: "200" },
          { name: "event_types", type: "text" },
          { name: "agent_ids", type: "text", isNullable: true },
          { name: "state", type: "varchar", length: "16" },
          { name: "disabled_reason", type: "varchar", length: "500", isNullable: true },
          { name: "disabled_at", type: "datetime", precision: 3, isNullable: true },
          { name: "failing_since", type: "datetime", precision: 3, isNullable: true },
          { name: "secret_generation", type: "int" },
          { name: "previous_secret_generation", type: "int", isNullable: true },
          { name: "previous_secret_until", type: "datetime", precision: 3, isNullable: true },
          { name: "created_at", type: "datetime", precision: 3 },
          { name: "updated_at", type: "datetime", precision: 3 },
        ],
      }),
    );
    // An owner's endpoints, oldest first (webhookEndpoints).
    await runner.createIndex(
      "webhook_endpoints",
      new TableIndex({ name: "idx_webhook_endpoints_owner", columnNames: ["owner_role", "owner_id", "created_at", "id"] }),
    );

    await runner.createTable(
      new Table({
        name: "webhook_events",
        columns: [
          { name: "id", type: idType, isPrimary: true, isGenerated: true, generationStrategy: "increment" },
          { name: "message_id", type: "varchar", length: "40" },
          { name: "position", type: "bigint", isNullable: true },
          { name: "type", type: "varchar", length: "32" },
          { name: "agent_id", type: "varchar", length: "36", isNullable: true },
          { name: "audience", type: "varchar", length: "8" },
          { name: "owner_role", type: "varchar", length: "16", isNullable: true },
          { name: "owner_id", type: "varchar", length: "128", isNullable: true },
          { name: "data", type: "text" },
          { name: "occurred_at", type: "datetime", precision: 3 },
        ],
      }),
    );
    // Not unique, for the reason trust_events' is not (its migration): the dispatcher makes
    // positions unique, and the index also walks unpositioned rows (NULL) in id order.
    await runner.createIndex("webhook_events", new TableIndex({ name: "idx_webhook_events_position", columnNames: ["position"] }));
    // The history sweep's seek (webhook-history.sweep.ts), as for the two below.
    await runner.createIndex("webhook_events", new TableIndex({ name: "idx_webhook_events_occurred", columnNames: ["occurred_at"] }));
    await runner.createTable(
      new Table({
        name: "webhook_dispatcher",
        columns: [
          { name: "id", type: "int", isPrimary: true },
          { name: "last_position", type: "bigint" },
        ],
      }),
    );
    await runner.query("INSERT INTO webhook_dispatcher (id, last_position) VALUES (1, 0)");

    await runner.createTable(
      new Table({
        name: "webhook_deliveries",
        columns: [
          { name: "id", type: "varchar", length: "36", isPrimary: true },
          { name: "event_id", type: "bigint" },
          { name: "event_position", type: "bigint" },
          { name: "endpoint_id", type: "varchar", length: "36" },
          { name: "state", type: "varchar", length: "16" },
          { name: "attempts", type: "int" },
          { name: "next_attempt_at", type: "datetime", precision: 3, isNullable: true },
          { name: "lease_until", type: "datetime", precision: 3, isNullable: true },
          { name: "last_status", type: "int", isNullable: true },
          { name: "last_error", type: "varchar", length: "500", isNullable: true },
          { name: "delivered_at", type: "datetime", precision: 3, isNullable: true },
          { name: "created_at", type: "datetime", precision: 3 },
        ],
      }),
    );
    // One delivery per event and endpoint. The dispatcher fans each event out once (it positions
    // events under its row's lock, and only unpositioned ones are fanned out); should a second
    // fan-out of an event ever happen, this key refuses it, failing its transaction.
    await runner.createIndex(
      "webhook_deliveries",
      new TableIndex({ name: "uq_webhook_deliveries_event_endpoint", columnNames: ["event_id", "endpoint_id"], isUnique: true }),
    );
    // The retry sweep's seek: pending deliveries by when they are due.
    await runner.createIndex(
      "webhook_deliveries",
      new TableIndex({ name: "idx_webhook_deliveries_due", columnNames: ["state", "next_attempt_at"] }),
    );
    await runner.createIndex(
      "webhook_deliveries",
      new TableIndex({ name: "idx_webhook_deliveries_finished", columnNames: ["state", "created_at"] }),
    );
    // An endpoint's events in feed order (webhookEvents).
    await runner.createIndex(
      "webhook_deliveries",
      new TableIndex({ name: "idx_webhook_deliveries_endpoint", columnNames: ["endpoint_id", "event_position"] }),
    );

    await runner.createTable(
      new Table({
        name: "webhook_attempts",
        columns: [
          { name: "id", type: idType, isPrimary: true, isGenerated: true, generationStrategy: "increment" },
          { name: "delivery_id", type: "varchar", length: "36" },
          { name: "endpoint_id", type: "varchar", length: "36" },
          { name: "event_id", type: "bigint" },
          { name: "outcome", type: "varchar", length: "16" },
          { name: "status_code", type: "int", isNullable: true },
          { name: "latency_ms", type: "int" },
          { name: "error", type: "varchar", length: "500", isNullable: true },
          { name: "redelivery", type: "boolean" },
          { name: "attempted_at", type: "datetime", precision: 3 },
        ],
      }),
    );
    // An endpoint's delivery log, newest first (webhookDeliveries).
    await runner.createIndex(
      "webhook_attempts",
      new TableIndex({ name: "idx_webhook_attempts_endpoint", columnNames: ["endpoint_id", "id"] }),
    );
    await runner.createIndex("webhook_attempts", new TableIndex({ name: "idx_webhook_attempts_attempted", columnNames: ["attempted_at"] }));
    await runner.createIndex("webhook_attempts", new TableIndex({ name: "idx_webhook_attempts_delivery", columnNames: ["delivery_id"] }));
    await compareTextExactly(runner, "webhook_endpoints", "webhook_events", "webhook_deliveries", "webhook_attempts");
  }

  async down(runner: QueryRunner): Promise<void> {
    for (const table of ["webhook_attempts", "webhook_deliveries", "webhook_dispatcher", "webhook_events", "webhook_endpoints"])
      await runner.dropTable(table);
  }
}
