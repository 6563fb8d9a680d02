import type { DataSource } from "typeorm";
import { inTransaction, writeLock } from "../../lib/platform/database.js";
import { log as processLog, type Logger } from "../../lib/platform/logger.js";
import { RefusedUrlError, checkEndpointUrl } from "../../lib/platform/outbound-address.js";
import { signatureHeaders } from "../../lib/platform/standard-webhooks.js";
import { postWebhook } from "../../lib/platform/webhook-post.js";
import { WebhookAttempt, WebhookDelivery } from "./webhook-delivery.entity.js";
import { MAX_LAST_ERROR, disableEndpoint } from "./webhook-endpoint.disable.js";
import { WebhookEndpoint } from "./webhook-endpoint.entity.js";
import { WebhookEvent } from "./webhook-event.entity.js";
import { webhookBody } from "./webhook-event.payload.js";
import { MAX_ATTEMPTS, retryDelayMs } from "./webhook-retry.math.js";
import { signingSecrets } from "./webhook-secret.js";
import type { WebhookSettings } from "./webhook.settings.js";
import { WebhookAttemptOutcome, WebhookDeliveryState, WebhookEndpointState } from "./webhook.enums.js";

/*
 * One attempt of one delivery, as the deliverer runs it for each queue message (runtime/webhooks.ts):
 *
 * 1. Read the delivery. A message may come twice, late, or after a redelivery: a delivery that is
 *    no longer PENDING, or not yet due, is left alone.
 * 2. Claim it, with a conditional update: its next attempt moves past this attempt's end
 *    (timeout + CLAIM_MARGIN_MS), so a second copy of the message arriving meanwhile finds it not
 *    due, and, should this process die mid-POST, the retry sweep finds it due again once the claim
 *    lapses (webhook-event.dispatch.ts). The POST happens outside any transaction.
 * 3. A deleted or disabled endpoint: the delivery dies, nothing is sent. Disabling kills pending
 *    deliveries itself; this catches those fanned out by a dispatch that read the endpoint
 *    still active, and those of a deleted endpoint.
 * 4. Check the URL's host again (it may resolve elsewhere since registration: DNS rebinding), and
 *    POST to the very address checked (lib/platform/webhook-post.ts), signed with the endpoint's
 *    current secret and, during a rotation's grace, the previous one. A host the address policy
 *    refuses, or that no longer resolves (checkEndpointUrl refuses it too), is recorded REFUSED,
 *    with nothing sent.
 * 5. Record, in one transaction under the delivery's and the endpoint's row locks (in that order,
 *    the order redeliverWebhook takes too): the attempt, then the delivery and the endpoint:
 *    - 2xx: DELIVERED; the endpoint is no longer failing;
 *    - 410 Gone: the receiver says it is gone for good: the endpoint is disabled at once;
 *    - anything else: retried after the schedule's next delay (webhook-retry.math.ts); after the
 *      last, DEAD, and if the endpoint has not succeeded once since this delivery's first attempt
 *      it is disabled too.
 *    Disabling an endpoint kills its pending deliveries and tells its owner: an ENDPOINT_DISABLED
 *    event to the owner's other endpoints, raised in the same transaction (disableEndpoint, as
 *    an owner's or operator's disableWebhookEndpoint does).
 * A redelivery's attempt (redeliverWebhook) is recorded as one and does not move the schedule on.
 */

/** Time left, after the POST's own timeout, to record the attempt before a claim lapses. */
export const CLAIM_MARGIN_MS = 60_000;

/**
 * Whether an attempt of the delivery is under way (step 2's claim, not yet lapsed). A claim is
 * the one state whose next attempt and lease end at the same moment: the leases the dispatcher,
 * the sweep and a redelivery give all end after the attempt they wait for falls due.
 */
export function attemptUnderWay(delivery: Pick<WebhookDelivery, "state" | "nextAttemptAt" | "leaseUntil">, now: Date): boolean {
  const { state, nextAttemptAt, leaseUntil } = delivery;
  return (
    state === WebhookDeliveryState.PENDING &&
    leaseUntil !== null &&
    nextAttemptAt !== null &&
    leaseUntil.getTime() === nextAttemptAt.getTime() &&
    leaseUntil.getTime() > now.getTime()
  );
}

export interface DeliverOptions {
  /** The attempt was asked for by redeliverWebhook. */
  redelivery?: boolean;
  /** For the retry schedule's jitter; tests fix it. */
  random?: () => number;
  log?: Logger;
}

