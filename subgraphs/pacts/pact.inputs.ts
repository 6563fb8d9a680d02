import {
  ArrayMaxSize,
  ArrayMinSize,
  IsBoolean,
  IsEnum,
  IsInt,
  IsOptional,
  Length,
  Matches,
  Max,
  Min,
  ValidateNested,
} from "class-validator";
import { Field, ID, InputType, Int } from "type-graphql";
import { GraphQLJSONObject } from "graphql-scalars";
import { TrimmedLength } from "../../lib/validation.js";
import { AlertSeverity } from "./pact.enums.js";

/** Largest run accepted in one request; matches the template clauses' window. */
export const MAX_CASES_PER_RUN = 500;

@InputType({ description: "Who owns escalations for a pact; defaults to the adopting builder." })
export class EscalationOwnerInput {
  @Field(() => String, { description: "Owning team, 1–120 characters." })
  @TrimmedLength(1, 120)
  team: string;

  @Field(() => String, { description: "How to reach the team, 1–200 characters." })
  @TrimmedLength(1, 200)
  contact: string;

  @Field(() => Int, { nullable: true, description: "Acknowledgement deadline in minutes (1–10080); the template's default when absent." })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(10080)
  ackDeadlineMinutes?: number;
}

@InputType({ description: "A triage result: the severity and the true/false-positive decision." })
export class CaseResultInput {
  @Field(() => AlertSeverity, { nullable: true, description: "Severity of the alert. Required by alert-triage pacts." })
  @IsOptional()
  @IsEnum(AlertSeverity)
  severity?: AlertSeverity;

  @Field(() => Boolean, { nullable: true, description: "Whether the alert is a real threat. Required by alert-triage pacts." })
  @IsOptional()
  @IsBoolean()
  truePositive?: boolean;
}

@InputType({ description: "One case of evidence: the input the agent saw, what was expected, and what the agent did." })
export class EvaluationCaseInput {
  @Field(() => String, { description: "The builder's identifier of the case, unique within the run (1–128 of A–Z a–z 0–9 . _ : -)." })
  @Matches(/^[A-Za-z0-9._:-]{1,128}$/)
  caseId: string;

  @Field(() => GraphQLJSONObject, { description: "The alert as the agent received it." })
  alert: Record<string, unknown>;

  @Field(() => CaseResultInput, { description: "The ground truth for the case." })
  @ValidateNested()
  expected: CaseResultInput;

  @Field(() => CaseResultInput, { description: "What the agent answered." })
  @ValidateNested()
  output: CaseResultInput;
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
