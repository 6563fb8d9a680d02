/**
 * The judge queue's message: which run, and which slice of it, to judge. Cases stay in the
 * database (SQS caps bodies at 256 KiB). A job without a slice asks the judge to decide the run
 * if nothing is left to do (sent when the last review of an uncertain case is in).
 */
export interface JudgeJob {
  kind: "evaluation-run";
  runId: string;
  slice: number | null;
}

/** Most slices a run can have: 500 cases at the smallest slice size. */
export const MAX_SLICES = 500;

export function judgeJob(runId: string, slice: number | null = 0): JudgeJob {
  return { kind: "evaluation-run", runId, slice };
}

/** Parses a queue body; throws on anything that is not a judge job (such a message is poison). */
export function parseJudgeJob(body: string): JudgeJob {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    throw new Error("judge job is not JSON");
  }
  const job = value as Partial<JudgeJob> | null;
  if (job?.kind !== "evaluation-run" || typeof job.runId !== "string" || job.runId.length === 0 || job.runId.length > 36) {
    throw new Error("judge job has no valid kind and runId");
  }
  // Jobs written before runs were sliced carry no slice: they are slice 0 of 1.
  const slice = job.slice === undefined ? 0 : job.slice;
  if (slice !== null && !(Number.isInteger(slice) && slice >= 0 && slice < MAX_SLICES)) throw new Error("judge job has an invalid slice");
  return { kind: job.kind, runId: job.runId, slice };
}