/** What one call did. */
export type DeliveryResult =
  | { attempted: false; reason: "unknown delivery" | "not pending" | "not due" | "claimed elsewhere" | "endpoint disabled" }
  | {
      attempted: true;
      outcome: WebhookAttemptOutcome;
      status: number | null;
      error: string | null;
      /** The delivery's state after the attempt. */
      state: WebhookDeliveryState;
      nextAttemptAt: Date | null;
      /** Whether this attempt disabled the endpoint. */
      disabledEndpoint: boolean;
    };

interface AttemptResult {
  outcome: WebhookAttemptOutcome;
  status: number | null;
  latencyMs: number;
  error: string | null;
}

export async function deliverWebhook(
  dataSource: DataSource,
  deliveryId: string,
  settings: WebhookSettings,
  now = new Date(),
  options: DeliverOptions = {},
): Promise<DeliveryResult> {
  const log = options.log ?? processLog;
  const delivery = await dataSource.manager.findOneBy(WebhookDelivery, { id: deliveryId });
  if (!delivery) {
    log.warn({ deliveryId }, "webhook message for an unknown delivery; dropped");
    return { attempted: false, reason: "unknown delivery" };
  }
  if (delivery.state !== WebhookDeliveryState.PENDING) return { attempted: false, reason: "not pending" };
  if (delivery.nextAttemptAt && delivery.nextAttemptAt.getTime() > now.getTime()) return { attempted: false, reason: "not due" };

  const claimUntil = new Date(now.getTime() + settings.timeoutMs + CLAIM_MARGIN_MS);
  const { affected } = await inTransaction(dataSource, (manager) =>
    manager
      .createQueryBuilder()
      .update(WebhookDelivery)
      .set({ nextAttemptAt: claimUntil, leaseUntil: claimUntil })
      .where("id = :id AND state = :pending AND (next_attempt_at IS NULL OR next_attempt_at <= :now)", {
        id: deliveryId,
        pending: WebhookDeliveryState.PENDING,
        now,
      })
      .execute(),
  );
  if (affected !== 1) return { attempted: false, reason: "claimed elsewhere" };

  const [event, endpoint] = await Promise.all([
    dataSource.manager.findOneByOrFail(WebhookEvent, { id: delivery.eventId }),
    dataSource.manager.findOneBy(WebhookEndpoint, { id: delivery.endpointId }),
  ]);
  if (!endpoint || endpoint.state === WebhookEndpointState.DISABLED) {
    await inTransaction(dataSource, (manager) =>
      manager.update(
        WebhookDelivery,
        { id: deliveryId, state: WebhookDeliveryState.PENDING },
        {
          state: WebhookDeliveryState.DEAD,
          nextAttemptAt: null,
          leaseUntil: null,
          lastError: endpoint ? "endpoint disabled" : "endpoint deleted",
        },
      ),
    );
    return { attempted: false, reason: "endpoint disabled" };
  }

  const attempt = await attemptPost(endpoint, event, settings, now);
  const recorded = await recordAttempt(dataSource, deliveryId, attempt, {
    now,
    redelivery: options.redelivery ?? false,
    random: options.random ?? Math.random,
    log,
  });
  log.info(
    {
      deliveryId,
      endpointId: endpoint.id,
      webhookId: event.messageId,
      outcome: attempt.outcome,
      status: attempt.status,
      state: recorded.state,
    },
    "webhook attempt recorded",
  );
  return { attempted: true, outcome: attempt.outcome, status: attempt.status, error: attempt.error, ...recorded };
}

/**
 * The address check, then the POST. Whatever the endpoint does is a result; only the deliverer's
 * own failure throws (the message is then retried by SQS, and the claim lapses for the sweep).
 */
async function attemptPost(endpoint: WebhookEndpoint, event: WebhookEvent, settings: WebhookSettings, now: Date): Promise<AttemptResult> {
  const started = performance.now();
  let target: Awaited<ReturnType<typeof checkEndpointUrl>>;
  try {
    target = await checkEndpointUrl(endpoint.url, { allowLoopback: settings.allowLoopback }, settings.resolveHost);
  } catch (error) {
    // The address policy's refusal, a host that no longer resolves or answers too slowly included.
    if (!(error instanceof RefusedUrlError)) throw error;
    const latencyMs = Math.round(performance.now() - started);
    return { outcome: WebhookAttemptOutcome.REFUSED, status: null, latencyMs, error: error.message };
  }
  const body = webhookBody(event);
  const signed = signatureHeaders({
    messageId: event.messageId,
    timestamp: now,
    body,
    secrets: signingSecrets(endpoint, settings.secretKey, now),
  });
  const result = await postWebhook({
    url: target.url,
    address: target.address,
    family: target.family,
    headers: { ...signed, "content-type": "application/json" },
    body,
    timeoutMs: settings.timeoutMs,
    maxResponseBytes: settings.maxResponseBytes,
  });
  const succeeded = result.status !== null && result.status >= 200 && result.status < 300;
  return {
    outcome: succeeded ? WebhookAttemptOutcome.SUCCEEDED : WebhookAttemptOutcome.FAILED,
    status: result.status,
    latencyMs: result.latencyMs,
    error: result.error,
  };
}

