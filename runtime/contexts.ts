import type { DisputesOptions } from "../subgraphs/disputes/disputes.context.js";
import { agentRunsAndCases, findContestedRun, lockContestedRun, runReviewers, setRunAside } from "../subgraphs/pacts/evaluation/evaluation-run.appeal.js";
import { TrustCause } from "../subgraphs/reputation/trust-history.entity.js";
import { agentKpiReportIds, recordDisputeState, setAsideRun } from "../subgraphs/reputation/trust.record.js";
import { consequenceSteps, lockProfile } from "../subgraphs/reputation/trust.settle.js";

/**
 * How the disputes context reaches the others, the same locally and on Lambda: dispute states into
 * reputation, consequence steps from reputation, run verdicts from pacts with their evidence in
 * reputation, and the evidence a dispute may cite (cases and runs in pacts, KPI reports in
 * reputation). All in the disputes transaction, so a verdict and its effects move together.
 */
export const disputesWiring: Pick<DisputesOptions, "onDisputeChanged" | "consequenceSteps" | "runVerdicts" | "agentEvidence"> = {
  onDisputeChanged: recordDisputeState,
  consequenceSteps,
  runVerdicts: {
    find: findContestedRun,
    async lock(manager, runId) {
      // The run, its window, then the agent's trust: the judge's order, so the two never deadlock.
      const run = await lockContestedRun(manager, runId);
      if (run) await lockProfile(manager, run.agentId);
    },
    async setAside(manager, runId, grant) {
      if (!(await setRunAside(manager, runId))) return false;
      await setAsideRun(manager, runId, { cause: TrustCause.DISPUTE, causeId: grant.appealId, at: grant.at });
      return true;
    },
    reviewers: runReviewers,
  },
  agentEvidence: {
    async foreign(manager, agentId, references) {
      const { runIds, caseIds } = await agentRunsAndCases(manager, agentId, references.runIds, references.caseIds);
      const reports = await agentKpiReportIds(manager, agentId, references.kpiReportIds);
      return {
        caseIds: references.caseIds.filter((id) => !caseIds.has(id)),
        runIds: references.runIds.filter((id) => !runIds.has(id)),
        kpiReportIds: references.kpiReportIds.filter((id) => !reports.has(id)),
      };
    },
  },
};
