import type { DataSource } from "typeorm";
import { inTransaction } from "../../../lib/platform/database.js";
import { BadUserInputError, ConflictError } from "../../../lib/platform/errors.js";
import { requireAgentOwner } from "../pacts.access.js";
import { PactStatus } from "../pact.enums.js";
import { logPactActivated } from "../pact.log.js";
import type { Pact } from "./pact.entity.js";
import type { EscalationOwnerInput } from "./pact.inputs.js";
import { escalationOf, insertVersion, openVersions, raceToConflict, refuseSecondDraft } from "./pact.lifecycle.js";
import { PACT_TEMPLATES } from "./pact.templates.js";
import { checkPactTerms } from "./pact.validation.js";

/** What `adoptPactTemplate` is given. */
export interface AdoptPactTemplate {
  agentId: string;
  templateName: string;
  escalationOwner: EscalationOwnerInput | null | undefined;
}

/**
 * Binds one of the builder's agents to an ACTIVE pact built from a template; refused while the
 * agent has an active or draft pact for the template's workflow.
 */
export async function adoptPactTemplate(
  dataSource: DataSource,
  builder: string,
  { agentId, templateName, escalationOwner }: AdoptPactTemplate,
): Promise<Pact> {
  const template = Object.hasOwn(PACT_TEMPLATES, templateName) ? PACT_TEMPLATES[templateName] : undefined;
  if (!template)
    throw new BadUserInputError("template", `unknown template "${templateName}"; available: ${Object.keys(PACT_TEMPLATES).join(", ")}`);
  const terms = checkPactTerms(template.workflow, template, "template");
  return inTransaction(dataSource, async (manager) => {
    const agent = await requireAgentOwner(manager, agentId, builder, "agentId");
    if (!agent.domains.includes(template.workflow)) {
      throw new BadUserInputError("template", `the agent does not serve ${template.workflow}, which template "${template.name}" covers`);
    }
    const { draft, active } = await openVersions(manager, agentId, template.workflow);
    if (active)
      throw new ConflictError(
        "agentId",
        `the agent already has an active ${template.workflow} pact (version ${active.version}); amend it instead`,
      );
    // Adopting past an open draft would leave it impossible to activate.
    refuseSecondDraft(draft, "agentId");
    const pact = await insertVersion(manager, {
      agentId,
      workflow: template.workflow,
      template: template.name,
      status: PactStatus.ACTIVE,
      amendsPactId: null,
      terms,
      escalation: escalationOf(escalationOwner, builder, template.ackDeadlineMinutes),
      createdBy: builder,
    });
    // Adopted in force at once: the same act as activating a draft.
    await logPactActivated(manager, pact, null, pact.createdAt);
    return pact;
  }).catch(raceToConflict("agentId"));
}
