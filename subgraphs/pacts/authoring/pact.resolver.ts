import { isDeepStrictEqual } from "node:util";
import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from "type-graphql";
import { AgentDomain } from "../../../lib/contracts/agent-domain.js";
import { inTransaction, isUniqueViolation } from "../../../lib/platform/database.js";
import { BadUserInputError, ConflictError } from "../../../lib/platform/errors.js";
import { isArbiterOr, requireRole, type Identity } from "../../../lib/platform/identity.js";
import { AgentRef } from "../agent.stub.js";
import { EscalationOwner, Pact, PactClause } from "./pact.entity.js";
import { PactStatus } from "../pact.enums.js";
import { AmendPactInput, CreatePactInput, EscalationOwnerInput, type ClauseInput } from "./pact.inputs.js";
import {
  activateDraft,
  insertVersion,
  openVersions,
  ownedAgent,
  ownedPact,
  refuseSecondDraft,
  retireVersion,
  termsOf,
  type Escalation,
} from "./pact.lifecycle.js";
import { DEFAULT_LADDER, DEFAULT_ROUTE, PACT_TEMPLATES, clauseStatement, type ClauseTemplate } from "./pact.templates.js";
import { checkPactTerms } from "./pact.validation.js";
import type { PactsContext } from "../pacts.context.js";

const DEFAULT_ACK_DEADLINE_MINUTES = 60;
const MAX_REASON_LENGTH = 500;

/**
 * A version that never came into force (a draft, or a draft discarded) is work in progress: only
 * its author (the agent's owner) and arbiters see it. Every version that was in force is public.
 */
export function canSee(pact: Pact, identity: Identity): boolean {
  return pact.activatedAt !== null || isArbiterOr(identity, "builder", pact.createdBy);
}

function escalationOf(input: EscalationOwnerInput | null | undefined, builder: string, ackDeadlineMinutes: number): Escalation {
  return input
    ? { team: input.team.trim(), contact: input.contact.trim(), ackDeadlineMinutes: input.ackDeadlineMinutes ?? ackDeadlineMinutes }
    : { team: `builder:${builder}`, contact: builder, ackDeadlineMinutes };
}

function clauseOf(input: ClauseInput): ClauseTemplate {
  const { key, metric, comparator, threshold, method, weight, severity } = input;
  return { key, metric, comparator, threshold, windowCases: input.windowCases ?? null, windowDays: input.windowDays ?? null, method, weight, severity };
}

/** Two writers raced for the same version number or open slot; the loser is told to look again. */
function raceToConflict(field: string) {
  return (error: unknown): never => {
    if (isUniqueViolation(error)) throw new ConflictError(field, "another change to this agent's pacts for the workflow was made at the same time; read them and try again");
    throw error;
  };
}

@Resolver(() => Pact)
export class PactResolver {
  @Query(() => Pact, { nullable: true, description: "One pact version by id; null when there is none, or when it never came into force and the caller is neither its author nor an arbiter." })
  async pact(@Arg("id", () => ID, { description: "The pact version's id." }) id: string, @Ctx() context: PactsContext): Promise<Pact | null> {
    const pact = await context.pactById.load(id);
    return pact && canSee(pact, context.identity) ? pact : null;
  }

