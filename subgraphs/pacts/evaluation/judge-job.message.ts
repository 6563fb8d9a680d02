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

/** Largest run accepted in one request: a deterministic judge job stays well inside a Lambda's time limit. */
export const MAX_CASES_PER_RUN = 500;

/** Most slices a run can have: one case each. */
export const MAX_SLICES = MAX_CASES_PER_RUN;

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
