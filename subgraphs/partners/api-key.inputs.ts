import { ArrayMaxSize, ArrayMinSize, IsOptional } from "class-validator";
import { Field, InputType } from "type-graphql";
import { TrimmedLength } from "../../lib/platform/validation.js";

@InputType({ description: "A new API key for the calling partner." })
export class CreateApiKeyInput {
  @Field(() => String, { description: "What to call the key, 1–100 characters: e.g. the server that will hold it." })
  @TrimmedLength(1, 100)
  name: string;

  @Field(() => [String], {
    description:
      "What the key may do, at least one of: `reputation:read`, `disputes:read`, `feed:read`, `keys:manage` (managing the partner's keys, this one included), `webhooks:manage` (managing the partner's webhook endpoints), each once.",
  })
  @ArrayMinSize(1, { message: "must name at least one scope" })
  @ArrayMaxSize(20)
  scopes: string[];

  @Field(() => Date, {
    nullable: true,
    description: "When the key stops being accepted on its own: in the future, at most 366 days from now. Never, when absent.",
  })
  @IsOptional()
  expiresAt?: Date | null;
}
