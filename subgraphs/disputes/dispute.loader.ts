import DataLoader from "dataloader";
import { In, type DataSource } from "typeorm";
import { Dispute, DisputeKind } from "./dispute.entity.js";
import { DisputeTransition } from "./dispute-transition.entity.js";
import { ACTIVE_STATUSES } from "./dispute.lifecycle.js";

/**
 * Open complaints per agent, one grouped count per request whatever the number of agents on the
 * page. Appeals are left out: buyers read the count as complaints about the agent.
 */
export function createOpenDisputeCountLoader(dataSource: DataSource): DataLoader<string, number> {
  return new DataLoader(async (agentIds: readonly string[]) => {
    const rows = await dataSource
      .getRepository(Dispute)
      .createQueryBuilder("d")
      .select("d.agent_id", "agent_id")
      .addSelect("COUNT(*)", "open")
      .where({ agentId: In([...agentIds]), kind: DisputeKind.COMPLAINT, status: In(ACTIVE_STATUSES) })
      .groupBy("d.agent_id")
      .getRawMany<{ agent_id: string; open: number | string }>();
    const counts = new Map(rows.map((row) => [row.agent_id, Number(row.open)]));
    return agentIds.map((agentId) => counts.get(agentId) ?? 0);
  });
}

/** One query per request for the transitions of every dispute shown. */
export function createTransitionsLoader(dataSource: DataSource): DataLoader<string, DisputeTransition[]> {
  return new DataLoader(async (disputeIds: readonly string[]) => {
    const rows = await dataSource
      .getRepository(DisputeTransition)
      .find({ where: { disputeId: In([...disputeIds]) }, order: { version: "ASC" } });
    return disputeIds.map((disputeId) => rows.filter((row) => row.disputeId === disputeId));
  });
}
