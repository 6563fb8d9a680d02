import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from "type-graphql";
import { BadUserInputError } from "../../lib/platform/errors.js";
import { SUBJECT_PATTERN } from "../../lib/platform/identity.js";
import { AgentRef } from "./agent.stub.js";
import {
  mayReadInFull,
  requireAppellant,
  requireArbiter,
  requireComplainant,
  requireDisputesScope,
  requireReader,
  requireSignedIn,
  requireWithdrawer,
} from "./disputes.access.js";
import { fileAppeal } from "./dispute.appeal.js";
import { assignDispute } from "./dispute.assign.js";
import { Dispute } from "./dispute.entity.js";
import { fileComplaint } from "./dispute.file.js";
import { AppealVerdictInput, DisputeFilter, FileDisputeInput, ResolveDisputeInput } from "./dispute.inputs.js";
import { listDisputes } from "./dispute.list.js";
import { resolveDispute } from "./dispute.resolve.js";
import { withdrawDispute } from "./dispute.withdraw.js";
import { DisputeConnection, DisputeSummary, DisputeSummaryConnection } from "./dispute-summary.types.js";
import { DisputeTransition } from "./dispute-transition.entity.js";
import type { DisputesContext } from "./disputes.context.js";

const pageArgs = {
  first: { nullable: true, description: "Page size, 1–100 (default 20)." },
  after: { nullable: true, description: "The `endCursor` of the previous page." },
} as const;

@Resolver(() => Dispute)
export class DisputeResolver {
  @Query(() => Dispute, {
    nullable: true,
    description: "One dispute in full; for its parties (filer, respondent, the agent's owner) and arbiters.",
  })
  async dispute(
    @Arg("id", () => ID, { description: "The dispute's id." }) id: string,
    @Ctx() context: DisputesContext,
  ): Promise<Dispute | null> {
    requireSignedIn(context.identity);
    requireDisputesScope(context.identity);
    const dispute = await context.dataSource.getRepository(Dispute).findOneBy({ id });
    if (!dispute) return null;
    await requireReader(context.dataSource.manager, context.identity, dispute);
    return dispute;
  }

  @Query(() => DisputeConnection, {
    description:
      "Disputes in full, newest first: all of them for arbiters; for a buyer those they filed or whose appeal answers them; for a builder those about their agents.",
  })
  async disputes(
    @Arg("filter", () => DisputeFilter, {
      nullable: true,
      description: "Conditions the disputes must meet; all disputes the caller may read when absent.",
    })
    filter: DisputeFilter | null,
    @Arg("first", () => Int, pageArgs.first) first: number | null,
    @Arg("after", () => String, pageArgs.after) after: string | null,
    @Ctx() context: DisputesContext,
  ): Promise<DisputeConnection> {
    requireSignedIn(context.identity);
    requireDisputesScope(context.identity);
    return listDisputes(context.dataSource, context.identity, filter, { first, after });
  }

  @Mutation(() => Dispute, {
    description:
      "Files a complaint about an agent's behaviour (buyers). Not about an agent of one's own, and at most a configured number open per filer and agent.",
  })
  fileDispute(
    @Arg("input", () => FileDisputeInput, { description: "The agent, what went wrong, how serious, and the evidence." })
    input: FileDisputeInput,
    @Ctx() context: DisputesContext,
  ): Promise<Dispute> {
    return fileComplaint(context, requireComplainant(context.identity), input);
  }

  @Mutation(() => Dispute, {
    description:
      "Appeals a verdict on one of the caller's agents (builders): an upheld complaint, a consequence step or a judged run's verdict (with its human reviews), within the appeal window, once per verdict. Granted, it reverses the verdict and what it did to trust.",
  })
  appealVerdict(
    @Arg("input", () => AppealVerdictInput, { description: "The verdict appealed, why it is wrong, and the evidence." })
    input: AppealVerdictInput,
    @Ctx() context: DisputesContext,
  ): Promise<Dispute> {
    return fileAppeal(context, requireAppellant(context.identity), input);
  }

