import { scheduledJobsLambda } from "../runtime/lambda.js";

/** Every minute (infra/judge.ts): the scheduled jobs of runtime/jobs.ts, then the outbox relay. */
export const handler = scheduledJobsLambda();
