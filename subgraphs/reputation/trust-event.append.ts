import type { EntityManager } from "typeorm";
import { TrustEvent, TrustEventType } from "./trust-event.entity.js";
import type { TrustProfile } from "./trust.entity.js";
import type { TrustChange } from "./trust.settle.js";

type Watched = Pick<TrustProfile, "compositeScore" | "reputationScore" | "tier" | "eligible" | "consequence">;

/** Each value the feed reports, how it is stored as text (null: no consequence). */
const WATCHED: [TrustEventType, (profile: Watched) => string | null][] = [
  [TrustEventType.COMPOSITE_SCORE, (profile) => String(profile.compositeScore)],
  [TrustEventType.REPUTATION_SCORE, (profile) => String(profile.reputationScore)],
  [TrustEventType.TIER, (profile) => profile.tier],
  [TrustEventType.ELIGIBILITY, (profile) => String(profile.eligible)],
  [TrustEventType.CONSEQUENCE, (profile) => profile.consequence],
];

/** The feed's events for one settled change: one per value that moved, in the order of TrustEventType. */
export function trustEventsOf(agentId: string, before: Watched, after: Watched, change: TrustChange): Omit<TrustEvent, "id">[] {
  return WATCHED.flatMap(([type, read]) => {
    const beforeValue = read(before);
    const afterValue = read(after);
    if (beforeValue === afterValue) return [];
    return [
      { position: null, agentId, type, beforeValue, afterValue, cause: change.cause, causeId: change.causeId, occurredAt: change.at },
    ];
  });
}

/**
 * Writes the events of one settled change in the caller's transaction, in one statement, so they
 * commit or roll back with the change. No position: the sequencer gives one once they are
 * committed. `updateEntity(false)`: nothing to read back, so no extra SELECT on any engine.
 */
export async function appendTrustEvents(manager: EntityManager, events: Omit<TrustEvent, "id">[]): Promise<void> {
  if (events.length === 0) return;
  await manager.createQueryBuilder().insert().into(TrustEvent).values(events).updateEntity(false).execute();
}
