import { Field, ID, Int, ObjectType } from "type-graphql";
import { PageInfo } from "../../../lib/platform/pagination.js";
import { JuryVerdict } from "./jury-verdict.entity.js";

@ObjectType({ description: "A case waiting for a human, with its cursor." })
export class JuryVerdictEdge {
  @Field(() => String, { description: "Pass as `after` to continue after this item." })
  cursor: string;

  @Field(() => JuryVerdict, { description: "The uncertain verdict." })
  node: JuryVerdict;

  @Field(() => Int, { description: "Seconds since the jury left the case uncertain, as of this query." })
  ageSeconds: number;

  @Field(() => ID, {
    nullable: true,
    description:
      "Subject of the arbiter the case is assigned to (round robin, never the agent's owner); null until the review deadline sweep, which runs every minute, assigns it. Any arbiter may still decide it.",
  })
  assignee: string | null;

  @Field(() => Date, {
    nullable: true,
    description:
      "When the assignee's time is up (REVIEW_DEADLINE_HOURS after assignment); past it the case passes to the next arbiter and is escalated. Null until assigned.",
  })
  deadline: Date | null;

  @Field(() => Int, { description: "How many times the case passed to another arbiter because a deadline went by." })
  reassignments: number;
}

@ObjectType({ description: "A page of the review queue, oldest first." })
export class JuryVerdictConnection {
  @Field(() => [JuryVerdictEdge], { description: "The items on this page." })
  edges: JuryVerdictEdge[];

  @Field(() => PageInfo, { description: "Where the page sits in the queue." })
  pageInfo: PageInfo;
}
