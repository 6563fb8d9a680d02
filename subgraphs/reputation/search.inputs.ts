import { IsEnum, IsInt, IsOptional, Max, Min } from "class-validator";
import { Field, InputType, Int } from "type-graphql";
import { AgentDomain } from "../../lib/contracts/agent-domain.js";
import { TrustTier } from "./score.math.js";

@InputType({ description: "Narrows an agent search." })
export class AgentSearchFilter {
  @Field(() => AgentDomain, { nullable: true, description: "Only agents serving this workflow." })
  @IsOptional()
  @IsEnum(AgentDomain)
  domain?: AgentDomain;

  @Field(() => Int, { nullable: true, description: "Only agents whose composite score is at least this, 0–1000." })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1000)
  minCompositeScore?: number;

  @Field(() => Int, { nullable: true, description: "Only agents whose reputation score is at least this, 0–1000." })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1000)
  minReputationScore?: number;

  @Field(() => TrustTier, {
    nullable: true,
    description: "Only agents at this tier or above (UNRATED < BRONZE < SILVER < GOLD < PLATINUM).",
  })
  @IsOptional()
  @IsEnum(TrustTier)
  minTier?: TrustTier;

  @Field(() => Boolean, {
    nullable: true,
    defaultValue: true,
    description: "Only agents eligible for listing (default true); false includes unlisted and new agents.",
  })
  @IsOptional()
  eligibleOnly?: boolean;
}
