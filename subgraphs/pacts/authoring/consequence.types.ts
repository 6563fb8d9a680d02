import { ArrayMaxSize, ArrayMinSize, IsBoolean, IsEnum, IsInt, IsOptional, Max, Min, ValidateNested } from "class-validator";
import { Field, InputType, Int, ObjectType } from "type-graphql";
import { ConsequenceAction, EscalationRecipient } from "../pact.enums.js";

/** Longest look-back a trigger may use; a year covers any sensible breach or score window. */
const MAX_WINDOW_DAYS = 365;

@ObjectType({ description: "When a consequence step fires: any one of its set conditions is enough." })
@InputType("ConsequenceTriggerInput", {
  description: "When a consequence step fires: any one of the set conditions is enough; set at least one.",
})
export class ConsequenceTrigger {
  @Field(() => Int, {
    nullable: true,
    description: "Fires after this many breaches (judged runs that failed the run rule) within breachWindowDays.",
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1000)
  breachCount?: number | null;

  @Field(() => Int, {
    nullable: true,
    description: "Days the breaches are counted over (1–365); 30 when breachCount is set and this is not.",
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_WINDOW_DAYS)
  breachWindowDays?: number | null;

  @Field(() => Int, {
    nullable: true,
    description: "Fires when the composite score falls by at least this many points (1–1000) within scoreDropWindowDays.",
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1000)
  scoreDropPoints?: number | null;

  @Field(() => Int, {
    nullable: true,
    description: "Days the score drop is measured over (1–365); 30 when scoreDropPoints is set and this is not.",
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_WINDOW_DAYS)
  scoreDropWindowDays?: number | null;

  @Field(() => Boolean, { nullable: true, description: "Fires when drift detection raises an alarm on the agent." })
  @IsOptional()
  @IsBoolean()
  driftAlarm?: boolean | null;
}

@ObjectType({ description: "The way back from a consequence step: every set condition must hold." })
@InputType("RecoveryConditionInput", {
  description: "The way back from a consequence step: every set condition must hold; set at least one.",
})
export class RecoveryCondition {
  @Field(() => Int, { nullable: true, description: "Consecutive judged runs that met the run rule (1–100)." })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100)
  passingRuns?: number | null;

  @Field(() => Int, { nullable: true, description: "Composite score the agent must be back at or above (0–1000)." })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1000)
  minCompositeScore?: number | null;

  @Field(() => Int, { nullable: true, description: "Days without a new breach (1–365)." })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_WINDOW_DAYS)
  quietDays?: number | null;
}

@ObjectType({ description: "One rung of the consequence ladder: what happens, when, and the way back." })
@InputType("ConsequenceStepInput", {
  description: "One rung of the consequence ladder. Rungs must climb from WARN towards DELIST, each at most once.",
})
export class ConsequenceStep {
  @Field(() => ConsequenceAction, { description: "What happens to the agent." })
  @IsEnum(ConsequenceAction)
  action: ConsequenceAction;

  @Field(() => ConsequenceTrigger, { description: "When the step fires." })
  @ValidateNested()
  trigger: ConsequenceTrigger;

  @Field(() => RecoveryCondition, {
    nullable: true,
    description: "How the agent climbs back down; null means only an arbiter can lift the step.",
  })
  @IsOptional()
  @ValidateNested()
  recovery?: RecoveryCondition | null;
}

@ObjectType({ description: "Who is told when one consequence step is taken." })
@InputType("EscalationRouteStepInput", {
  description: "Who is told when one consequence step is taken. Steps left out tell the escalation owner only.",
})
export class EscalationRouteStep {
  @Field(() => ConsequenceAction, { description: "The consequence step." })
  @IsEnum(ConsequenceAction)
  action: ConsequenceAction;

  @Field(() => [EscalationRecipient], { description: "Who is told, in this order." })
  @ArrayMinSize(1)
  @ArrayMaxSize(4)
  @IsEnum(EscalationRecipient, { each: true })
  notify: EscalationRecipient[];
}
