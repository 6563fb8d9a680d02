import type { AppendLogEntry } from "../../lib/contracts/transparency-log.js";
import { canonicalJson } from "../../lib/platform/canonical-json.js";
import { LogEntry } from "./log.entity.js";

/**
 * The contract's implementation: one INSERT in the caller's transaction, with no index and no
 * hash (the sequencer adds both once the act has committed). It touches no row but its own, so no
 * act waits on another's entry or on the sequencer. `updateEntity(false)`: no read-back.
 */
export const appendLogEntry: AppendLogEntry = async (manager, entry) => {
  await manager
    .createQueryBuilder()
    .insert()
    .into(LogEntry)
    .values({
      logIndex: null,
      kind: entry.kind,
      subject: entry.subject,
      payload: canonicalJson(entry.payload),
      leafHash: null,
      recordedAt: entry.at,
    })
    .updateEntity(false)
    .execute();
};
