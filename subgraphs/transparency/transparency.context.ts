import type { DataSource } from "typeorm";
import type { Identity } from "../../lib/platform/identity.js";
import type { Logger } from "../../lib/platform/logger.js";

export interface TransparencyContext {
  identity: Identity;
  dataSource: DataSource;
  log: Logger;
}
