import type { DataSource } from "typeorm";
import type { Identity } from "../../lib/platform/identity.js";
import type { Logger } from "../../lib/platform/logger.js";
import type { ForwardedByGateway } from "../../lib/platform/subgraph-server.js";

export interface PartnersOptions {
  /** SUBGRAPH_SECRET: what the gateway signs its API key lookups with (lib/contracts/api-key.ts). */
  subgraphSecret: string;
}

export interface PartnersContext {
  identity: Identity;
  dataSource: DataSource;
  log: Logger;
  options: PartnersOptions;
  /** What the gateway forwarded besides the caller: the request's rate-limit charge, which `rateLimit` reads. */
  forwarded: ForwardedByGateway;
}
