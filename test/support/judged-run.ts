import { randomUUID } from "node:crypto";
import type { JudgedRun } from "../../lib/contracts/judged-run.js";
import { DEFAULT_LADDER, DEFAULT_ROUTE } from "./contexts.js";

/**
 * A judged run as the judge hands it to reputation (lib/contracts/judged-run.ts), under the
 * default ladder and route: `passed` and `failed` cases of one severity clause, a failed run
 * breaching it critically. Ids are fresh unless given.
 */
export function judgedRunOf(
  options: { agentId?: string; pactId?: string; passed?: number; failed?: number; runPassed?: boolean; at?: Date } = {},
): JudgedRun {
  const { passed = 39, failed = 1, runPassed = true, at = new Date() } = options;
  const pactId = options.pactId ?? randomUUID();
  return {
    runId: randomUUID(),
    agentId: options.agentId ?? randomUUID(),
    pactId,
    pactVersion: 1,
    casesPassed: passed,
    casesFailed: failed,
    runPassed,
    failedCriticalClauses: runPassed ? [] : ["severity"],
    clauses: [{ metric: "SEVERITY_CLASSIFICATION_ACCURACY", weight: 1, passed, failed }],
    terms: {
      pactId,
      pactVersion: 1,
      ladder: DEFAULT_LADDER,
      route: DEFAULT_ROUTE,
      owner: { team: "t", contact: "c@example.test", ackDeadlineMinutes: 60 },
    },
    submittedAt: at,
    judgedAt: at,
  };
}
