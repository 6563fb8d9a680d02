import type { EntityManager } from "typeorm";
import { type LogEntryInput, LogEntryKind } from "../../lib/contracts/transparency-log.js";
import { WebhookEventType } from "../../lib/contracts/webhook-event.js";
import { raiseWebhookEvent } from "./webhook-event.raise.js";

/*
 * The public acts endpoints hear of are the ones the transparency log records, with the payloads
 * docs/transparency.md documents: the runtime hands every log entry to `announceLogEntry` in the
 * same transaction (runtime/contexts.ts), so an act, its log entry and its event commit together
 * and say the same thing. Only the kinds below about an agent are announced; pact versions,
 * human reviews and API keys are not.
 */

/** Which event a log entry is, if any. */
export function eventTypeOf(entry: Pick<LogEntryInput, "kind" | "payload">): WebhookEventType | null {
  switch (entry.kind) {
    case LogEntryKind.TRUST_CHANGE:
      return WebhookEventType.TRUST_CHANGED;
    case LogEntryKind.ELIGIBILITY:
      return WebhookEventType.ELIGIBILITY_CHANGED;
    case LogEntryKind.CONSEQUENCE_STEP:
      return WebhookEventType.CONSEQUENCE_TAKEN;
    case LogEntryKind.CONSEQUENCE_LIFTED:
      return WebhookEventType.CONSEQUENCE_LIFTED;
    case LogEntryKind.RUN_VERDICT:
      return WebhookEventType.RUN_JUDGED;
    case LogEntryKind.DISPUTE_TRANSITION:
      // Filed; then closed, by a verdict (an appeal's too: appeals are disputes) or a withdrawal.
      // Other steps (taken up, escalated) are not news to an endpoint.
      if (entry.payload.from === null) return WebhookEventType.DISPUTE_FILED;
      return entry.payload.to === "RESOLVED" || entry.payload.to === "WITHDRAWN" ? WebhookEventType.DISPUTE_DECIDED : null;
    default:
      return null;
  }
}

/** Raises the entry's event, if it is one, in the caller's transaction; the log entry's subject is the agent. */
export async function announceLogEntry(manager: EntityManager, entry: LogEntryInput): Promise<void> {
  const type = eventTypeOf(entry);
  if (type === null) return;
  await raiseWebhookEvent(manager, { type, agentId: entry.subject, audience: "PUBLIC", data: entry.payload, at: entry.at });
}
