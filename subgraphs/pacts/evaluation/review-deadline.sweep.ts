import { In, type DataSource, type EntityManager } from "typeorm";
import { inTransaction } from "../../../lib/platform/database.js";
import { log, type Logger } from "../../../lib/platform/logger.js";
import { CaseOutcome, EvaluationRunStatus } from "../pact.enums.js";
import { EvaluationRun } from "./evaluation-run.entity.js";
import { JuryVerdict } from "./jury-verdict.entity.js";
import { ReviewAssignment } from "./review-assignment.entity.js";

/** What the sweep needs from configuration (REVIEW_DEADLINE_HOURS, REVIEW_ARBITERS). */
export interface ReviewDeadlinePolicy {
  deadlineHours: number;
  /** Arbiters configured to take reviews; those who have reviewed before are added to them. */
  arbiters: readonly string[];
}

export interface ReviewDeadlineSweepResult {
  /** Cases given their first assignee. */
  assigned: number;
  /** Cases whose deadline went by, passed to the next arbiter and escalated. */
  reassigned: number;
  /** Cases no arbiter can take (none known, or the only one owns the agent): left for the next sweep. */
  unassignable: number;
}

/** Cases handled per sweep: a backlog drains over successive minutes instead of one long transaction. */
const SWEEP_BATCH = 500;
const HOUR_MS = 3600 * 1000;

/**
 * The arbiters reviews go to, in a fixed order for round robin: the configured ones and everyone
 * who has decided a review before (an arbiter is known to the pacts context only by having acted
 * in it; identities live with the identity provider). Sorted so every sweep agrees on the order.
 */
async function knownArbiters(manager: EntityManager, configured: readonly string[]): Promise<string[]> {
  const reviewers = await manager
    .createQueryBuilder(JuryVerdict, "v")
    .select("DISTINCT v.reviewer", "reviewer")
    .where("v.reviewer IS NOT NULL")
    .getRawMany<{ reviewer: string }>();
  return [...new Set([...configured, ...reviewers.map((r) => r.reviewer)])].sort();
}

/**
 * The next arbiter after `previous` in round-robin order who may take the case: never the agent's
 * owner (who never reviews their own agent), and not `avoid` (the assignee who let the deadline
 * pass) when anyone else can. Null when nobody can.
 */
export function nextArbiter(
  arbiters: readonly string[],
  previous: string | null,
  owner: string | null,
  avoid: string | null,
): string | null {
  const eligible = arbiters.filter((a) => a !== owner);
  if (eligible.length === 0) return null;
  const others = eligible.filter((a) => a !== avoid);
  const pool = others.length > 0 ? others : eligible;
  // The first after `previous` in the sorted order, wrapping around.
  return pool.find((a) => previous !== null && a > previous) ?? pool[0]!;
}

/**
 * Assigns the review queue's new cases round robin, and passes each case whose deadline went by
 * to the next arbiter with a fresh deadline, escalating it (a warn line naming the case and both
 * arbiters, and `escalatedAt` kept from the first time). One transaction per sweep; a second
 * sweep at once cannot assign a case twice (the assignment's key is the case) nor reassign it
 * twice (the update is conditional on the deadline it read). `now` drives time, so tests pass it.
 */
export async function sweepReviewDeadlines(
  dataSource: DataSource,
  policy: ReviewDeadlinePolicy,
  now = new Date(),
  logger: Logger = log,
): Promise<ReviewDeadlineSweepResult> {
  const result = await inTransaction(dataSource, async (manager) => {
    const counts: ReviewDeadlineSweepResult = { assigned: 0, reassigned: 0, unassignable: 0 };
    const due = await manager
      .createQueryBuilder(JuryVerdict, "v")
      .select(["v.id AS id", "v.agent_id AS agentId", "d.owner_id AS ownerId"])
      .innerJoin(EvaluationRun, "r", "r.id = v.run_id")
      .leftJoin(ReviewAssignment, "a", "a.verdict_id = v.id")
      .leftJoin("agent_directory", "d", "d.agent_id = v.agent_id")
      .where("v.outcome = :uncertain", { uncertain: CaseOutcome.UNCERTAIN })
      // Cases of runs that failed judging left the queue: nobody's time goes to them.
      .andWhere("r.status IN (:...open)", { open: [EvaluationRunStatus.QUEUED, EvaluationRunStatus.AWAITING_REVIEW] })
      .andWhere("(a.verdict_id IS NULL OR a.deadline_at <= :now)", { now })
      .orderBy("v.created_at", "ASC")
      .addOrderBy("v.id", "ASC")
      .limit(SWEEP_BATCH)
      .getRawMany<{ id: string; agentId: string; ownerId: string | null }>();
    if (due.length === 0) return counts;

    const arbiters = await knownArbiters(manager, policy.arbiters);
    const current = new Map(
      (await manager.find(ReviewAssignment, { where: { verdictId: In(due.map((d) => d.id)) } })).map((a) => [a.verdictId, a]),
    );
    // Round robin carries on from the latest assignment, across sweeps. A sweep assigns in the
    // cases' order at one instant, so among its assignments the latest is that of the newest case.
    const latest = await manager
      .createQueryBuilder(ReviewAssignment, "a")
      .innerJoin(JuryVerdict, "v", "v.id = a.verdict_id")
      .orderBy("a.assigned_at", "DESC")
      .addOrderBy("v.created_at", "DESC")
      .addOrderBy("v.id", "DESC")
      .limit(1)
      .getOne();
    let previous = latest?.assignee ?? null;
    const deadlineAt = new Date(now.getTime() + policy.deadlineHours * HOUR_MS);

    for (const item of due) {
      const assignment = current.get(item.id);
      const assignee = nextArbiter(arbiters, previous, item.ownerId, assignment?.assignee ?? null);
      if (assignee === null) {
        counts.unassignable += 1;
        continue;
      }
      if (!assignment) {
        // Ignored if a concurrent sweep assigned the case first (its count may then say one too many).
        await manager
          .createQueryBuilder()
          .insert()
          .into(ReviewAssignment)
          .values({ verdictId: item.id, assignee, assignedAt: now, deadlineAt, reassignments: 0, escalatedAt: null })
          .orIgnore()
          .execute();
        counts.assigned += 1;
      } else {
        const updated = await manager.update(
          ReviewAssignment,
          { verdictId: item.id, deadlineAt: assignment.deadlineAt },
          {
            assignee,
            assignedAt: now,
            deadlineAt,
            reassignments: assignment.reassignments + 1,
            escalatedAt: assignment.escalatedAt ?? now,
          },
        );
        if (updated.affected === 0) continue;
        counts.reassigned += 1;
        logger.warn(
          { reviewId: item.id, agentId: item.agentId, from: assignment.assignee, to: assignee, missedDeadline: assignment.deadlineAt },
          "review deadline passed: case reassigned and escalated",
        );
      }
      previous = assignee;
    }
    return counts;
  });
  if (result.assigned + result.reassigned + result.unassignable > 0)
    logger.info({ job: "review-deadlines", ...result }, "review cases swept");
  return result;
}