  @Mutation(() => Pact, { description: "Binds one of the caller's agents to an ACTIVE pact built from a template; refused while the agent has an active or draft pact for the workflow." })
  async adoptPactTemplate(
    @Arg("agentId", () => ID, { description: "The agent to bind; the caller must own it." }) agentId: string,
    @Arg("template", () => String, { description: `Template name: ${Object.keys(PACT_TEMPLATES).join(", ")}.` }) templateName: string,
    @Arg("escalationOwner", () => EscalationOwnerInput, { nullable: true, description: "Who owns escalations; defaults to the caller." })
    escalationOwner: EscalationOwnerInput | null | undefined,
    @Ctx() context: PactsContext,
  ): Promise<Pact> {
    const builder = requireRole(context.identity, "builder");
    const template = Object.hasOwn(PACT_TEMPLATES, templateName) ? PACT_TEMPLATES[templateName] : undefined;
    if (!template) throw new BadUserInputError("template", `unknown template "${templateName}"; available: ${Object.keys(PACT_TEMPLATES).join(", ")}`);
    const terms = checkPactTerms(template.workflow, template, "template");
    return inTransaction(context.dataSource, async (manager) => {
      const agent = await ownedAgent(manager, agentId, builder, "agentId");
      if (!agent.domains.includes(template.workflow)) {
        throw new BadUserInputError("template", `the agent does not serve ${template.workflow}, which template "${template.name}" covers`);
      }
      const { draft, active } = await openVersions(manager, agentId, template.workflow);
      if (active) throw new ConflictError("agentId", `the agent already has an active ${template.workflow} pact (version ${active.version}); amend it instead`);
      // Adopting past an open draft would leave it impossible to activate.
      refuseSecondDraft(draft, "agentId");
      return insertVersion(manager, {
        agentId,
        workflow: template.workflow,
        template: template.name,
        status: PactStatus.ACTIVE,
        amendsPactId: null,
        terms,
        escalation: escalationOf(escalationOwner, builder, template.ackDeadlineMinutes),
        createdBy: builder,
      });
    }).catch(raceToConflict("agentId"));
  }

