import type DataLoader from "dataloader";
import type { DataSource } from "typeorm";
import type { Identity } from "../../lib/identity.js";

export interface DisputesContext {
  identity: Identity;
  dataSource: DataSource;
  openDisputeCountByAgentId: DataLoader<string, number>;
}
