import { isDeepStrictEqual } from "node:util";
import type { DataSource } from "typeorm";
import { inTransaction } from "../../../lib/platform/database.js";
import { BadUserInputError } from "../../../lib/platform/errors.js";
import { requirePactOwner } from "../pacts.access.js";
import { PactStatus } from "../pact.enums.js";
import { PactClause, type Pact } from "./pact.entity.js";
import type { AmendPactInput } from "./pact.inputs.js";
import {
  clauseOf,
  escalationOf,
  insertVersion,
  lockedPact,
  openVersions,
  raceToConflict,
  refuseSecondDraft,
  termsOf,
} from "./pact.lifecycle.js";
import { checkPactTerms } from "./pact.validation.js";

/**
 * Amends an ACTIVE version of the builder's agent's pact: writes the next version as a DRAFT with
 * the changes applied, the rest carried over; the active version stays in force until the draft
 * is activated.
 */
export async function amendPact(dataSource: DataSource, builder: string, pactId: string, input: AmendPactInput): Promise<Pact> {
  return inTransaction(dataSource, async (manager) => {
    const pact = await lockedPact(manager, pactId);
    await requirePactOwner(manager, pact, builder);
    if (pact.status !== PactStatus.ACTIVE)
      throw new BadUserInputError("pactId", `only an ACTIVE pact can be amended; version ${pact.version} is ${pact.status}`);
    const current = termsOf(pact, await manager.find(PactClause, { where: { pactId }, order: { position: "ASC" } }));
    const ladder = input.consequenceLadder ?? current.consequenceLadder;
    const terms = checkPactTerms(
      pact.workflow,
      {
        passThreshold: input.passThreshold ?? current.passThreshold,
        clauses: input.clauses?.map(clauseOf) ?? current.clauses,
        consequenceLadder: ladder,
        // A new ladder keeps the routing of the steps it still has.
        escalationRoute:
          input.escalationRoute ?? current.escalationRoute.filter((entry) => ladder.some((step) => step.action === entry.action)),
      },
      "input",
    );
    const escalation = input.escalationOwner
      ? escalationOf(input.escalationOwner, builder, pact.ackDeadlineMinutes)
      : { team: pact.escalationTeam, contact: pact.escalationContact, ackDeadlineMinutes: pact.ackDeadlineMinutes };
    const unchanged =
      isDeepStrictEqual(terms, current) &&
      escalation.team === pact.escalationTeam &&
      escalation.contact === pact.escalationContact &&
      escalation.ackDeadlineMinutes === pact.ackDeadlineMinutes;
    if (unchanged) throw new BadUserInputError("input", "the amendment changes nothing");
    refuseSecondDraft((await openVersions(manager, pact.agentId, pact.workflow)).draft, "pactId");
    return insertVersion(manager, {
      agentId: pact.agentId,
      workflow: pact.workflow,
      template: pact.template,
      status: PactStatus.DRAFT,
      amendsPactId: pact.id,
      terms,
      escalation,
      createdBy: builder,
    });
  }).catch(raceToConflict("pactId"));
}
