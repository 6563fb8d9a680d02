import { randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";
import type { SQSRecord } from "aws-lambda";
import { In, type DataSource } from "typeorm";
import { WebhookEventType, type WebhookEventInput } from "../../lib/contracts/webhook-event.js";
import { inTransaction } from "../../lib/platform/database.js";
import type { HostResolver } from "../../lib/platform/outbound-address.js";
import { OutboxMessage } from "../../lib/platform/outbox.js";
import { parseDeliveryMessage } from "../../subgraphs/webhooks/webhook-delivery.message.js";
import { deliverWebhook, type DeliveryResult } from "../../subgraphs/webhooks/webhook.deliver.js";
import { WebhookDelivery } from "../../subgraphs/webhooks/webhook-delivery.entity.js";
import { WebhookEndpoint } from "../../subgraphs/webhooks/webhook-endpoint.entity.js";
import { newEndpoint } from "../../subgraphs/webhooks/webhook-endpoint.create.js";
import { DEFAULT_LEASE_MS } from "../../subgraphs/webhooks/webhook-event.dispatch.js";
import { WebhookEvent } from "../../subgraphs/webhooks/webhook-event.entity.js";
import { newMessageId, raiseWebhookEvent } from "../../subgraphs/webhooks/webhook-event.raise.js";
import { signingSecrets } from "../../subgraphs/webhooks/webhook-secret.js";
import type { WebhookSettings } from "../../subgraphs/webhooks/webhook.settings.js";
import { WebhookDeliveryState } from "../../subgraphs/webhooks/webhook.enums.js";
import { TEST_SECRETS } from "./graphql-client.js";
import { sqsRecordFactory } from "./sqs-record.js";

/*
 * Webhooks as tests arrange them: endpoints written straight to their table, events raised as an
 * act raises them, and receivers on 127.0.0.1 that answer as told and keep what they got. Receivers
 * verify nothing themselves: tests check each delivery with the `standardwebhooks` package.
 */

/** The webhook key of the deliverer under test (what endpoints' secrets derive from), as test systems are given it. */
export const TEST_WEBHOOK_KEY = TEST_SECRETS.webhookSecretKey;

/** Resolves every name to 127.0.0.1: tests never reach any other address. */
const loopbackResolver: HostResolver = async () => [{ address: "127.0.0.1", family: 4 }];

/** Development settings (loopback allowed), with a short timeout so that a silent receiver costs little. */
export function testWebhookSettings(overrides: Partial<WebhookSettings> = {}): WebhookSettings {
  return {
    secretKey: TEST_WEBHOOK_KEY,
    allowLoopback: true,
    timeoutMs: 1_000,
    maxResponseBytes: 65_536,
    secretGraceHours: 24,
    leaseMs: DEFAULT_LEASE_MS,
    resolveHost: loopbackResolver,
    ...overrides,
  };
}

/** An endpoint as registration would store it, subscribed to every type unless told otherwise. */
export async function seedEndpoint(
  dataSource: DataSource,
  fields: Partial<WebhookEndpoint> & Pick<WebhookEndpoint, "url">,
): Promise<WebhookEndpoint> {
  const endpoint = Object.assign(
    newEndpoint({
      ownerRole: "partner",
      ownerId: "acme",
      url: fields.url,
      description: "test endpoint",
      eventTypes: Object.values(WebhookEventType),
      agentIds: null,
    }),
    fields,
  );
  await inTransaction(dataSource, (manager) => manager.insert(WebhookEndpoint, endpoint as never));
  return endpoint;
}

/** Raises one event in a transaction of its own, as an act would in its own. */
export async function raiseEvent(
  dataSource: DataSource,
  event: Partial<WebhookEventInput> & Pick<WebhookEventInput, "agentId">,
): Promise<void> {
  await inTransaction(dataSource, (manager) =>
    raiseWebhookEvent(manager, {
      type: WebhookEventType.TRUST_CHANGED,
      audience: "PUBLIC",
      data: { cause: "EVALUATION", note: "raised by a test" },
      at: new Date(),
      ...event,
    }),
  );
}

/**
 * A delivery of a new event to an endpoint, DELIVERED, written straight to the tables as the
 * dispatcher and the deliverer would leave it; returns its id.
 */
export async function seedDelivery(dataSource: DataSource, endpointId: string, agentId: string | null = null): Promise<string> {
  const id = randomUUID();
  await inTransaction(dataSource, async (manager) => {
    const now = new Date();
    const inserted = await manager.insert(WebhookEvent, {
      messageId: newMessageId(),
      position: null,
      type: WebhookEventType.TRUST_CHANGED,
      agentId,
      audience: "PUBLIC",
      ownerRole: null,
      ownerId: null,
      data: { cause: "EVALUATION" },
      occurredAt: now,
    } as never);
    const eventId = Number(inserted.identifiers[0]!.id);
    // A position of its own, far above any the dispatcher hands out in a test.
    const position = 1_000_000_000 + eventId;
    await manager.update(WebhookEvent, { id: eventId }, { position });
    await manager.insert(WebhookDelivery, {
      id,
      eventId,
      eventPosition: position,
      endpointId,
      state: WebhookDeliveryState.DELIVERED,
      attempts: 1,
      nextAttemptAt: null,
      leaseUntil: null,
      lastStatus: 200,
      lastError: null,
      deliveredAt: now,
      createdAt: now,
    });
  });
  return id;
}

/** What a receiver answers: a status (with an optional body, or that many bytes of one), or nothing ever. */
export type Answer = { status: number; headers?: Record<string, string>; body?: string; bodyBytes?: number } | "hang";

/** One request a receiver got. */
export interface Received {
  headers: Record<string, string>;
  body: string;
}

export interface Receiver {
  url: string;
  port: number;
  received: Received[];
  /** TCP connections accepted, answered or not. */
  connections(): number;
  /** Bytes of answers' bodies written: a long one stops where its reader stopped reading. */
  bytesWritten(): number;
  /** How the receiver answers from now on. */
  answer: (request: Received) => Answer;
  stop(): Promise<void>;
}

/** A receiver on 127.0.0.1 (on `port` when given, to come back on the same one). Answers 200 until told otherwise. */
export async function startReceiver(options: { port?: number; answer?: (request: Received) => Answer } = {}): Promise<Receiver> {
  let connections = 0;
  let bytesWritten = 0;
  const server = http.createServer();
  const receiver: Receiver = {
    url: "",
    port: 0,
    received: [],
    connections: () => connections,
    bytesWritten: () => bytesWritten,
    answer: options.answer ?? (() => ({ status: 200, body: "ok" })),
    async stop() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  server.on("connection", () => (connections += 1));
  server.on("request", (request: http.IncomingMessage, response: http.ServerResponse) => {
    let body = "";
    request.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
    request.on("end", () => {
      const got: Received = { headers: request.headers as Record<string, string>, body };
      receiver.received.push(got);
      const answer = receiver.answer(got);
      if (answer === "hang") return;
      response.writeHead(answer.status, answer.headers);
      if (answer.bodyBytes === undefined) return response.end(answer.body ?? "");
      // A long body, written as it is read: what the client leaves unread is never produced.
      const chunk = Buffer.alloc(64 * 1024, 120);
      let written = 0;
      const pump = () => {
        while (written < (answer.bodyBytes as number)) {
          written += chunk.length;
          bytesWritten += chunk.length;
          if (!response.write(chunk)) return response.once("drain", pump);
        }
        response.end();
      };
      response.on("error", () => undefined);
      pump();
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  receiver.port = (server.address() as AddressInfo).port;
  receiver.url = `http://127.0.0.1:${receiver.port}/hooks`;
  return receiver;
}

/**
 * Verifies a delivery as a partner's receiver would, with the `standardwebhooks` package and the
 * endpoint's current secret (or the one given): the parsed body, or the package's error thrown.
 */
export function verifyDelivery(endpoint: WebhookEndpoint, received: Received, secret?: string): Record<string, unknown> {
  const [current] = signingSecrets(endpoint, TEST_WEBHOOK_KEY, new Date());
  return new Webhook(secret ?? (current as string)).verify(received.body, received.headers) as Record<string, unknown>;
}

/** Takes the webhook messages out of the outbox, as the relay does: their bodies, oldest first. */
export async function takeWebhookMessages(dataSource: DataSource): Promise<string[]> {
  return inTransaction(dataSource, async (manager) => {
    const messages = await manager.find(OutboxMessage, { where: { topic: "webhook" }, order: { id: "ASC" } });
    if (messages.length) await manager.delete(OutboxMessage, { id: In(messages.map((message) => message.id)) });
    return messages.map((message) => message.body);
  });
}

/** The outbox's webhook messages as the SQS event source would hand them to the deliverer. */
export async function webhookRecords(dataSource: DataSource): Promise<SQSRecord[]> {
  return (await takeWebhookMessages(dataSource)).map((body) => sqsRecordFactory(body));
}

/**
 * What the relay, the queue and the deliverer do with the outbox's webhook messages, at a
 * simulated `now`: each message's delivery attempted once, one after another.
 */
export async function deliverOutbox(dataSource: DataSource, settings: WebhookSettings, now = new Date()): Promise<DeliveryResult[]> {
  const results: DeliveryResult[] = [];
  for (const body of await takeWebhookMessages(dataSource)) {
    const message = parseDeliveryMessage(body);
    results.push(await deliverWebhook(dataSource, message.deliveryId, settings, now, { redelivery: message.redelivery }));
  }
  return results;
}
