import type { DataSource } from "typeorm";
import { decodeCursor, isTimeCursor, pageOf, pageSize } from "../../../lib/platform/pagination.js";
import { reviewableBy } from "../pacts.access.js";
import { CaseOutcome, EvaluationRunStatus } from "../pact.enums.js";
import { EvaluationRun } from "./evaluation-run.entity.js";
import { JuryVerdict } from "./jury-verdict.entity.js";
import { ReviewAssignment } from "./review-assignment.entity.js";
import type { JuryVerdictConnection } from "./review-queue.types.js";

/** Where a page of the review queue starts and how long it is, as the query gives them. */
export interface ReviewQueuePage {
  first: number | null | undefined;
  after: string | null | undefined;
}

/** A page of the cases the jury could not decide, oldest first, as the arbiter may review them (pacts.access: reviewableBy). */
export async function listReviewQueue(
  dataSource: DataSource,
  arbiter: string,
  { first, after }: ReviewQueuePage,
  now = new Date(),
): Promise<JuryVerdictConnection> {
  const size = pageSize(first);
  const query = dataSource
    .getRepository(JuryVerdict)
    .createQueryBuilder("v")
    .innerJoin(EvaluationRun, "r", "r.id = v.run_id")
    // The case's assignment in the same statement (one row per case: the verdict id is its key).
    .leftJoinAndMapOne("v.assignment", ReviewAssignment, "a", "a.verdict_id = v.id")
    .where("v.outcome = :uncertain", { uncertain: CaseOutcome.UNCERTAIN })
    // A run that failed judging counts for nothing: its cases need no one's time.
    .andWhere("r.status IN (:...open)", { open: [EvaluationRunStatus.QUEUED, EvaluationRunStatus.AWAITING_REVIEW] });
  reviewableBy(query, arbiter);
  if (after) {
    const [at, id] = decodeCursor(after, "after", isTimeCursor);
    query.andWhere("(v.created_at > :at OR (v.created_at = :at AND v.id > :id))", { at: new Date(at), id });
  }
  const rows = await query
    .orderBy("v.created_at", "ASC")
    .addOrderBy("v.id", "ASC")
    .limit(size + 1)
    .getMany();
  const page = pageOf(rows, size, (node) => [node.createdAt.getTime(), node.id]);
  return {
    pageInfo: page.pageInfo,
    edges: page.edges.map((edge) => {
      const { assignment } = edge.node as JuryVerdict & { assignment?: ReviewAssignment | null };
      return {
        ...edge,
        ageSeconds: Math.max(0, Math.floor((now.getTime() - edge.node.createdAt.getTime()) / 1000)),
        assignee: assignment?.assignee ?? null,
        deadline: assignment?.deadlineAt ?? null,
        reassignments: assignment?.reassignments ?? 0,
      };
    }),
  };
}
