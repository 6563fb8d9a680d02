import { IsEnum, IsOptional, Length } from "class-validator";
import { TrimmedLength } from "../../lib/validation.js";
import { Field, ID, InputType } from "type-graphql";
import { DisputeSeverity } from "./dispute.entity.js";

@InputType({ description: "A buyer's complaint about an agent." })
export class FileDisputeInput {
  @Field(() => ID, { description: "The agent disputed." })
  @Length(1, 36)
  agentId: string;

  @Field(() => String, { description: "What went wrong, 10–4000 characters." })
  @TrimmedLength(10, 4000)
  reason: string;

  @Field(() => DisputeSeverity, { nullable: true, description: "How serious it is; MAJOR when absent." })
  @IsOptional()
  @IsEnum(DisputeSeverity)
  severity?: DisputeSeverity;
}
