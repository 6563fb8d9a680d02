import { Arg, Ctx, Directive, ID, Int, Mutation, Query, Resolver } from "type-graphql";
import { API_KEY_DIGEST_PATTERN } from "../../lib/contracts/api-key.js";
import { BadUserInputError } from "../../lib/platform/errors.js";
import { createApiKey } from "./api-key.create.js";
import { ApiKey } from "./api-key.entity.js";
import { CreateApiKeyInput } from "./api-key.inputs.js";
import { listApiKeys } from "./api-key.list.js";
import { lookUpCredential } from "./api-key.lookup.js";
import { revokeApiKey } from "./api-key.revoke.js";
import { rotateApiKey } from "./api-key.rotate.js";
import { ApiKeyConnection, ApiKeyCredential, CreatedApiKey } from "./api-key.types.js";
import { checkedGraceSeconds } from "./api-key.validation.js";
import { partnerToList, requireGatewayLookup, requireKeyCreator, requireKeyHolder, requireKeyManager } from "./partners.access.js";
import type { PartnersContext } from "./partners.context.js";

@Resolver(() => ApiKey)
export class ApiKeyResolver {
  @Query(() => ApiKeyConnection, {
    description:
      "A partner's API keys, newest first, without their secrets. A partner lists its own (with a token, or a key holding `keys:manage`); an operator names the partner.",
  })
  apiKeys(
    @Arg("first", () => Int, { nullable: true, description: "Page size, 1–100 (default 20)." }) first: number | null,
    @Arg("after", () => String, { nullable: true, description: "The `endCursor` of the previous page." }) after: string | null,
    @Arg("partner", () => String, {
      nullable: true,
      description: "Whose keys: required of an operator; a partner may only name itself, and lists its own when absent.",
    })
    partner: string | null,
    @Ctx() context: PartnersContext,
  ): Promise<ApiKeyConnection> {
    return listApiKeys(context.dataSource, partnerToList(context.identity, partner), { first, after });
  }

  @Mutation(() => CreatedApiKey, {
    description:
      "Creates an API key for the calling partner (with a token, or a key holding `keys:manage`), and returns its secret: the only time it is shown. Not while the partner is suspended.",
  })
  createApiKey(
    @Arg("input", () => CreateApiKeyInput, { description: "The key's name, scopes and optional expiry." }) input: CreateApiKeyInput,
    @Ctx() context: PartnersContext,
  ): Promise<CreatedApiKey> {
    return createApiKey(context, requireKeyCreator(context.identity), input);
  }

  @Mutation(() => ApiKey, {
    description:
      "Revokes an API key: the partner its own, an operator any. Gateways refuse it within API_KEY_CACHE_SECONDS (10 s by default). Revoking a revoked key is a CONFLICT.",
  })
  revokeApiKey(@Arg("id", () => ID, { description: "The key's id." }) id: string, @Ctx() context: PartnersContext): Promise<ApiKey> {
    requireKeyManager(context.identity);
    return revokeApiKey(context, context.identity, id);
  }

  @Mutation(() => CreatedApiKey, {
    description:
      "Replaces one of the calling partner's keys with a new one of the same name, scopes and expiry, and returns the new secret (shown only here). The old key keeps working for the grace period, then is refused. Only an ACTIVE key rotates; others are a CONFLICT.",
  })
  rotateApiKey(
    @Arg("id", () => ID, { description: "The key to replace." }) id: string,
    @Arg("graceSeconds", () => Int, {
      nullable: true,
      description: "How long the old key keeps working, 0 (stops at once) to 604800 (7 days); 86400 (24 hours) when absent.",
    })
    graceSeconds: number | null,
    @Ctx() context: PartnersContext,
  ): Promise<CreatedApiKey> {
    requireKeyHolder(context.identity);
    return rotateApiKey(context, context.identity, id, checkedGraceSeconds(graceSeconds, "graceSeconds"));
  }

  @Directive("@inaccessible")
  @Query(() => ApiKeyCredential, {
    nullable: true,
    description:
      "Internal, not in the public API: the gateway's lookup of a presented key by its SHA-256, with the gateway's proof for that digest. Null for an unknown key.",
  })
  async apiKeyCredential(
    @Arg("digest", () => String, { description: "Hex SHA-256 of the presented secret." }) digest: string,
    @Arg("proof", () => String, { description: "The gateway's signed proof for this digest (lib/contracts/api-key.ts)." }) proof: string,
    @Ctx() context: PartnersContext,
  ): Promise<ApiKeyCredential | null> {
    await requireGatewayLookup(proof, digest, context.options.subgraphSecret);
    if (!API_KEY_DIGEST_PATTERN.test(digest)) throw new BadUserInputError("digest", "must be 64 lower-case hexadecimal characters");
    return lookUpCredential(context.dataSource, digest, context.log);
  }
}
