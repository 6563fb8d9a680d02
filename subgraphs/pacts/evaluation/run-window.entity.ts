import { Entity, PrimaryColumn } from "typeorm";

/**
 * One agent's runs in one workflow, as clause windows span them: the row a judge deciding a run
 * and a granted appeal setting a run aside both lock, so no verdict is read over a window that is
 * changing under it.
 */
@Entity({ name: "run_windows" })
export class RunWindow {
  @PrimaryColumn({ name: "agent_id", type: "varchar", length: 36 })
  agentId: string;

  @PrimaryColumn({ type: "varchar", length: 40 })
  workflow: string;
}
