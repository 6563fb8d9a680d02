import type { EntityManager } from "typeorm";
import { type AppendLogEntry, LogEntryKind } from "../../lib/contracts/transparency-log.js";
import type { TrustProfile } from "./trust.entity.js";
import type { TrustChange } from "./trust.settle.js";

/*
 * Reputation's port to the transparency log: each settled change of an agent's scores, and each
 * listing decision, as log entries, in the settling transaction. The runtime installs the log
 * (runtime/contexts.ts); with none installed (a context's own tests) nothing is logged.
 */

let append: AppendLogEntry | null = null;

/** Where trust changes are logged from now on; null stops logging. */
export function logTrustChangesTo(appendEntry: AppendLogEntry | null): void {
  append = appendEntry;
}

type Logged = Pick<
  TrustProfile,
  | "agentId"
  | "compositeScore"
  | "compositeConfidence"
  | "reputationScore"
  | "reputationConfidence"
  | "tier"
  | "eligible"
  | "consequence"
  | "reasons"
  | "policyVersion"
>;

const scores = (profile: Logged) => ({
  compositeScore: profile.compositeScore,
  compositeConfidence: profile.compositeConfidence,
  reputationScore: profile.reputationScore,
  reputationConfidence: profile.reputationConfidence,
});

/**
 * Logs what a settled change moved: TRUST_CHANGE when a score or confidence moved, ELIGIBILITY
 * when the listing decision (eligibility, tier, consequence) did, with the policy's reasons.
 */
export async function logTrustChange(
  manager: EntityManager,
  before: Logged,
  after: Logged,
  change: TrustChange,
  moved: { scores: boolean; listing: boolean },
): Promise<void> {
  if (!append) return;
  const cause = { cause: change.cause, causeId: change.causeId };
  if (moved.scores)
    await append(manager, {
      kind: LogEntryKind.TRUST_CHANGE,
      subject: after.agentId,
      payload: { ...cause, before: scores(before), after: scores(after) },
      at: change.at,
    });
  if (moved.listing)
    await append(manager, {
      kind: LogEntryKind.ELIGIBILITY,
      subject: after.agentId,
      payload: {
        ...cause,
        eligible: after.eligible,
        tier: after.tier,
        consequence: after.consequence,
        reasons: after.reasons,
        policyVersion: after.policyVersion,
      },
      at: change.at,
    });
}
