import { Field, ObjectType, registerEnumType } from "type-graphql";
import { PageInfo } from "../../lib/platform/pagination.js";
import { AgentRef } from "./agent.stub.js";

export enum AgentSortKey {
  COMPOSITE_SCORE = "COMPOSITE_SCORE",
  REPUTATION_SCORE = "REPUTATION_SCORE",
}

registerEnumType(AgentSortKey, {
  name: "AgentSortKey",
  description: "Which score ranks a search.",
  valuesConfig: {
    COMPOSITE_SCORE: { description: "Demonstrated capability under evaluation, highest first." },
    REPUTATION_SCORE: { description: "Reliability in production, highest first." },
  },
});

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
