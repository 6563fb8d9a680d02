import type { DataSource } from "typeorm";
import { buildFederatedSchema } from "../../lib/platform/federation.js";
import type { Subgraph } from "../../lib/platform/subgraph-server.js";
import { ApiKey } from "./api-key.entity.js";
import { ApiKeyResolver } from "./api-key.resolver.js";
import { CreatePartners1764500000510 } from "./migrations/1764500000510-create-partners.js";
import type { PartnersContext, PartnersOptions } from "./partners.context.js";
import { PartnerSuspension } from "./partner-suspension.entity.js";
import { RateLimitResolver } from "./rate-limit.resolver.js";
import { PartnerStandingResolver } from "./partner.resolver.js";

export const partnersEntities = [ApiKey, PartnerSuspension];
export const partnersMigrations = [CreatePartners1764500000510];

export function buildPartnersSchema() {
  return buildFederatedSchema({ resolvers: [ApiKeyResolver, PartnerStandingResolver, RateLimitResolver] });
}

/**
 * The partners subgraph: partners' API keys (created, rotated, revoked; looked up by the gateway,
 * which signs its lookups with `subgraphSecret`) and operators' suspensions of partners.
 */
export async function partnersSubgraph(dataSource: DataSource, options: PartnersOptions): Promise<Subgraph<PartnersContext>> {
  return {
    name: "partners",
    schema: await buildPartnersSchema(),
    createContext: (identity, log, forwarded) => ({ identity, dataSource, log, options, forwarded }),
  };
}
