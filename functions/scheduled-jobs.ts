import { scheduledJobsLambda } from "../runtime/lambda.js";

/** Every minute (infra/judge.ts): requeue stale runs, decay sweep, dispute deadlines, outbox relay. */
export const handler = scheduledJobsLambda();