  @Mutation(() => Pact, { description: "Writes a new pact from scratch as a DRAFT; `activatePact` puts it in force. Refused while the agent has an open pact for the workflow." })
  async createPact(@Arg("input", () => CreatePactInput, { description: "The agent, the workflow and the terms." }) input: CreatePactInput, @Ctx() context: PactsContext): Promise<Pact> {
    const builder = requireRole(context.identity, "builder");
    const terms = checkPactTerms(input.workflow, {
      passThreshold: input.passThreshold,
      clauses: input.clauses.map(clauseOf),
      consequenceLadder: input.consequenceLadder ?? DEFAULT_LADDER,
      escalationRoute: input.escalationRoute ?? (input.consequenceLadder ? [] : DEFAULT_ROUTE),
    }, "input");
    return inTransaction(context.dataSource, async (manager) => {
      const agent = await ownedAgent(manager, input.agentId, builder, "input.agentId");
      if (!agent.domains.includes(input.workflow)) throw new BadUserInputError("input.workflow", `the agent does not serve ${input.workflow}`);
      const { draft, active } = await openVersions(manager, input.agentId, input.workflow);
      if (active) throw new ConflictError("input.agentId", `the agent already has an active ${input.workflow} pact (version ${active.version}); amend it instead`);
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

  @Mutation(() => Pact, { description: "Amends an ACTIVE pact: writes the next version as a DRAFT with the changes applied; the active version stays in force until the draft is activated." })
  async amendPact(
    @Arg("pactId", () => ID, { description: "The active version to amend." }) pactId: string,
    @Arg("input", () => AmendPactInput, { description: "What changes; anything left out is carried over." }) input: AmendPactInput,
    @Ctx() context: PactsContext,
  ): Promise<Pact> {
    const builder = requireRole(context.identity, "builder");
    return inTransaction(context.dataSource, async (manager) => {
      const pact = await ownedPact(manager, pactId, builder);
      if (pact.status !== PactStatus.ACTIVE) throw new BadUserInputError("pactId", `only an ACTIVE pact can be amended; version ${pact.version} is ${pact.status}`);
      const current = termsOf(pact, await manager.find(PactClause, { where: { pactId }, order: { position: "ASC" } }));
      const ladder = input.consequenceLadder ?? current.consequenceLadder;
      const terms = checkPactTerms(pact.workflow, {
        passThreshold: input.passThreshold ?? current.passThreshold,
        clauses: input.clauses?.map(clauseOf) ?? current.clauses,
        consequenceLadder: ladder,
        // A new ladder keeps the routing of the steps it still has.
        escalationRoute: input.escalationRoute ?? current.escalationRoute.filter((entry) => ladder.some((step) => step.action === entry.action)),
      }, "input");
      const escalation = input.escalationOwner
        ? escalationOf(input.escalationOwner, builder, pact.ackDeadlineMinutes)
        : { team: pact.escalationTeam, contact: pact.escalationContact, ackDeadlineMinutes: pact.ackDeadlineMinutes };
      const unchanged = isDeepStrictEqual(terms, current) && escalation.team === pact.escalationTeam && escalation.contact === pact.escalationContact && escalation.ackDeadlineMinutes === pact.ackDeadlineMinutes;
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

  @Mutation(() => Pact, { description: "Puts a DRAFT in force. The version it amends becomes SUPERSEDED; refused if that version is no longer the active one." })
  async activatePact(@Arg("pactId", () => ID, { description: "The draft to activate." }) pactId: string, @Ctx() context: PactsContext): Promise<Pact> {
    const builder = requireRole(context.identity, "builder");
    return inTransaction(context.dataSource, async (manager) => activateDraft(manager, await ownedPact(manager, pactId, builder))).catch(raceToConflict("pactId"));
  }

  @Mutation(() => Pact, { description: "Withdraws an ACTIVE version without a successor, or discards a DRAFT. Runs already submitted are still judged against it." })
  async retirePact(
    @Arg("pactId", () => ID, { description: "The version to retire." }) pactId: string,
    @Arg("reason", () => String, { nullable: true, description: `Why, in at most ${MAX_REASON_LENGTH} characters; shown with the version.` }) reason: string | null | undefined,
    @Ctx() context: PactsContext,
  ): Promise<Pact> {
    const builder = requireRole(context.identity, "builder");
    const trimmed = reason?.trim() || null;
    if (trimmed && trimmed.length > MAX_REASON_LENGTH) throw new BadUserInputError("reason", `must be at most ${MAX_REASON_LENGTH} characters`);
    return inTransaction(context.dataSource, async (manager) => retireVersion(manager, await ownedPact(manager, pactId, builder), trimmed));
  }

  @FieldResolver(() => [PactClause], { description: "The pact's clauses, in order." })
  clauses(@Root() pact: Pact, @Ctx() context: PactsContext): Promise<PactClause[]> {
    return context.clausesByPactId.load(pact.id);
  }

  @FieldResolver(() => Pact, { nullable: true, description: "The version this one amends; null for a first version or one written from scratch." })
  async amends(@Root() pact: Pact, @Ctx() context: PactsContext): Promise<Pact | null> {
    return pact.amendsPactId ? context.pactById.load(pact.amendsPactId) : null;
  }

  @FieldResolver(() => EscalationOwner, {
    nullable: true,
    description: "Who owns escalations under this pact. Contacts are personal data: visible to the builder who wrote the version and to arbiters, null for anyone else.",
  })
  escalationOwner(@Root() pact: Pact, @Ctx() { identity }: PactsContext): EscalationOwner | null {
    return isArbiterOr(identity, "builder", pact.createdBy) ? { team: pact.escalationTeam, contact: pact.escalationContact, ackDeadlineMinutes: pact.ackDeadlineMinutes } : null;
  }

  @FieldResolver(() => AgentRef, { description: "The agent bound by the pact." })
  agent(@Root() pact: Pact): AgentRef {
    return { id: pact.agentId };
  }
}

@Resolver(() => PactClause)
export class PactClauseResolver {
  @FieldResolver(() => String, { description: "The clause in words, generated from its fields." })
  statement(@Root() clause: PactClause): string {
    return clauseStatement(clause);
  }
}

@Resolver(() => AgentRef)
export class AgentPactsResolver {
  @FieldResolver(() => [Pact], { description: "The agent's pact versions, the history included, by workflow and newest version first. Versions that never came into force only for their author and arbiters." })
  async pacts(
    @Root() agent: AgentRef,
    @Arg("workflow", () => AgentDomain, { nullable: true, description: "Only this workflow's versions." }) workflow: AgentDomain | null | undefined,
    @Arg("statuses", () => [PactStatus], { nullable: true, description: "Only versions in these states, e.g. [ACTIVE]." }) statuses: PactStatus[] | null | undefined,
    @Ctx() context: PactsContext,
  ): Promise<Pact[]> {
    const versions = await context.pactsByAgentId.load(agent.id);
    return versions.filter((pact) => canSee(pact, context.identity) && (!workflow || pact.workflow === workflow) && (!statuses || statuses.includes(pact.status)));
  }
}
