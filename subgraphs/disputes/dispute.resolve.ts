import { inTransaction } from "../../lib/platform/database.js";
import { ConflictError } from "../../lib/platform/errors.js";
import { grantAppeal } from "./dispute.appeal.js";
import { ContestedKind, DisputeKind, DisputeOutcome, DisputeStatus, type Dispute } from "./dispute.entity.js";
import type { ResolveDisputeInput } from "./dispute.inputs.js";
import { actorOf, lockedDispute, transition } from "./dispute.lifecycle.js";
import { logAppealDecision } from "./dispute.log.js";
import { requireAssignedArbiter } from "./disputes.access.js";
import type { DisputesContext } from "./disputes.context.js";

/**
 * The arbiter assigned to a dispute under review resolves it as UPHELD, REJECTED or SETTLED
 * (disputes.access: requireAssignedArbiter). An upheld complaint counts against the agent's
 * reputation by severity (through the transition's report); an upheld appeal is granted, reversing
 * the verdict it contests in the same transaction (grantAppeal).
 */
export function resolveDispute(
  context: Pick<DisputesContext, "dataSource" | "options">,
  arbiter: string,
  input: ResolveDisputeInput,
): Promise<Dispute> {
  const { options } = context;
  return inTransaction(context.dataSource, async (manager) => {
    const dispute = await lockedDispute(manager, input.disputeId, "input.disputeId");
    const granting = dispute.kind === DisputeKind.APPEAL && input.outcome === DisputeOutcome.UPHELD;
    // What a grant reverses is locked next, before any plain read: the complaint (its state and
    // its filer's record are then read as committed), or the run with its window and trust.
    const complaint =
      granting && dispute.contestedKind === ContestedKind.DISPUTE
        ? await lockedDispute(manager, dispute.contestedId!, "input.disputeId")
        : null;
    if (granting && dispute.contestedKind === ContestedKind.RUN) await options.runVerdicts.lock(manager, dispute.contestedId!);
    if (dispute.status !== DisputeStatus.UNDER_REVIEW) {
      throw new ConflictError("input.disputeId", `is ${dispute.status}; only a dispute under review is resolved`);
    }
    await requireAssignedArbiter(manager, arbiter, dispute, options);
    const at = new Date();
    const note = input.note.trim();
    const step = { to: DisputeStatus.RESOLVED, outcome: input.outcome, actor: actorOf("arbiter", arbiter), note, at };
    const resolved = await transition(manager, dispute, step, options.onDisputeChanged);
    if (granting) await grantAppeal(manager, resolved, complaint, { arbiter, note, at }, options);
    // After the grant, which may still refuse (CONFLICT) and roll the whole resolution back.
    await logAppealDecision(manager, resolved, at);
    return resolved;
  });
}
