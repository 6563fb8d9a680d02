import { IsEnum, IsInt, IsOptional, Max, Min } from "class-validator";
import { Field, InputType, Int, ObjectType } from "type-graphql";
import { AgentDomain } from "../../lib/agent-domain.js";
import { PageInfo } from "../../lib/pagination.js";
import { AgentRef } from "./agent.stub.js";

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

@ObjectType({ description: "A page of agents, highest composite score first." })
export class AgentConnection {
  @Field(() => [AgentEdge], { description: "The agents on this page." })
  edges: AgentEdge[];

  @Field(() => PageInfo, { description: "Whether another page follows." })
  pageInfo: PageInfo;
}
