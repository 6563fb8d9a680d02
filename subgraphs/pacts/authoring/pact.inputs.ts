import {
  ArrayMaxSize,
  ArrayMinSize,
  IsBoolean,
  IsEnum,
  IsInt,
  IsNumber,
  IsOptional,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from "class-validator";
import { Field, Float, ID, InputType, Int } from "type-graphql";
import { GraphQLJSONObject } from "graphql-scalars";
import { AgentDomain } from "../../../lib/contracts/agent-domain.js";
import { TrimmedLength } from "../../../lib/platform/validation.js";
import { ConsequenceStep, EscalationRouteStep } from "./consequence.types.js";
import { MAX_CASES_PER_RUN } from "../evaluation/judge-job.message.js";
import { MAX_WINDOW_CASES } from "../evaluation/judging/run-verdict.math.js";
import { AlertSeverity, ClauseSeverity, Comparator, EvaluationMethod, PactMetric } from "../pact.enums.js";

const MAX_CLAUSES = 20;

@InputType({ description: "Who owns escalations for a pact; defaults to the adopting builder." })
export class EscalationOwnerInput {
  @Field(() => String, { description: "Owning team, 1–120 characters." })
  @TrimmedLength(1, 120)
  team: string;

  @Field(() => String, { description: "How to reach the team, 1–200 characters." })
  @TrimmedLength(1, 200)
  contact: string;

  @Field(() => Int, { nullable: true, description: "Acknowledgement deadline in minutes (1–10080). When absent: the template's default on adoption, 60 on creation, the amended version's on amendment." })
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

  @Field(() => Int, { nullable: true, description: `Judge over at most this many most recent cases (1–${MAX_WINDOW_CASES}). Set this, windowDays, or both.` })
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

  @Field(() => EvaluationMethod, { defaultValue: EvaluationMethod.DETERMINISTIC, description: "How the clause is judged; the metric must offer it." })
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

  @Field(() => EscalationOwnerInput, { nullable: true, description: "Who owns escalations; defaults to the caller with a 60-minute acknowledgement deadline." })
  @IsOptional()
  @ValidateNested()
  escalationOwner?: EscalationOwnerInput | null;

  @Field(() => [ConsequenceStep], { nullable: true, description: "The consequence ladder, mildest step first (1–5 steps); the templates' default ladder when absent." })
  @IsOptional()
  @ArrayMinSize(1)
  @ArrayMaxSize(5)
  @ValidateNested({ each: true })
  consequenceLadder?: ConsequenceStep[] | null;

  @Field(() => [EscalationRouteStep], { nullable: true, description: "Who is told at each ladder step; the templates' default route when absent." })
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

@InputType({ description: "What a case states, as expected or as the agent answered. Which fields a case carries depends on the pact's workflow; `pactMetrics` says which each metric needs." })
export class CaseResultInput {
  @Field(() => AlertSeverity, { nullable: true, description: "Severity of the alert or incident (alert triage, incident escalation)." })
  @IsOptional()
  @IsEnum(AlertSeverity)
  severity?: AlertSeverity;

  @Field(() => Boolean, { nullable: true, description: "Whether the alert is a real threat (alert triage)." })
  @IsOptional()
  @IsBoolean()
  truePositive?: boolean;

  @Field(() => Boolean, { nullable: true, description: "Whether the incident is escalated to people (incident escalation)." })
  @IsOptional()
  @IsBoolean()
  escalate?: boolean;

  @Field(() => String, { nullable: true, description: "The team escalated to, 1–120 characters (incident escalation); compared ignoring case." })
  @IsOptional()
  @TrimmedLength(1, 120)
  escalateTo?: string;

  @Field(() => String, { nullable: true, description: "The response playbook chosen, 1–120 characters (playbook routing); compared ignoring case." })
  @IsOptional()
  @TrimmedLength(1, 120)
  playbook?: string;

  @Field(() => [String], { nullable: true, description: "ATT&CK technique ids such as T1059 or T1059.001, at most 50 (threat intelligence synthesis)." })
  @IsOptional()
  @ArrayMaxSize(50)
  @Matches(/^\s*T\d{4}(\.\d{3})?\s*$/i, { each: true, message: "each must be an ATT&CK technique id such as T1059 or T1059.001" })
  techniques?: string[];

  @Field(() => [String], { nullable: true, description: "Indicators of compromise (IPs, domains, URLs, hashes; defanged is fine), at most 100 of up to 512 characters (threat intelligence synthesis)." })
  @IsOptional()
  @ArrayMaxSize(100)
  @MaxLength(512, { each: true })
  indicators?: string[];
}

@InputType({ description: "How long the agent took on the case, as the builder's harness measured it." })
export class CaseTimingsInput {
  @Field(() => Float, { nullable: true, description: "Seconds from the incident to the agent's escalation (incident escalation), 0–31,536,000." })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(31_536_000)
  escalationSeconds?: number;

  @Field(() => Float, { nullable: true, description: "Seconds from the incident to its containment (playbook routing), 0–31,536,000." })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(31_536_000)
  containmentSeconds?: number;
}

@InputType({ description: "One case of evidence: the input the agent saw, what was expected, what the agent did, and how long it took." })
export class EvaluationCaseInput {
  @Field(() => String, { description: "The builder's identifier of the case, unique within the run (1–128 of A–Z a–z 0–9 . _ : -)." })
  @Matches(/^[A-Za-z0-9._:-]{1,128}$/)
  caseId: string;

  @Field(() => GraphQLJSONObject, { description: "What the agent was given: the alert, the incident or the source reports (at most 64 KiB)." })
  input: Record<string, unknown>;

  @Field(() => CaseResultInput, { description: "The ground truth for the case." })
  @ValidateNested()
  expected: CaseResultInput;

  @Field(() => CaseResultInput, { description: "What the agent answered." })
  @ValidateNested()
  output: CaseResultInput;

  @Field(() => CaseTimingsInput, { nullable: true, description: "How long the agent took; required where the pact's metrics measure time." })
  @IsOptional()
  @ValidateNested()
  timings?: CaseTimingsInput | null;
}

@InputType({ description: "Evidence for judging an agent against one of its pacts." })
export class SubmitEvaluationRunInput {
  @Field(() => ID, { description: "The agent the cases are about; the caller must own it." })
  @Length(1, 36)
  agentId: string;

  @Field(() => ID, { description: "The agent's active pact to judge against." })
  @Length(1, 36)
  pactId: string;

  @Field(() => [EvaluationCaseInput], { description: `The cases, 1–${MAX_CASES_PER_RUN}.` })
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_CASES_PER_RUN)
  @ValidateNested({ each: true })
  cases: EvaluationCaseInput[];
}
