import { inTransaction } from "../../lib/platform/database.js";
import { ConflictError } from "../../lib/platform/errors.js";
import type { Identity } from "../../lib/platform/identity.js";
import { DisputeStatus, type Dispute } from "./dispute.entity.js";
import { actorOf, filerRole, isActive, lockedDispute, transition } from "./dispute.lifecycle.js";
import { requireFiler } from "./disputes.access.js";
import type { DisputesContext } from "./disputes.context.js";

/**
 * Its filer withdraws an open dispute; `reason` is already trimmed and checked. The dispute is
 * locked first, then the caller checked against it (disputes.access: requireFiler).
 */
export function withdrawDispute(
  context: Pick<DisputesContext, "dataSource" | "options">,
  caller: Identity,
  disputeId: string,
  reason: string,
): Promise<Dispute> {
  return inTransaction(context.dataSource, async (manager) => {
    const dispute = await lockedDispute(manager, disputeId);
    requireFiler(caller, dispute);
    if (!isActive(dispute.status)) throw new ConflictError("disputeId", `is ${dispute.status}, no longer open`);
    const actor = actorOf(filerRole(dispute.kind), dispute.filedBy);
    return transition(
      manager,
      dispute,
      { to: DisputeStatus.WITHDRAWN, actor, note: reason, at: new Date() },
      context.options.onDisputeChanged,
    );
  });
}
