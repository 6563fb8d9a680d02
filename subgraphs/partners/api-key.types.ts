import { Directive, Field, ID, ObjectType } from "type-graphql";
import { historyPage } from "../../lib/platform/pagination.js";
import { ApiKey } from "./api-key.entity.js";
import { PartnerSuspension } from "./partner-suspension.entity.js";

@ObjectType({ description: "A key just created or rotated, with its secret: the only time the secret is shown." })
export class CreatedApiKey {
  @Field(() => ApiKey, { description: "The key, as it will be listed." })
  key: ApiKey;

  @Field(() => String, {
    description:
      "The secret to send in the `x-api-key` header: `atk_` and 43 base64url characters. Store it now: it is never shown again, and cannot be recovered, only rotated.",
  })
  secret: string;
}

export const ApiKeyConnection = historyPage(
  ApiKey,
  { edge: "ApiKeyEdge", connection: "ApiKeyConnection" },
  { item: "API key", items: "a partner's API keys" },
);
export type ApiKeyConnection = InstanceType<typeof ApiKeyConnection>;

@ObjectType({ description: "Whether a partner is suspended, and its current or latest suspension." })
export class PartnerStanding {
  @Field(() => String, { description: "Subject of the partner organisation." })
  partner: string;

  @Field(() => Boolean, { description: "Whether the partner is suspended: while it is, every API key of the partner is refused." })
  suspended: boolean;

  @Field(() => PartnerSuspension, {
    nullable: true,
    description: "The standing suspension, or the one just lifted; null if there is neither.",
  })
  suspension: PartnerSuspension | null;
}

/**
 * What the gateway learns of a presented key: @inaccessible, so the public API has neither the
 * type nor the field returning it (`apiKeyCredential`); only the gateway calls it, on the subgraph.
 */
@Directive("@inaccessible")
@ObjectType({ description: "Internal: what the gateway learns of a presented API key. Not part of the public API." })
export class ApiKeyCredential {
  @Field(() => ID, { description: "The key's id." })
  keyId: string;

  @Field(() => String, { description: "Subject of the partner the key authenticates as." })
  partner: string;

  @Field(() => [String], { description: "The key's scopes." })
  scopes: string[];

  @Field(() => String, {
    nullable: true,
    description: "Why the key is refused (EXPIRED, REVOKED, REPLACED, PARTNER_SUSPENDED); null when it is accepted.",
  })
  refusal: string | null;

  @Field(() => Date, {
    nullable: true,
    description: "When an accepted key stops being accepted on its own (expiry, end of grace); null for never.",
  })
  usableUntil: Date | null;
}
