/** The judge: SQS batches of judge jobs (infra/judge.ts). */
export { judgeHandler as handler } from "../runtime/judge.js";
