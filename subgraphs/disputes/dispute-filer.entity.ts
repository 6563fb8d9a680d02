import { Entity, PrimaryColumn } from "typeorm";

/** One filer's standing against one agent: the row filings lock, so the open-dispute cap holds under concurrency. */
@Entity({ name: "dispute_filers" })
export class DisputeFiler {
  @PrimaryColumn({ name: "agent_id", type: "varchar", length: 36 })
  agentId: string;

  @PrimaryColumn({ name: "filed_by", type: "varchar", length: 128 })
  filedBy: string;
}
