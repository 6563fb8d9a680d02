import { IsNull, type EntityManager } from "typeorm";
import { canonicalDigest } from "../../lib/platform/canonical-json.js";
import { KpiReport } from "./kpi-report.entity.js";
import { DisputeState } from "./trust-history.entity.js";
import { EvaluationEvidence } from "./trust.entity.js";

/**
 * What an agent's scores are computed from, named by id: its judged runs still counted (not set
 * aside by an appeal), its KPI reports, and each dispute in the state reputation last heard of
 * (`<disputeId>@<version>`). Each list sorted by code unit, so anyone given the evidence can
 * recompute the digest (docs/attestations.md, "The evidence digest").
 */
export interface EvidenceIds {
  runs: string[];
  kpiReports: string[];
  disputes: string[];
}

/** Three queries, whatever the agent's history. */
export async function evidenceIdsOf(manager: EntityManager, agentId: string): Promise<EvidenceIds> {
  const [runs, reports, disputes] = await Promise.all([
    manager.find(EvaluationEvidence, { select: { runId: true }, where: { agentId, setAsideAt: IsNull() } }),
    manager.find(KpiReport, { select: { id: true }, where: { agentId } }),
    manager.find(DisputeState, { select: { disputeId: true, version: true }, where: { agentId } }),
  ]);
  const sorted = (ids: string[]) => ids.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return {
    runs: sorted(runs.map((run) => run.runId)),
    kpiReports: sorted(reports.map((report) => report.id)),
    disputes: sorted(disputes.map((dispute) => `${dispute.disputeId}@${dispute.version}`)),
  };
}

/** `sha256:<hex>` of the canonical JSON of `{ runs, kpiReports, disputes }`. */
export function evidenceDigest(ids: EvidenceIds): string {
  return canonicalDigest(ids);
}
