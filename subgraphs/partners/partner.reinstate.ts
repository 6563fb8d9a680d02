import { inTransaction, writeLock } from "../../lib/platform/database.js";
import { ConflictError } from "../../lib/platform/errors.js";
import type { PartnerStanding } from "./api-key.types.js";
import type { PartnersContext } from "./partners.context.js";
import { PartnerSuspension } from "./partner-suspension.entity.js";
import { standingOf } from "./partner.standing.js";

/**
 * An operator lifts a partner's standing suspension (partners.access: requireOperator); the row
 * stays, with who lifted it and when. Its keys are accepted again within the gateways' cache
 * bound, those revoked or expired meanwhile excepted.
 */
export async function reinstatePartner(context: PartnersContext, operator: string, partner: string): Promise<PartnerStanding> {
  const lifted = await inTransaction(context.dataSource, async (manager) => {
    const suspension = await manager.findOne(PartnerSuspension, { where: { activePartner: partner }, lock: writeLock(manager) });
    if (!suspension) throw new ConflictError("partner", `${partner} is not suspended`);
    suspension.activePartner = null;
    suspension.reinstatedAt = new Date();
    suspension.reinstatedBy = operator;
    await manager.update(
      PartnerSuspension,
      { id: suspension.id },
      { activePartner: null, reinstatedAt: suspension.reinstatedAt, reinstatedBy: operator },
    );
    return suspension;
  });
  return standingOf(partner, lifted);
}
