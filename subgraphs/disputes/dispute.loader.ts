import DataLoader from "dataloader";
import { In, type DataSource } from "typeorm";
import { Dispute, DisputeStatus } from "./dispute.entity.js";

/** One grouped count per request, whatever the number of agents on the page. */
export function createOpenDisputeCountLoader(dataSource: DataSource): DataLoader<string, number> {
  return new DataLoader(async (agentIds: readonly string[]) => {
    const rows = await dataSource
      .getRepository(Dispute)
      .createQueryBuilder("d")
      .select("d.agent_id", "agent_id")
      .addSelect("COUNT(*)", "open")
      .where({ agentId: In([...agentIds]), status: DisputeStatus.OPEN })
      .groupBy("d.agent_id")
      .getRawMany<{ agent_id: string; open: number | string }>();
    const counts = new Map(rows.map((row) => [row.agent_id, Number(row.open)]));
    return agentIds.map((agentId) => counts.get(agentId) ?? 0);
  });
}
