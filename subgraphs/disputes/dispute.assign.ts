import { inTransaction } from "../../lib/platform/database.js";
import { ConflictError } from "../../lib/platform/errors.js";
import { DisputeStatus, type Dispute } from "./dispute.entity.js";
import { actorOf, isActive, lockedDispute, transition } from "./dispute.lifecycle.js";
import { requireUninvolvedAssignment } from "./disputes.access.js";
import type { DisputesContext } from "./disputes.context.js";

/**
 * An arbiter (`caller`) assigns an open dispute to `assignee` (themselves or another arbiter), or
 * reassigns one under review; neither may be involved in it (disputes.access:
 * requireUninvolvedAssignment). The dispute moves to UNDER_REVIEW.
 */
export function assignDispute(
  context: Pick<DisputesContext, "dataSource" | "options">,
  caller: string,
  disputeId: string,
  assignee: string,
): Promise<Dispute> {
  return inTransaction(context.dataSource, async (manager) => {
    const dispute = await lockedDispute(manager, disputeId);
    if (!isActive(dispute.status)) throw new ConflictError("disputeId", `is ${dispute.status}, no longer open`);
    if (dispute.assignedTo === assignee) throw new ConflictError("disputeId", `is already assigned to ${assignee}`);
    await requireUninvolvedAssignment(manager, caller, assignee, dispute, context.options);
    return transition(
      manager,
      dispute,
      {
        to: DisputeStatus.UNDER_REVIEW,
        actor: actorOf("arbiter", caller),
        note: dispute.assignedTo ? `reassigned from ${dispute.assignedTo} to ${assignee}` : `assigned to ${assignee}`,
        at: new Date(),
        changes: { assignedTo: assignee },
      },
      context.options.onDisputeChanged,
    );
  });
}
