import type { DataSource } from "typeorm";
import { LogEntryKind, type LogPosition } from "../../lib/contracts/transparency-log.js";
import { LogEntry } from "./log.entity.js";
import { readTreeHead } from "./log-proof.read.js";

/**
 * Where `subject` stands in the latest signed head: its latest TRUST_CHANGE and ELIGIBILITY
 * entries below the head's size; null before the first head. Two statements, each a seek on
 * (subject, kind, log_index).
 */
export async function readLogPosition(dataSource: DataSource, subject: string): Promise<LogPosition | null> {
  const head = await readTreeHead(dataSource, null);
  if (!head) return null;
  const latest = async (kind: LogEntryKind) => {
    const row = await dataSource.manager
      .createQueryBuilder(LogEntry, "e")
      .select("MAX(e.log_index)", "position")
      .where("e.subject = :subject AND e.kind = :kind AND e.log_index < :size", { subject, kind, size: head.treeSize })
      .getRawOne<{ position: number | string | null }>();
    return row?.position == null ? null : Number(row.position);
  };
  const [trustChange, eligibility] = [await latest(LogEntryKind.TRUST_CHANGE), await latest(LogEntryKind.ELIGIBILITY)];
  return { treeSize: head.treeSize, rootHash: head.rootHash, trustChange, eligibility };
}
