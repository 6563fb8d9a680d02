import { Not, type EntityManager } from "typeorm";
import { inTransaction } from "../../lib/platform/database.js";
import { ConflictError, NotFoundError } from "../../lib/platform/errors.js";
import { ContestedKind, Dispute, DisputeCategory, DisputeKind, DisputeOutcome, DisputeSeverity, DisputeStatus } from "./dispute.entity.js";
import type { AppealVerdictInput, ContestedVerdictInput } from "./dispute.inputs.js";
import { checkOpenCap, checkedEvidence, lockFiler, recordFiling } from "./dispute.file.js";
import { actorOf, transition } from "./dispute.lifecycle.js";
import { requireAgentOwner } from "./disputes.access.js";
import type { DisputesContext, DisputesOptions } from "./disputes.context.js";

const DAY_MS = 24 * 3600 * 1000;
const FIELD = "input.contested.id";
const CONTESTED_NAMES: Record<ContestedKind, string> = { DISPUTE: "complaint", CONSEQUENCE: "consequence step", RUN: "judged run" };

interface Contested {
  agentId: string;
  /** When the verdict was given: the appeal window runs from it. */
  givenAt: Date;
  /** The contested complaint, for an appeal of one. */
  complaint: Dispute | null;
  /** Whether the verdict still holds: a step may have been lifted or overtaken, a run set aside. */
  standing: boolean;
}

async function findContested(manager: EntityManager, ref: ContestedVerdictInput, options: DisputesOptions): Promise<Contested | null> {
  if (ref.kind === ContestedKind.CONSEQUENCE) {
    const step = await options.consequenceSteps.find(manager, ref.id);
    return step && { agentId: step.agentId, givenAt: step.takenAt, complaint: null, standing: step.standing };
  }
  if (ref.kind === ContestedKind.RUN) {
    const run = await options.runVerdicts.find(manager, ref.id);
    return run && { agentId: run.agentId, givenAt: run.judgedAt, complaint: null, standing: run.standing };
  }
  const complaint = await manager.findOneBy(Dispute, { id: ref.id, kind: DisputeKind.COMPLAINT });
  return complaint && { agentId: complaint.agentId, givenAt: complaint.closedAt ?? complaint.filedAt, complaint, standing: true };
}

/**
 * A builder appeals a verdict on their own agent: an upheld complaint, a consequence step the
 * ladder took, or a judged run's verdict (with the human reviews in it), within the appeal window,
 * while the verdict stands, and once per verdict (a withdrawn appeal may be filed again). The
 * appeal is a dispute of its own, arbitrated like a complaint; it moves trust only when granted
 * (grantAppeal).
 */
export async function fileAppeal(context: DisputesContext, builder: string, input: AppealVerdictInput): Promise<Dispute> {
  const ref = input.contested;
  const { options } = context;
  // The agent a verdict is about never changes: found before the transaction, whose first
  // statement must be the filer's lock.
  const found = await findContested(context.dataSource.manager, ref, options);
  if (!found) throw new NotFoundError(FIELD, CONTESTED_NAMES[ref.kind], ref.id);
  return inTransaction(context.dataSource, async (manager) => {
    await lockFiler(manager, found.agentId, builder);
    await requireAgentOwner(manager, found.agentId, builder);
    // Read again under the lock: a verdict reversed or set aside meanwhile is no longer there to contest.
    const contested = await findContested(manager, ref, options);
    if (!contested) throw new NotFoundError(FIELD, CONTESTED_NAMES[ref.kind], ref.id);
    const { complaint } = contested;
    if (complaint && !(complaint.status === DisputeStatus.RESOLVED && complaint.outcome === DisputeOutcome.UPHELD)) {
      throw new ConflictError(FIELD, `is ${complaint.outcome ?? complaint.status}; only an upheld complaint is appealed`);
    }
    const now = new Date();
    if (now.getTime() - contested.givenAt.getTime() > options.appealDays * DAY_MS) {
      throw new ConflictError(FIELD, `was decided more than ${options.appealDays} days ago; the appeal window has closed`);
    }
    if (!contested.standing)
      throw new ConflictError(
        FIELD,
        ref.kind === ContestedKind.RUN
          ? "was set aside already"
          : "no longer stands: the ladder has moved on since (stepped down, lifted or overtaken)",
      );
    const earlier = await manager.findOneBy(Dispute, {
      kind: DisputeKind.APPEAL,
      contestedKind: ref.kind,
      contestedId: ref.id,
      status: Not(DisputeStatus.WITHDRAWN),
    });
    if (earlier) throw new ConflictError(FIELD, `is appealed already (${earlier.id}, ${earlier.outcome ?? earlier.status})`);
    await checkOpenCap(manager, found.agentId, builder, options, FIELD);
    const evidence = await checkedEvidence(manager, found.agentId, input.evidence, options, "builder");
    return recordFiling(
      manager,
      {
        agentId: found.agentId,
        kind: DisputeKind.APPEAL,
        contestedKind: ref.kind,
        contestedId: ref.id,
        respondent: complaint?.filedBy ?? null,
        category: complaint?.category ?? DisputeCategory.OTHER,
        statement: input.statement.trim(),
        severity: complaint?.severity ?? DisputeSeverity.MAJOR,
        evidence,
        filedBy: builder,
        filedAt: now,
        occurredAt: contested.givenAt,
      },
      options,
    );
  });
}

/**
 * Reverses what a granted appeal contested, in the resolution's transaction (which holds the
 * appeal, and the complaint it contests): the complaint becomes REJECTED by a transition of its
 * own, whose state takes its weight back out of reputation exactly; the consequence step is lifted;
 * the run is set aside, its evidence leaving both scores. A verdict no longer there to reverse (a
 * step since stepped down, lifted or overtaken) refuses the grant: nothing would be reversed, so
 * the arbiter settles or rejects the appeal instead.
 */
export async function grantAppeal(
  manager: EntityManager,
  appeal: Dispute,
  complaint: Dispute | null,
  grant: { arbiter: string; note: string; at: Date },
  options: DisputesOptions,
): Promise<void> {
  const reason = `reversed on appeal ${appeal.id}: ${grant.note}`.slice(0, 2000);
  const gone = (what: string) => new ConflictError("input.outcome", `cannot be UPHELD: ${what}; resolve the appeal as SETTLED or REJECTED`);
  switch (appeal.contestedKind) {
    case ContestedKind.CONSEQUENCE:
      if (
        !(await options.consequenceSteps.lift(manager, appeal.contestedId!, {
          appealId: appeal.id,
          reason: `${grant.arbiter}: ${reason}`,
          at: grant.at,
        }))
      ) {
        throw gone("the contested step no longer stands");
      }
      return;
    case ContestedKind.RUN:
      if (!(await options.runVerdicts.setAside(manager, appeal.contestedId!, { appealId: appeal.id, at: grant.at })))
        throw gone("the contested run is no longer a judged verdict");
      return;
    default:
      if (complaint?.status !== DisputeStatus.RESOLVED || complaint.outcome !== DisputeOutcome.UPHELD)
        throw gone("the contested complaint is no longer upheld");
      await transition(
        manager,
        complaint,
        {
          to: DisputeStatus.RESOLVED,
          outcome: DisputeOutcome.REJECTED,
          actor: actorOf("arbiter", grant.arbiter),
          note: reason,
          at: grant.at,
        },
        options.onDisputeChanged,
      );
  }
}
