import { IsEnum, IsInt, IsOptional, Max, Min } from "class-validator";
import { Field, InputType, Int, ObjectType, registerEnumType } from "type-graphql";
import { AgentDomain } from "../../lib/contracts/agent-domain.js";
import { PageInfo } from "../../lib/platform/pagination.js";
import { AgentRef } from "./agent.stub.js";
import { TrustTier } from "./score.math.js";

export enum AgentSortKey {
  COMPOSITE_SCORE = "COMPOSITE_SCORE",
  REPUTATION_SCORE = "REPUTATION_SCORE",
}

registerEnumType(AgentSortKey, { name: "AgentSortKey", description: "Which score ranks a search.", valuesConfig: {
  COMPOSITE_SCORE: { description: "Demonstrated capability under evaluation, highest first." },
  REPUTATION_SCORE: { description: "Reliability in production, highest first." },
} });

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

  @Field(() => TrustTier, { nullable: true, description: "Only agents at this tier or above (UNRATED < BRONZE < SILVER < GOLD < PLATINUM)." })
  @IsOptional()
  @IsEnum(TrustTier)
  minTier?: TrustTier;

  @Field(() => Boolean, { nullable: true, defaultValue: true, description: "Only agents eligible for listing (default true); false includes unlisted and new agents." })
  @IsOptional()
  eligibleOnly?: boolean;
}

@ObjectType({ description: "One agent in a search result." })
export class AgentEdge {
  @Field(() => String, { description: "Opaque cursor of this position; pass as `after` to continue after it." })
  cursor: string;

  @Field(() => AgentRef, { description: "The agent." })
  node: AgentRef;
}

@ObjectType({ description: "A page of agents, highest score first." })
export class AgentConnection {
  @Field(() => [AgentEdge], { description: "The agents on this page." })
  edges: AgentEdge[];

  @Field(() => PageInfo, { description: "Whether another page follows." })
  pageInfo: PageInfo;
}
