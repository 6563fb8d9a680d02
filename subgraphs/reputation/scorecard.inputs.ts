import { IsInt, IsNumber, IsOptional, Length, Matches, Max, Min } from "class-validator";
import { Field, Float, ID, InputType, Int } from "type-graphql";

@InputType({ description: "One week of an agent's production KPIs, as the reporting SOC (or the agent's builder) measured them." })
export class KpiReportInput {
  @Field(() => ID, { description: "The agent the KPIs are about." })
  @Length(1, 36)
  agentId: string;

  @Field(() => String, { description: "The ISO week, e.g. `2026-W47`; not in the future, at most two years back." })
  @Matches(/^\d{4}-W\d{2}$/, { message: "must be an ISO week such as 2026-W47" })
  week: string;

  @Field(() => Int, { description: "Alerts the agent handled that week (1–10,000,000); weighs the report against other reporters'." })
  @IsInt()
  @Min(1)
  @Max(10_000_000)
  alertsHandled: number;

  @Field(() => Float, { description: "Median minutes from detection to containment (0–525,600)." })
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(525_600)
  timeToContainmentMinutes: number;

  @Field(() => Float, { description: "Share of what the agent sent to analysts that was a false positive, 0–1." })
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(1)
  falsePositiveLoad: number;

  @Field(() => Float, { description: "Share of audited alerts whose severity the agent got right, 0–1." })
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(1)
  severityAccuracy: number;

  @Field(() => Float, { description: "Quality of the agent's escalations as the SOC measures it (e.g. F1), 0–1." })
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(1)
  escalationQuality: number;

  @Field(() => Int, {
    nullable: true,
    defaultValue: 0,
    description: "Alerts where analysts reversed the agent's decision that week (0 to alertsHandled); counts against reputation.",
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  humanOverrides?: number;
}
