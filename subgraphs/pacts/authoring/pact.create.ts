import type { DataSource } from "typeorm";
import { inTransaction } from "../../../lib/platform/database.js";
import { BadUserInputError, ConflictError } from "../../../lib/platform/errors.js";
import { requireAgentOwner } from "../pacts.access.js";
import { PactStatus } from "../pact.enums.js";
import type { Pact } from "./pact.entity.js";
import type { CreatePactInput } from "./pact.inputs.js";
import { clauseOf, escalationOf, insertVersion, openVersions, raceToConflict, refuseSecondDraft } from "./pact.lifecycle.js";
import { DEFAULT_LADDER, DEFAULT_ROUTE } from "./pact.templates.js";
import { checkPactTerms } from "./pact.validation.js";

const DEFAULT_ACK_DEADLINE_MINUTES = 60;

/**
 * Writes a new pact from scratch as a DRAFT of the builder's agent; `activatePact` puts it in
 * force. Refused while the agent has an open pact for the workflow.
 */
export async function createPact(dataSource: DataSource, builder: string, input: CreatePactInput): Promise<Pact> {
  const terms = checkPactTerms(
    input.workflow,
    {
      passThreshold: input.passThreshold,
      clauses: input.clauses.map(clauseOf),
      consequenceLadder: input.consequenceLadder ?? DEFAULT_LADDER,
      escalationRoute: input.escalationRoute ?? (input.consequenceLadder ? [] : DEFAULT_ROUTE),
    },
    "input",
  );
  return inTransaction(dataSource, async (manager) => {
    const agent = await requireAgentOwner(manager, input.agentId, builder, "input.agentId");
    if (!agent.domains.includes(input.workflow))
      throw new BadUserInputError("input.workflow", `the agent does not serve ${input.workflow}`);
    const { draft, active } = await openVersions(manager, input.agentId, input.workflow);
    if (active)
      throw new ConflictError(
        "input.agentId",
        `the agent already has an active ${input.workflow} pact (version ${active.version}); amend it instead`,
      );
    refuseSecondDraft(draft, "input.agentId");
    return insertVersion(manager, {
      agentId: input.agentId,
      workflow: input.workflow,
      template: null,
      status: PactStatus.DRAFT,
      amendsPactId: null,
      terms,
      escalation: escalationOf(input.escalationOwner, builder, DEFAULT_ACK_DEADLINE_MINUTES),
      createdBy: builder,
    });
  }).catch(raceToConflict("input.agentId"));
}
