import type { DataSource } from "typeorm";
import { SEQUENCER_BATCH, sequenceTrustEvents } from "./trust-event.sequence.js";

/** Sequencer transactions per run of the scheduled job, each of up to SEQUENCER_BATCH events: 50,000 events a minute without any reader. */
const SWEEP_BATCHES = 50;

/** The scheduled job: positions every committed event, batch by batch, up to SWEEP_BATCHES batches. */
export async function sweepTrustEvents(dataSource: DataSource): Promise<number> {
  let sequenced = 0;
  for (let batch = 0; batch < SWEEP_BATCHES; batch += 1) {
    const done = await sequenceTrustEvents(dataSource);
    sequenced += done;
    if (done < SEQUENCER_BATCH) break;
  }
  return sequenced;
}