/** The reason a 410 gives the endpoint. */
export const GONE_REASON = "the endpoint answered 410 Gone";

async function recordAttempt(
  dataSource: DataSource,
  deliveryId: string,
  attempt: AttemptResult,
  context: { now: Date; redelivery: boolean; random: () => number; log: Logger },
): Promise<{ state: WebhookDeliveryState; nextAttemptAt: Date | null; disabledEndpoint: boolean }> {
  const { now, redelivery } = context;
  return inTransaction(dataSource, async (manager) => {
    const delivery = await manager.findOneOrFail(WebhookDelivery, { where: { id: deliveryId }, lock: writeLock(manager) });
    const endpoint = await manager.findOne(WebhookEndpoint, { where: { id: delivery.endpointId }, lock: writeLock(manager) });
    const error = attempt.error?.slice(0, MAX_LAST_ERROR) ?? null;
    await manager.insert(WebhookAttempt, {
      deliveryId,
      endpointId: delivery.endpointId,
      eventId: delivery.eventId,
      outcome: attempt.outcome,
      statusCode: attempt.status,
      latencyMs: attempt.latencyMs,
      error,
      redelivery,
      attemptedAt: now,
    });
    const succeeded = attempt.outcome === WebhookAttemptOutcome.SUCCEEDED;
    const last = { lastStatus: attempt.status, lastError: succeeded ? null : (error ?? `HTTP ${attempt.status}`) };

    // Someone else settled it meanwhile (a redelivery raced a retry, an endpoint disabled):
    // the attempt is logged, and a success still counts, since the receiver has the event.
    if (delivery.state !== WebhookDeliveryState.PENDING) {
      if (succeeded && delivery.state === WebhookDeliveryState.DEAD)
        await manager.update(WebhookDelivery, { id: deliveryId }, { state: WebhookDeliveryState.DELIVERED, deliveredAt: now, ...last });
      return { state: succeeded ? WebhookDeliveryState.DELIVERED : delivery.state, nextAttemptAt: null, disabledEndpoint: false };
    }

    const attempts = redelivery ? delivery.attempts : delivery.attempts + 1;
    if (succeeded) {
      await manager.update(
        WebhookDelivery,
        { id: deliveryId },
        { state: WebhookDeliveryState.DELIVERED, attempts, deliveredAt: now, nextAttemptAt: null, leaseUntil: null, ...last },
      );
      if (endpoint?.failingSince) await manager.update(WebhookEndpoint, { id: endpoint.id }, { failingSince: null });
      return { state: WebhookDeliveryState.DELIVERED, nextAttemptAt: null, disabledEndpoint: false };
    }

    const gone = attempt.status === 410;
    const delay = gone ? null : retryDelayMs(Math.max(1, attempts), context.random);
    const dead = gone || delay === null || attempts >= MAX_ATTEMPTS;
    const state = dead ? WebhookDeliveryState.DEAD : WebhookDeliveryState.PENDING;
    const nextAttemptAt = dead ? null : new Date(now.getTime() + (delay as number));
    await manager.update(WebhookDelivery, { id: deliveryId }, { state, attempts, nextAttemptAt, leaseUntil: null, ...last });
    if (!endpoint) return { state, nextAttemptAt, disabledEndpoint: false };

    // A first attempt's failure dates from the delivery's creation: the event was owed from then,
    // so an endpoint that fails this delivery's whole schedule counts as failing throughout it.
    const failingSince =
      endpoint.failingSince ??
      (delivery.attempts === 0 && !redelivery ? new Date(Math.min(now.getTime(), delivery.createdAt.getTime())) : now);
    if (!endpoint.failingSince) await manager.update(WebhookEndpoint, { id: endpoint.id }, { failingSince });

    let reason: string | null = null;
    if (gone) reason = GONE_REASON;
    else if (dead && !redelivery && failingSince.getTime() <= delivery.createdAt.getTime())
      reason = `failing since ${failingSince.toISOString()}: every attempt of a delivery's whole retry schedule failed`;
    const disabled = reason !== null && endpoint.state === WebhookEndpointState.ACTIVE;
    if (disabled) await disableEndpoint(manager, endpoint, { reason: reason as string, by: "deliverer", at: now }, context.log);
    return { state, nextAttemptAt, disabledEndpoint: disabled };
  });
}
