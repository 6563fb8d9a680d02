/** The judge queue's message: which run to judge. Cases stay in the database (SQS caps bodies at 256 KiB). */
export interface JudgeJob {
  kind: "evaluation-run";
  runId: string;
}

export function judgeJob(runId: string): JudgeJob {
  return { kind: "evaluation-run", runId };
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
  return { kind: job.kind, runId: job.runId };
}
