import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from "type-graphql";
import { AgentDomain } from "../../../lib/contracts/agent-domain.js";
import { BadUserInputError } from "../../../lib/platform/errors.js";
import { AgentRef } from "../agent.stub.js";
import { mayReadEscalationOwner, maySeePact, requirePactAuthor } from "../pacts.access.js";
import { ConsequenceStep, EscalationRouteStep } from "./consequence.types.js";
import { EscalationOwner, Pact, PactClause } from "./pact.entity.js";
import { PactStatus } from "../pact.enums.js";
import { AmendPactInput, CreatePactInput, EscalationOwnerInput } from "./pact.inputs.js";
import { activatePact } from "./pact.activate.js";
import { amendPact } from "./pact.amend.js";
import { createPact } from "./pact.create.js";
import { retirePact } from "./pact.retire.js";
import { adoptPactTemplate } from "./pact-template.adopt.js";
import { PACT_TEMPLATES, clauseStatement } from "./pact.templates.js";
import type { PactsContext } from "../pacts.context.js";
import type { PactSummary } from "../pacts.loader.js";

const MAX_REASON_LENGTH = 500;

@Resolver(() => Pact)
export class PactResolver {
  @Query(() => Pact, {
    nullable: true,
    description:
      "One pact version by id; null when there is none, or when it never came into force and the caller is neither its author nor an arbiter.",
  })
  async pact(
    @Arg("id", () => ID, { description: "The pact version's id." }) id: string,
    @Ctx() context: PactsContext,
  ): Promise<PactSummary | null> {
    const pact = await context.pactById.load(id);
    return pact && maySeePact(context.identity, pact) ? pact : null;
  }

  @Mutation(() => Pact, {
    description:
      "Binds one of the caller's agents to an ACTIVE pact built from a template; refused while the agent has an active or draft pact for the workflow.",
  })
  async adoptPactTemplate(
    @Arg("agentId", () => ID, { description: "The agent to bind; the caller must own it." }) agentId: string,
    @Arg("template", () => String, { description: `Template name: ${Object.keys(PACT_TEMPLATES).join(", ")}.` }) templateName: string,
    @Arg("escalationOwner", () => EscalationOwnerInput, { nullable: true, description: "Who owns escalations; defaults to the caller." })
    escalationOwner: EscalationOwnerInput | null | undefined,
    @Ctx() context: PactsContext,
  ): Promise<Pact> {
    return adoptPactTemplate(context.dataSource, requirePactAuthor(context.identity), { agentId, templateName, escalationOwner });
  }

  @Mutation(() => Pact, {
    description:
      "Writes a new pact from scratch as a DRAFT; `activatePact` puts it in force. Refused while the agent has an open pact for the workflow.",
  })
  async createPact(
    @Arg("input", () => CreatePactInput, { description: "The agent, the workflow and the terms." }) input: CreatePactInput,
    @Ctx() context: PactsContext,
  ): Promise<Pact> {
    return createPact(context.dataSource, requirePactAuthor(context.identity), input);
  }

  @Mutation(() => Pact, {
    description:
      "Amends an ACTIVE pact: writes the next version as a DRAFT with the changes applied; the active version stays in force until the draft is activated.",
  })
  async amendPact(
    @Arg("pactId", () => ID, { description: "The active version to amend." }) pactId: string,
    @Arg("input", () => AmendPactInput, { description: "What changes; anything left out is carried over." }) input: AmendPactInput,
    @Ctx() context: PactsContext,
  ): Promise<Pact> {
    return amendPact(context.dataSource, requirePactAuthor(context.identity), pactId, input);
  }

  @Mutation(() => Pact, {
    description: "Puts a DRAFT in force. The version it amends becomes SUPERSEDED; refused if that version is no longer the active one.",
  })
  async activatePact(
    @Arg("pactId", () => ID, { description: "The draft to activate." }) pactId: string,
    @Ctx() context: PactsContext,
  ): Promise<Pact> {
    return activatePact(context.dataSource, requirePactAuthor(context.identity), pactId);
  }

