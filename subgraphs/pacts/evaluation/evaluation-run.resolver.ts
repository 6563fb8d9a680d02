import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from "type-graphql";
import { AgentRef } from "../agent.stub.js";
import { mayReadJuryDetail, requireEvidenceSubmitter } from "../pacts.access.js";
import { ClauseResult, EvaluationRun } from "./evaluation-run.entity.js";
import { SubmitEvaluationRunInput } from "./evaluation-run.inputs.js";
import { submitEvaluationRun } from "./evaluation-run.submit.js";
import { JuryVerdict } from "./jury-verdict.entity.js";
import { Pact } from "../authoring/pact.entity.js";
import { clauseStatement } from "../authoring/pact.templates.js";
import type { PactsContext } from "../pacts.context.js";
import type { PactSummary } from "../pacts.loader.js";

@Resolver(() => EvaluationRun)
export class EvaluationRunResolver {
  @Query(() => EvaluationRun, { nullable: true, description: "One evaluation run by id, with its verdicts once judged." })
  evaluationRun(
    @Arg("id", () => ID, { description: "The run's id." }) id: string,
    @Ctx() context: PactsContext,
  ): Promise<EvaluationRun | null> {
    return context.runById.load(id);
  }

  @Mutation(() => EvaluationRun, {
    description: "Submits cases as evidence against one of the caller's agents' active pacts; judging happens asynchronously.",
  })
  async submitEvaluationRun(
    @Arg("input", () => SubmitEvaluationRunInput, { description: "The agent, the pact and the cases." }) input: SubmitEvaluationRunInput,
    @Ctx() context: PactsContext,
  ): Promise<EvaluationRun> {
    return submitEvaluationRun(context, requireEvidenceSubmitter(context.identity), input);
  }

  @FieldResolver(() => [ClauseResult], { description: "The verdict on each clause; empty until judged." })
  clauseResults(@Root() run: EvaluationRun, @Ctx() context: PactsContext): Promise<ClauseResult[]> {
    return context.clauseResultsByRunId.load(run.id);
  }

  @FieldResolver(() => [JuryVerdict], {
    nullable: true,
    description:
      "The jury's verdict on each case under each jury-judged clause, with every vote: for arbiters and the builder who submitted the run, null for anyone else.",
  })
  async juryVerdicts(@Root() run: EvaluationRun, @Ctx() context: PactsContext): Promise<JuryVerdict[] | null> {
    return mayReadJuryDetail(context.identity, run) ? context.juryVerdictsByRunId.load(run.id) : null;
  }

  @FieldResolver(() => Pact, { description: "The pact version the run is judged against." })
  async pact(@Root() run: EvaluationRun, @Ctx() context: PactsContext): Promise<PactSummary> {
    return (await context.pactById.load(run.pactId))!;
  }

  @FieldResolver(() => AgentRef, { description: "The agent the run is evidence about." })
  agent(@Root() run: EvaluationRun): AgentRef {
    return { id: run.agentId };
  }
}

@Resolver(() => ClauseResult)
export class ClauseResultResolver {
  @FieldResolver(() => String, { description: "The clause in words, as it was judged." })
  statement(@Root() result: ClauseResult): string {
    return clauseStatement(result);
  }
}
