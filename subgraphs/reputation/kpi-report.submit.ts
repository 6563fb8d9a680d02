import { randomUUID } from "node:crypto";
import type { DataSource } from "typeorm";
import { findAgent } from "../../lib/contracts/agent-directory.js";
import { inTransaction, isUniqueViolation } from "../../lib/platform/database.js";
import { BadUserInputError, ConflictError, NotFoundError } from "../../lib/platform/errors.js";
import { KpiReport } from "./kpi-report.entity.js";
import { requireReportableAgent, type KpiReporter } from "./reputation.access.js";
import { MAX_WEEKS_BACK, weekStart } from "./scorecard.math.js";
import type { KpiReportInput } from "./scorecard.inputs.js";
import { recordKpiReport } from "./trust.record.js";
import { lockProfile } from "./trust.settle.js";

/**
 * Files one week of an agent's production KPIs, by a buyer running it or by its builder
 * (reputation.access: requireReportableAgent), and counts it into the agent's trust in the same
 * transaction. One report per reporter and week: a second is a CONFLICT.
 */
export async function submitKpiReport(dataSource: DataSource, reporter: KpiReporter, input: KpiReportInput): Promise<boolean> {
  const start = weekStart(input.week);
  if (!start) throw new BadUserInputError("input.week", `${input.week} is not an ISO week`);
  const now = new Date();
  if (start.getTime() > now.getTime()) throw new BadUserInputError("input.week", `${input.week} has not started yet`);
  if (now.getTime() - start.getTime() > MAX_WEEKS_BACK * 7 * 24 * 3600 * 1000) {
    throw new BadUserInputError("input.week", `${input.week} is more than two years back`);
  }
  const humanOverrides = input.humanOverrides ?? 0;
  if (humanOverrides > input.alertsHandled) throw new BadUserInputError("input.humanOverrides", "cannot exceed alertsHandled");
  await inTransaction(dataSource, async (manager) => {
    // The trust row is locked first, before any read: reports of one agent filed at once are
    // counted one after the other, each seeing the others' (an unknown agent rolls it back).
    const current = await lockProfile(manager, input.agentId);
    const agent = await findAgent(manager, input.agentId);
    if (!agent) throw new NotFoundError("input.agentId", "agent", input.agentId);
    requireReportableAgent(reporter, agent);
    const report = Object.assign(new KpiReport(), {
      id: randomUUID(),
      ...input,
      humanOverrides,
      weekStart: start,
      reporter: reporter.subject,
      reporterRole: reporter.role,
      submittedAt: now,
    });
    await manager.insert(KpiReport, report);
    await recordKpiReport(manager, current, report);
  }).catch((error: unknown) => {
    if (isUniqueViolation(error)) throw new ConflictError("input.week", `you already reported ${input.week} for this agent`);
    throw error;
  });
  return true;
}
