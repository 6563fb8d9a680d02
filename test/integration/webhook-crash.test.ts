import { spawn } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import { createWebhookHandler } from "../../runtime/webhooks.js";
import { Agent } from "../../subgraphs/agents/agent.entity.js";
import { inTransaction } from "../../lib/platform/database.js";
import { WebhookAttempt, WebhookDelivery } from "../../subgraphs/webhooks/webhook-delivery.entity.js";
import { dispatchWebhooks } from "../../subgraphs/webhooks/webhook-event.dispatch.js";
import { WebhookEvent } from "../../subgraphs/webhooks/webhook-event.entity.js";
import { CLAIM_MARGIN_MS } from "../../subgraphs/webhooks/webhook.deliver.js";
import { WebhookDeliveryState } from "../../subgraphs/webhooks/webhook.enums.js";
import { DATABASE_KINDS } from "../support/databases.js";
import { useMigratedDatabase } from "../support/migrated-database.js";
import { agentFixture } from "../support/seed.js";
import { sqsEvent, sqsRecordFactory } from "../support/sqs-record.js";
import {
  type Receiver,
  deliverOutbox,
  raiseEvent,
  seedEndpoint,
  startReceiver,
  takeWebhookMessages,
  testWebhookSettings,
  verifyDelivery,
} from "../support/webhooks.js";

/** Runs the dying deliverer; resolves with its output and the signal that ended it. */
function deliverThenDie(url: string, bodies: string[]): Promise<{ output: string; signal: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "test/support/deliver-then-die.ts", url, ...bodies], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.on("error", reject);
    child.on("exit", (_code, signal) => resolve({ output, signal }));
  });
}

describe.each(DATABASE_KINDS)("a webhook deliverer killed mid-batch (%s)", (kind) => {
  const db = useMigratedDatabase(kind, { provide: true });
  let receiver: Receiver | undefined;
  afterEach(() => receiver?.stop());

  it("loses no event, and sends one twice only with the same webhook-id", async () => {
    const ds = db.dataSource;
    receiver = await startReceiver();
    const agent = agentFixture("quinn");
    await inTransaction(ds, (manager) => manager.insert(Agent, agent));
    const endpoint = await seedEndpoint(ds, { url: receiver.url });
    for (let i = 0; i < 3; i += 1) await raiseEvent(ds, { agentId: agent.id, data: { n: i } });
    await dispatchWebhooks(ds);
    const bodies = await takeWebhookMessages(ds);

    const died = await deliverThenDie(db.url, bodies);

    expect(died).toEqual({ output: "first delivery recorded\n", signal: "SIGKILL" });
    // The second event reached the receiver, but its attempt died with the transaction recording it.
    expect(receiver.received).toHaveLength(2);
    const states = async () =>
      (await ds.getRepository(WebhookDelivery).find({ where: { endpointId: endpoint.id }, order: { eventPosition: "ASC" } })).map(
        (delivery) => delivery.state,
      );
    expect(await states()).toEqual([WebhookDeliveryState.DELIVERED, WebhookDeliveryState.PENDING, WebhookDeliveryState.PENDING]);
    expect(await ds.getRepository(WebhookAttempt).countBy({ endpointId: endpoint.id })).toBe(1);

    // The Lambda never answered: SQS hands the whole batch to another deliverer.
    const settings = testWebhookSettings();
    const redelivered = await createWebhookHandler(() => settings)(
      sqsEvent(
        ...bodies.map((body) =>
          sqsRecordFactory(body, {
            attributes: { ApproximateReceiveCount: "2", SentTimestamp: "0", SenderId: "x", ApproximateFirstReceiveTimestamp: "0" },
          }),
        ),
      ),
    );
    // The one the dead deliverer had claimed is sent again once its claim lapses, by the retry sweep.
    const lapsed = new Date(Date.now() + settings.timeoutMs + CLAIM_MARGIN_MS + 1000);
    const swept = await dispatchWebhooks(ds, lapsed);
    await deliverOutbox(ds, settings, lapsed);

    expect(redelivered.batchItemFailures).toEqual([]);
    expect(swept.resent).toBe(1);
    expect(await states()).toEqual(Array(3).fill(WebhookDeliveryState.DELIVERED));
    const events = await ds.getRepository(WebhookEvent).find({ where: { agentId: agent.id }, order: { id: "ASC" } });
    const ids = receiver.received.map((delivery) => delivery.headers["webhook-id"]);
    // Every event arrived; the only duplicate is the one the crash left unrecorded, with its own id and body.
    expect(new Set(ids)).toEqual(new Set(events.map((event) => event.messageId)));
    expect(ids.filter((id) => id === events[1]!.messageId)).toHaveLength(2);
    expect(ids).toHaveLength(4);
    const twice = receiver.received.filter((delivery) => delivery.headers["webhook-id"] === events[1]!.messageId);
    expect(twice[0]!.body).toBe(twice[1]!.body);
    for (const delivery of receiver.received) expect(verifyDelivery(endpoint, delivery)).toMatchObject({ agentId: agent.id });
  });
});
