import type { EntityManager } from "typeorm";
import type { PartnerStanding } from "./api-key.types.js";
import { PartnerSuspension } from "./partner-suspension.entity.js";

/** Whether a suspension of `partner` stands now. */
export async function isSuspended(manager: EntityManager, partner: string): Promise<boolean> {
  return (await manager.countBy(PartnerSuspension, { activePartner: partner })) > 0;
}

/** A standing from the suspension that stands, or the one just lifted. */
export function standingOf(partner: string, suspension: PartnerSuspension | null): PartnerStanding {
  return { partner, suspended: suspension?.activePartner === partner, suspension };
}
