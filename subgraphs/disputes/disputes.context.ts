import type DataLoader from "dataloader";
import type { DataSource } from "typeorm";
import type { DisputesConfig } from "../../lib/config.js";
import type { Identity } from "../../lib/identity.js";
import type { DisputeTransition } from "./dispute-transition.entity.js";
import type { DisputeListener } from "./dispute.lifecycle.js";

export interface DisputesOptions extends DisputesConfig {
  /** Told of every dispute's new state inside its transaction: the reputation context's intake. */
  onDisputeChanged: DisputeListener;
}

export interface DisputesContext {
  identity: Identity;
  dataSource: DataSource;
  options: DisputesOptions;
  openDisputeCountByAgentId: DataLoader<string, number>;
  transitionsByDisputeId: DataLoader<string, DisputeTransition[]>;
}
