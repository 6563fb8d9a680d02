import { Column, Entity, Index, PrimaryColumn, PrimaryGeneratedColumn } from "typeorm";
import type { LogEntryKind } from "../../lib/contracts/transparency-log.js";

/*
 * The log's tables. BIGINTs come back as strings from MySQL and numbers from SQLite: read them
 * through Number() (indexes stay far below 2^53).
 */

/**
 * One logged act. Written by the act's transaction with no index; the sequencer gives committed
 * rows their `logIndex` (dense, from 0) and their `leafHash`, which binds the index (log-leaf.math.ts).
 */
@Entity({ name: "transparency_log_entries" })
@Index("uq_transparency_log_entries_index", ["logIndex"], { unique: true })
@Index("ix_transparency_log_entries_subject", ["subject", "kind", "logIndex"])
export class LogEntry {
  @PrimaryGeneratedColumn("increment", { type: "bigint" })
  id: number | string;

  @Column({ name: "log_index", type: "bigint", nullable: true })
  logIndex: number | string | null;

  @Column({ type: "varchar", length: 32 })
  kind: LogEntryKind;

  @Column({ type: "varchar", length: 128 })
  subject: string;

  /** Canonical JSON (lib/platform/canonical-json.ts), exactly as hashed. */
  @Column({ type: "text" })
  payload: string;

  /** Hex SHA-256 of the leaf; null until sequenced. */
  @Column({ name: "leaf_hash", type: "varchar", length: 64, nullable: true })
  leafHash: string | null;

  @Column({ name: "recorded_at", type: "datetime", precision: 3 })
  recordedAt: Date;
}

/**
 * A perfect subtree's root (lib/platform/merkle.math.ts, TreeNodeRef): level 0 are the leaves.
 * Written once by the sequencer when its last leaf is appended, never changed: proofs and roots
 * read O(log² n) of them instead of every leaf.
 */
@Entity({ name: "transparency_tree_nodes" })
export class TreeNode {
  @PrimaryColumn({ type: "int" })
  level: number;

  @PrimaryColumn({ name: "node_index", type: "bigint" })
  nodeIndex: number | string;

  @Column({ type: "varchar", length: 64 })
  hash: string;
}

/** A signed tree head: the root of the first `treeSize` entries, signed at `createdAt` (log-head.math.ts). */
@Entity({ name: "transparency_tree_heads" })
export class TreeHead {
  @PrimaryColumn({ name: "tree_size", type: "bigint" })
  treeSize: number | string;

  @Column({ name: "root_hash", type: "varchar", length: 64 })
  rootHash: string;

  @Column({ name: "created_at", type: "datetime", precision: 3 })
  createdAt: Date;

  /** base64url signature over the head's canonical JSON. */
  @Column({ type: "varchar", length: 512 })
  signature: string;

  @Column({ name: "key_id", type: "varchar", length: 128 })
  keyId: string;
}

/** The sequencer's one row: the tree's size. Locking it serialises sequencers, never the acts that append. */
@Entity({ name: "transparency_log_state" })
export class LogState {
  @PrimaryColumn({ type: "int" })
  id: number;

  @Column({ name: "tree_size", type: "bigint" })
  treeSize: number | string;
}

/** The id of the state's row, written by the migration. */
export const LOG_STATE_ROW = 1;