  @Mutation(() => Pact, {
    description:
      "Withdraws an ACTIVE version without a successor, or discards a DRAFT. Runs already submitted are still judged against it.",
  })
  async retirePact(
    @Arg("pactId", () => ID, { description: "The version to retire." }) pactId: string,
    @Arg("reason", () => String, {
      nullable: true,
      description: `Why, in at most ${MAX_REASON_LENGTH} characters; shown with the version.`,
    })
    reason: string | null | undefined,
    @Ctx() context: PactsContext,
  ): Promise<Pact> {
    const builder = requirePactAuthor(context.identity);
    const trimmed = reason?.trim() || null;
    if (trimmed && trimmed.length > MAX_REASON_LENGTH)
      throw new BadUserInputError("reason", `must be at most ${MAX_REASON_LENGTH} characters`);
    return retirePact(context.dataSource, builder, pactId, trimmed);
  }

  @FieldResolver(() => [PactClause], { description: "The pact's clauses, in order." })
  clauses(@Root() pact: PactSummary, @Ctx() context: PactsContext): Promise<PactClause[]> {
    return context.clausesByPactId.load(pact.id);
  }

  // The terms are left out of the loaders' reads (pacts.loader.ts): a version read whole, as a
  // mutation returns it, has them; one a loader read gets them here, one query for the request.
  @FieldResolver(() => [EscalationRouteStep])
  async escalationRoute(@Root() pact: PactSummary, @Ctx() context: PactsContext): Promise<EscalationRouteStep[]> {
    return pact.escalationRoute ?? (await context.pactTermsById.load(pact.id))!.escalationRoute;
  }

  @FieldResolver(() => [ConsequenceStep])
  async consequenceLadder(@Root() pact: PactSummary, @Ctx() context: PactsContext): Promise<ConsequenceStep[]> {
    return pact.consequenceLadder ?? (await context.pactTermsById.load(pact.id))!.consequenceLadder;
  }

  @FieldResolver(() => Pact, {
    nullable: true,
    description: "The version this one amends; null for a first version or one written from scratch.",
  })
  async amends(@Root() pact: PactSummary, @Ctx() context: PactsContext): Promise<PactSummary | null> {
    return pact.amendsPactId ? context.pactById.load(pact.amendsPactId) : null;
  }

  @FieldResolver(() => EscalationOwner, {
    nullable: true,
    description:
      "Who owns escalations under this pact. Contacts are personal data: visible to the builder who wrote the version and to arbiters, null for anyone else.",
  })
  escalationOwner(@Root() pact: PactSummary, @Ctx() { identity }: PactsContext): EscalationOwner | null {
    if (!mayReadEscalationOwner(identity, pact)) return null;
    return { team: pact.escalationTeam, contact: pact.escalationContact, ackDeadlineMinutes: pact.ackDeadlineMinutes };
  }

  @FieldResolver(() => AgentRef, { description: "The agent bound by the pact." })
  agent(@Root() pact: PactSummary): AgentRef {
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
  @FieldResolver(() => [Pact], {
    description:
      "The agent's pact versions, the history included, by workflow and newest version first. Versions that never came into force only for their author and arbiters.",
  })
  async pacts(
    @Root() agent: AgentRef,
    @Arg("workflow", () => AgentDomain, { nullable: true, description: "Only this workflow's versions." }) workflow:
      | AgentDomain
      | null
      | undefined,
    @Arg("statuses", () => [PactStatus], { nullable: true, description: "Only versions in these states, e.g. [ACTIVE]." }) statuses:
      | PactStatus[]
      | null
      | undefined,
    @Ctx() context: PactsContext,
  ): Promise<PactSummary[]> {
    const versions = await context.pactsByAgentId.load(agent.id);
    return versions.filter(
      (pact) =>
        maySeePact(context.identity, pact) && (!workflow || pact.workflow === workflow) && (!statuses || statuses.includes(pact.status)),
    );
  }
}
