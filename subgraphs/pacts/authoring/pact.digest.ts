import { In, type EntityManager } from "typeorm";
import type { ActivePactDigest } from "../../../lib/contracts/pact-digests.js";
import { canonicalDigest } from "../../../lib/platform/canonical-json.js";
import { PactStatus } from "../pact.enums.js";
import { Pact, PactClause } from "./pact.entity.js";

/**
 * A pact version's canonical content: everything that binds the agent (terms, escalation owner,
 * ladder, route, clauses in order), and not its lifecycle (status, times), which changes while the
 * content cannot. docs/attestations.md lists the fields, so a partner can recompute the digest.
 */
export function pactContent(pact: Pact, clauses: PactClause[]) {
  return {
    id: pact.id,
    agentId: pact.agentId,
    workflow: pact.workflow,
    version: pact.version,
    passThreshold: pact.passThreshold,
    escalationOwner: { team: pact.escalationTeam, contact: pact.escalationContact, ackDeadlineMinutes: pact.ackDeadlineMinutes },
    escalationRoute: pact.escalationRoute,
    consequenceLadder: pact.consequenceLadder,
    clauses: [...clauses]
      .sort((a, b) => a.position - b.position)
      .map((clause) => ({
        key: clause.key,
        metric: clause.metric,
        comparator: clause.comparator,
        threshold: clause.threshold,
        windowCases: clause.windowCases,
        windowDays: clause.windowDays,
        method: clause.method,
        weight: clause.weight,
        severity: clause.severity,
      })),
  };
}

/** The agent's active pact versions with their content digests: two queries, whatever the number of pacts. */
export async function activePactDigests(manager: EntityManager, agentId: string): Promise<ActivePactDigest[]> {
  const pacts = await manager.find(Pact, { where: { agentId, status: PactStatus.ACTIVE }, order: { workflow: "ASC", id: "ASC" } });
  if (pacts.length === 0) return [];
  const clauses = await manager.find(PactClause, { where: { pactId: In(pacts.map((pact) => pact.id)) } });
  return pacts.map((pact) => ({
    id: pact.id,
    version: pact.version,
    workflow: pact.workflow,
    digest: canonicalDigest(
      pactContent(
        pact,
        clauses.filter((clause) => clause.pactId === pact.id),
      ),
    ),
  }));
}
