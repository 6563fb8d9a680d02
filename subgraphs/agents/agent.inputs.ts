import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsEnum } from "class-validator";
import { Field, InputType } from "type-graphql";
import { AgentDomain } from "../../lib/contracts/agent-domain.js";
import { TrimmedLength } from "../../lib/platform/validation.js";

@InputType({ description: "What a builder states when registering an agent." })
export class RegisterAgentInput {
  @Field(() => String, { description: "Display name, 1–120 characters, unique among the caller's agents." })
  @TrimmedLength(1, 120)
  name: string;

  @Field(() => String, { description: "What the agent does, 1–4000 characters." })
  @TrimmedLength(1, 4000)
  description: string;

  @Field(() => [AgentDomain], { description: "The workflows the agent serves; at least one, no repeats." })
  @ArrayMinSize(1)
  @ArrayMaxSize(4)
  @ArrayUnique()
  @IsEnum(AgentDomain, { each: true })
  domains: AgentDomain[];
}
