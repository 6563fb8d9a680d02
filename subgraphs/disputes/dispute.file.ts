import { randomUUID } from "node:crypto";
import { In, type EntityManager } from "typeorm";
import { findAgent } from "../../lib/contracts/agent-directory.js";
import { inTransaction, lockRow } from "../../lib/platform/database.js";
import { BadUserInputError, ConflictError, NotFoundError } from "../../lib/platform/errors.js";
import { DisputeFiler } from "./dispute-filer.entity.js";
import { DisputeTransition } from "./dispute-transition.entity.js";
import { Dispute, DisputeCategory, DisputeKind, DisputeSeverity, DisputeStatus, type DisputeEvidence } from "./dispute.entity.js";
import type { DisputeEvidenceInput, FileDisputeInput } from "./dispute.inputs.js";
import { ACTIVE_STATUSES, actorOf, filerRole, report } from "./dispute.lifecycle.js";
import { logDisputeTransition } from "./dispute.log.js";
import { requireNotOwnAgent } from "./disputes.access.js";
import type { DisputesContext, DisputesOptions } from "./disputes.context.js";

const HOUR_MS = 3600 * 1000;
/** How far back the disputed behaviour may lie. */
const MAX_AGE_MS = 2 * 365 * 24 * HOUR_MS;

/**
 * Serialises one filer's filings against one agent, before any read: the open-dispute cap is
 * counted after it, so concurrent filings cannot all see the count from before the others.
 */
export async function lockFiler(manager: EntityManager, agentId: string, filedBy: string): Promise<void> {
  await lockRow(manager, DisputeFiler, { agentId, filedBy }, ["agent_id", "filed_by"], { agentId, filedBy });
}

/** Open disputes weigh on an agent (and on arbiters): one filer may not pile them up. Under lockFiler. */
export async function checkOpenCap(
  manager: EntityManager,
  agentId: string,
  filedBy: string,
  options: DisputesOptions,
  field: string,
): Promise<void> {
  const open = await manager.countBy(Dispute, { agentId, filedBy, status: In(ACTIVE_STATUSES) });
  if (open >= options.maxOpenPerFiler) {
    throw new ConflictError(field, `you already have ${open} open disputes about this agent; add to one of them or wait for arbitration`);
  }
}

const REFERENCE_NAMES = { caseIds: "a case", runIds: "a run", kpiReportIds: "a KPI report" } as const;

/**
 * The evidence a dispute rests on, its references checked against the agent's own runs and KPI
 * reports (public ids), and its evaluation cases for the builder who submitted them: a reference
 * to another agent's evidence, or to none, is refused by its path. A buyer's case ids are their
 * own labels, kept as given: case ids are private to the builder, and checking them would let
 * anyone probe which exist.
 */
export async function checkedEvidence(
  manager: EntityManager,
  agentId: string,
  input: DisputeEvidenceInput | undefined,
  options: DisputesOptions,
  filer: "buyer" | "builder",
): Promise<DisputeEvidence> {
  const evidence = evidenceOf(input);
  const foreign = await options.agentEvidence.foreign(manager, agentId, {
    ...evidence,
    caseIds: filer === "builder" ? evidence.caseIds : [],
  });
  for (const kind of ["caseIds", "runIds", "kpiReportIds"] as const) {
    const first = foreign[kind][0];
    if (first !== undefined)
      throw new BadUserInputError(
        `input.evidence.${kind}[${evidence[kind].indexOf(first)}]`,
        `is not ${REFERENCE_NAMES[kind]} of this agent`,
      );
  }
  return evidence;
}

function evidenceOf(input: DisputeEvidenceInput | undefined): DisputeEvidence {
  return {
    caseIds: input?.caseIds ?? [],
    runIds: input?.runIds ?? [],
    kpiReportIds: input?.kpiReportIds ?? [],
    external: (input?.external ?? []).map(({ url, sha256 }) => ({ url, sha256: sha256.toLowerCase() })),
  };
}

/** A new dispute's deadlines, counted from its filing. */
function deadlinesFrom(filedAt: Date, options: DisputesOptions): Pick<Dispute, "responseDueAt" | "resolutionDueAt"> {
  return {
    responseDueAt: new Date(filedAt.getTime() + options.responseHours * HOUR_MS),
    resolutionDueAt: new Date(filedAt.getTime() + options.resolutionDays * 24 * HOUR_MS),
  };
}

/** What a filing says; the rest of a new dispute is the same for every kind (see recordFiling). */
export type Filing = Pick<
  Dispute,
  | "agentId"
  | "kind"
  | "contestedKind"
  | "contestedId"
  | "respondent"
  | "category"
  | "statement"
  | "severity"
  | "evidence"
  | "filedBy"
  | "filedAt"
  | "occurredAt"
>;

/** Records a new dispute, OPEN and unassigned, with its filing transition, and tells reputation of a complaint. */
export async function recordFiling(manager: EntityManager, filing: Filing, options: DisputesOptions): Promise<Dispute> {
  const dispute = Object.assign(new Dispute(), {
    ...filing,
    id: randomUUID(),
    status: DisputeStatus.OPEN,
    outcome: null,
    assignedTo: null,
    ...deadlinesFrom(filing.filedAt, options),
    escalatedAt: null,
    closedAt: null,
    version: 1,
  });
  await manager.insert(Dispute, dispute);
  const actor = actorOf(filerRole(dispute.kind), dispute.filedBy);
  await manager.insert(DisputeTransition, {
    id: randomUUID(),
    disputeId: dispute.id,
    version: 1,
    from: null,
    to: DisputeStatus.OPEN,
    outcome: null,
    actor,
    note: "filed",
    at: dispute.filedAt,
  });
  await logDisputeTransition(manager, dispute, null, dispute.filedAt);
  await report(manager, dispute, dispute.filedAt, options.onDisputeChanged);
  return dispute;
}

/** A buyer's complaint about an agent that is not their own, within the open-dispute cap. */
export async function fileComplaint(context: DisputesContext, buyer: string, input: FileDisputeInput): Promise<Dispute> {
  const now = new Date();
  const occurredAt = input.occurredAt ?? now;
  if (occurredAt.getTime() > now.getTime()) throw new BadUserInputError("input.occurredAt", "is in the future");
  if (now.getTime() - occurredAt.getTime() > MAX_AGE_MS) throw new BadUserInputError("input.occurredAt", "is more than two years back");
  const { options } = context;
  return inTransaction(context.dataSource, async (manager) => {
    await lockFiler(manager, input.agentId, buyer);
    const agent = await findAgent(manager, input.agentId);
    if (!agent) throw new NotFoundError("input.agentId", "agent", input.agentId);
    requireNotOwnAgent(agent, buyer);
    await checkOpenCap(manager, input.agentId, buyer, options, "input.agentId");
    const evidence = await checkedEvidence(manager, input.agentId, input.evidence, options, "buyer");
    return recordFiling(
      manager,
      {
        agentId: input.agentId,
        kind: DisputeKind.COMPLAINT,
        contestedKind: null,
        contestedId: null,
        respondent: null,
        category: input.category ?? DisputeCategory.OTHER,
        statement: input.statement.trim(),
        severity: input.severity ?? DisputeSeverity.MAJOR,
        evidence,
        filedBy: buyer,
        filedAt: now,
        occurredAt,
      },
      options,
    );
  });
}
