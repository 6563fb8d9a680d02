import { Field, ObjectType } from "type-graphql";
import { PageInfo } from "../../../lib/platform/pagination.js";
import { JuryVerdict } from "./jury-verdict.entity.js";

@ObjectType({ description: "A case waiting for a human, with its cursor." })
export class JuryVerdictEdge {
  @Field(() => String, { description: "Pass as `after` to continue after this item." })
  cursor: string;

  @Field(() => JuryVerdict, { description: "The uncertain verdict." })
  node: JuryVerdict;
}

@ObjectType({ description: "A page of the review queue, oldest first." })
export class JuryVerdictConnection {
  @Field(() => [JuryVerdictEdge], { description: "The items on this page." })
  edges: JuryVerdictEdge[];

  @Field(() => PageInfo, { description: "Where the page sits in the queue." })
  pageInfo: PageInfo;
}
