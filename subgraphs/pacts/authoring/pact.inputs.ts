import {
  ArrayMaxSize,
  ArrayMinSize,
  IsEnum,
  IsInt,
  IsNumber,
  IsOptional,
  Length,
  Matches,
  Max,
  Min,
  ValidateNested,
} from "class-validator";
import { Field, Float, ID, InputType, Int } from "type-graphql";
import { AgentDomain } from "../../../lib/contracts/agent-domain.js";
import { TrimmedLength } from "../../../lib/platform/validation.js";
import { ConsequenceStep, EscalationRouteStep } from "./consequence.types.js";
import { MAX_WINDOW_CASES } from "../evaluation/judging/run-verdict.math.js";
import { ClauseSeverity, Comparator, EvaluationMethod, PactMetric } from "../pact.enums.js";

const MAX_CLAUSES = 20;

@InputType({ description: "Who owns escalations for a pact; defaults to the adopting builder." })
export class EscalationOwnerInput {
  @Field(() => String, { description: "Owning team, 1–120 characters." })
  @TrimmedLength(1, 120)
  team: string;

  @Field(() => String, { description: "How to reach the team, 1–200 characters." })
  @TrimmedLength(1, 200)
  contact: string;

  @Field(() => Int, {
    nullable: true,
    description:
      "Acknowledgement deadline in minutes (1–10080). When absent: the template's default on adoption, 60 on creation, the amended version's on amendment.",
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(10080)
  ackDeadlineMinutes?: number;
}

@InputType({ description: "One promise of a pact. `pactMetrics` lists each metric's range, direction and the workflows it applies to." })
export class ClauseInput {
  @Field(() => String, { description: "Identifier of the clause within the pact: 1–64 of a–z 0–9 -, starting with a letter or digit." })
  @Matches(/^[a-z0-9][a-z0-9-]{0,63}$/)
  key: string;

  @Field(() => PactMetric, { description: "What is measured." })
  @IsEnum(PactMetric)
  metric: PactMetric;

  @Field(() => Comparator, { description: "GTE for metrics where higher is better, LTE for the others." })
  @IsEnum(Comparator)
  comparator: Comparator;

  @Field(() => Float, { description: "The bound, within the metric's range." })
  @IsNumber({ allowNaN: false, allowInfinity: false })
  threshold: number;

  @Field(() => Int, {
    nullable: true,
    description: `Judge over at most this many most recent cases (1–${MAX_WINDOW_CASES}). Set this, windowDays, or both.`,
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_WINDOW_CASES)
  windowCases?: number | null;

  @Field(() => Int, { nullable: true, description: "Judge over cases submitted within this many days before the run (1–365)." })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(365)
  windowDays?: number | null;

  @Field(() => EvaluationMethod, {
    defaultValue: EvaluationMethod.DETERMINISTIC,
    description: "How the clause is judged; the metric must offer it.",
  })
  @IsEnum(EvaluationMethod)
  method: EvaluationMethod;

  @Field(() => Float, { description: "Weight in the run's weighted pass share, 0–100." })
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(100)
  weight: number;

  @Field(() => ClauseSeverity, { description: "CRITICAL clauses fail the run on their own." })
  @IsEnum(ClauseSeverity)
  severity: ClauseSeverity;
}

@InputType({ description: "A new pact, written from scratch; it starts as a DRAFT until activated." })
export class CreatePactInput {
  @Field(() => ID, { description: "The agent to bind; the caller must own it." })
  @Length(1, 36)
  agentId: string;

  @Field(() => AgentDomain, { description: "The workflow the pact covers; the agent must serve it." })
  @IsEnum(AgentDomain)
  workflow: AgentDomain;

  @Field(() => Float, { description: "Weighted share of passing clauses a run needs (0–1), besides passing every critical clause." })
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(1)
  passThreshold: number;

  @Field(() => [ClauseInput], { description: `The clauses, 1–${MAX_CLAUSES}, in the order they are stated.` })
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_CLAUSES)
  @ValidateNested({ each: true })
  clauses: ClauseInput[];

  @Field(() => EscalationOwnerInput, {
    nullable: true,
    description: "Who owns escalations; defaults to the caller with a 60-minute acknowledgement deadline.",
  })
  @IsOptional()
  @ValidateNested()
  escalationOwner?: EscalationOwnerInput | null;

  @Field(() => [ConsequenceStep], {
    nullable: true,
    description: "The consequence ladder, mildest step first (1–5 steps); the templates' default ladder when absent.",
  })
  @IsOptional()
  @ArrayMinSize(1)
  @ArrayMaxSize(5)
  @ValidateNested({ each: true })
  consequenceLadder?: ConsequenceStep[] | null;

  @Field(() => [EscalationRouteStep], {
    nullable: true,
    description: "Who is told at each ladder step; the templates' default route when absent.",
  })
  @IsOptional()
  @ArrayMaxSize(5)
  @ValidateNested({ each: true })
  escalationRoute?: EscalationRouteStep[] | null;
}

@InputType({ description: "Changes to an active pact, made as a new DRAFT version; whatever is left out is carried over." })
export class AmendPactInput {
  @Field(() => Float, { nullable: true, description: "New pass threshold (0–1)." })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(1)
  passThreshold?: number | null;

  @Field(() => [ClauseInput], { nullable: true, description: `The new clauses, replacing all of the old ones (1–${MAX_CLAUSES}).` })
  @IsOptional()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_CLAUSES)
  @ValidateNested({ each: true })
  clauses?: ClauseInput[] | null;

  @Field(() => EscalationOwnerInput, { nullable: true, description: "The new escalation owner." })
  @IsOptional()
  @ValidateNested()
  escalationOwner?: EscalationOwnerInput | null;

  @Field(() => [ConsequenceStep], { nullable: true, description: "The new consequence ladder (1–5 steps)." })
  @IsOptional()
  @ArrayMinSize(1)
  @ArrayMaxSize(5)
  @ValidateNested({ each: true })
  consequenceLadder?: ConsequenceStep[] | null;

  @Field(() => [EscalationRouteStep], { nullable: true, description: "The new escalation route." })
  @IsOptional()
  @ArrayMaxSize(5)
  @ValidateNested({ each: true })
  escalationRoute?: EscalationRouteStep[] | null;
}
