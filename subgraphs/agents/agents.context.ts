import type DataLoader from "dataloader";
import type { DataSource } from "typeorm";
import type { Identity } from "../../lib/platform/identity.js";
import type { AgentSummary } from "./agent.loader.js";

export interface AgentsContext {
  identity: Identity;
  dataSource: DataSource;
  agentById: DataLoader<string, AgentSummary | null>;
  descriptionByAgentId: DataLoader<string, string | null>;
}
