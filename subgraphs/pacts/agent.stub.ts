import { Directive, Field, ID, ObjectType } from "type-graphql";

/** The agents subgraph's `Agent`, as far as this subgraph extends it. */
@Directive('@key(fields: "id")')
@ObjectType("Agent", { description: "An AI agent that works in security operations, registered by a builder." })
export class AgentRef {
  @Field(() => ID, { description: "Stable identifier of the agent." })
  id: string;
}
