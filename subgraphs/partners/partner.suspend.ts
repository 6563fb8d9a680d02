import { randomUUID } from "node:crypto";
import { inTransaction, isUniqueViolation } from "../../lib/platform/database.js";
import { ConflictError } from "../../lib/platform/errors.js";
import type { PartnerStanding } from "./api-key.types.js";
import type { PartnersContext } from "./partners.context.js";
import { PartnerSuspension } from "./partner-suspension.entity.js";
import { standingOf } from "./partner.standing.js";

/**
 * An operator suspends a partner (partners.access: requireOperator): from then on, within the
 * gateways' cache bound, every key of the partner is refused. One suspension stands at a time: the
 * unique index on `active_partner` refuses a second, concurrent or not, as a CONFLICT.
 */
export async function suspendPartner(
  context: PartnersContext,
  operator: string,
  partner: string,
  reason: string,
): Promise<PartnerStanding> {
  const suspension: PartnerSuspension = {
    id: randomUUID(),
    partner,
    activePartner: partner,
    reason,
    suspendedAt: new Date(),
    suspendedBy: operator,
    reinstatedAt: null,
    reinstatedBy: null,
  };
  try {
    await inTransaction(context.dataSource, (manager) => manager.insert(PartnerSuspension, suspension));
  } catch (error) {
    if (isUniqueViolation(error)) throw new ConflictError("partner", `${partner} is already suspended`);
    throw error;
  }
  return standingOf(partner, suspension);
}
