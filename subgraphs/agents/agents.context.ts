import type DataLoader from "dataloader";
import type { DataSource } from "typeorm";
import type { Identity } from "../../lib/platform/identity.js";
import type { Agent } from "./agent.entity.js";

export interface AgentsContext {
  identity: Identity;
  dataSource: DataSource;
  agentById: DataLoader<string, Agent | null>;
}
