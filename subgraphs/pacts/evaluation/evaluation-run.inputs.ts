import {
  ArrayMaxSize,
  ArrayMinSize,
  IsBoolean,
  IsEnum,
  IsNumber,
  IsOptional,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from "class-validator";
import { Field, Float, ID, InputType } from "type-graphql";
import { GraphQLJSONObject } from "graphql-scalars";
import { TrimmedLength } from "../../../lib/platform/validation.js";
import { MAX_CASES_PER_RUN } from "./judge-job.message.js";
import { AlertSeverity } from "../pact.enums.js";

@InputType({
  description:
    "What a case states, as expected or as the agent answered. Which fields a case carries depends on the pact's workflow; `pactMetrics` says which each metric needs.",
})
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

  @Field(() => String, {
    nullable: true,
    description: "The team escalated to, 1–120 characters (incident escalation); compared ignoring case.",
  })
  @IsOptional()
  @TrimmedLength(1, 120)
  escalateTo?: string;

  @Field(() => String, {
    nullable: true,
    description: "The response playbook chosen, 1–120 characters (playbook routing); compared ignoring case.",
  })
  @IsOptional()
  @TrimmedLength(1, 120)
  playbook?: string;

  @Field(() => [String], {
    nullable: true,
    description: "ATT&CK technique ids such as T1059 or T1059.001, at most 50 (threat intelligence synthesis).",
  })
  @IsOptional()
  @ArrayMaxSize(50)
  @Matches(/^\s*T\d{4}(\.\d{3})?\s*$/i, { each: true, message: "each must be an ATT&CK technique id such as T1059 or T1059.001" })
  techniques?: string[];

  @Field(() => [String], {
    nullable: true,
    description:
      "Indicators of compromise (IPs, domains, URLs, hashes; defanged is fine), at most 100 of up to 512 characters (threat intelligence synthesis).",
  })
  @IsOptional()
  @ArrayMaxSize(100)
  @MaxLength(512, { each: true })
  indicators?: string[];
}

@InputType({ description: "How long the agent took on the case, as the builder's harness measured it." })
export class CaseTimingsInput {
  @Field(() => Float, {
    nullable: true,
    description: "Seconds from the incident to the agent's escalation (incident escalation), 0–31,536,000.",
  })
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

  @Field(() => GraphQLJSONObject, {
    description: "What the agent was given: the alert, the incident or the source reports (at most 64 KiB).",
  })
  input: Record<string, unknown>;

  @Field(() => CaseResultInput, { description: "The ground truth for the case." })
  @ValidateNested()
  expected: CaseResultInput;

  @Field(() => CaseResultInput, { description: "What the agent answered." })
  @ValidateNested()
  output: CaseResultInput;

  @Field(() => CaseTimingsInput, {
    nullable: true,
    description: "How long the agent took; required where the pact's metrics measure time.",
  })
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