  @Mutation(() => Dispute, { description: "Withdraws an open dispute; its filer only." })
  async withdrawDispute(
    @Arg("disputeId", () => ID, { description: "The dispute." }) disputeId: string,
    @Arg("reason", () => String, { description: "Why, for the record (1–2000 characters)." }) reason: string,
    @Ctx() context: DisputesContext,
  ): Promise<Dispute> {
    requireWithdrawer(context.identity);
    const note = reason.trim();
    if (note.length === 0 || note.length > 2000)
      throw new BadUserInputError("reason", "must be 1–2000 characters, not counting surrounding spaces");
    return withdrawDispute(context, context.identity, disputeId, note);
  }

  @Mutation(() => Dispute, {
    description:
      "Assigns an open dispute to an arbiter (the caller unless another is named), or reassigns one under review; arbiters only, never one involved in the dispute.",
  })
  async assignDispute(
    @Arg("disputeId", () => ID, { description: "The dispute." }) disputeId: string,
    @Arg("arbiter", () => ID, { nullable: true, description: "Subject of the arbiter to decide it; the caller when absent." }) arbiter:
      | string
      | null,
    @Ctx() context: DisputesContext,
  ): Promise<Dispute> {
    const caller = requireArbiter(context.identity);
    const assignee = arbiter ?? caller;
    if (!SUBJECT_PATTERN.test(assignee))
      throw new BadUserInputError("arbiter", "must be an arbiter's subject: 1–128 letters, digits and . _ @ : -");
    return assignDispute(context, caller, disputeId, assignee);
  }

  @Mutation(() => Dispute, {
    description:
      "Resolves a dispute under review as UPHELD, REJECTED or SETTLED; the assigned arbiter only. An upheld complaint counts against the agent's reputation by severity; an upheld (granted) appeal reverses the verdict it contests.",
  })
  async resolveDispute(
    @Arg("input", () => ResolveDisputeInput, { description: "The dispute, the outcome and why." }) input: ResolveDisputeInput,
    @Ctx() context: DisputesContext,
  ): Promise<Dispute> {
    return resolveDispute(context, requireArbiter(context.identity), input);
  }

  @FieldResolver(() => [DisputeTransition], { description: "Every step of the dispute, oldest first: who, when and why." })
  transitions(@Root() dispute: Dispute, @Ctx() context: DisputesContext): Promise<DisputeTransition[]> {
    return context.transitionsByDisputeId.load(dispute.id);
  }

  @FieldResolver(() => AgentRef, { description: "The agent disputed." })
  agent(@Root() dispute: Dispute): AgentRef {
    return { id: dispute.agentId };
  }
}

@Resolver(() => DisputeSummary)
export class DisputeSummaryResolver {
  @FieldResolver(() => Dispute, { nullable: true, description: "The dispute in full, for its parties and arbiters; null for anyone else." })
  async dispute(@Root() summary: Dispute, @Ctx() context: DisputesContext): Promise<Dispute | null> {
    return (await mayReadInFull(context.identity, summary, (agentId) => context.ownerByAgentId.load(agentId))) ? summary : null;
  }
}

@Resolver(() => AgentRef)
export class AgentDisputesResolver {
  @FieldResolver(() => Int, { description: "Buyers' complaints about the agent not yet resolved or withdrawn (appeals are not counted)." })
  openDisputeCount(@Root() agent: AgentRef, @Ctx() context: DisputesContext): Promise<number> {
    requireDisputesScope(context.identity);
    return context.openDisputeCountByAgentId.load(agent.id);
  }

  @FieldResolver(() => DisputeSummaryConnection, {
    description:
      "Disputes about the agent, newest first; public, each as its kind, category, severity, status and outcome, in full (`dispute`) only for its parties and arbiters.",
  })
  disputes(
    @Root() agent: AgentRef,
    @Arg("first", () => Int, pageArgs.first) first: number | null,
    @Arg("after", () => String, pageArgs.after) after: string | null,
    @Ctx() context: DisputesContext,
  ): Promise<DisputeSummaryConnection> {
    requireDisputesScope(context.identity);
    return context.disputesByAgentId.load({ agentId: agent.id, first, after });
  }
}
