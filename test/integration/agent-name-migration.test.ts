import { describe, expect, it } from "vitest";
import type { DataSource } from "typeorm";
import { isUniqueViolation } from "../../lib/platform/database.js";
import { agentNameSkeletonKey } from "../../subgraphs/agents/agent-name.rules.js";
import { AgentNameSkeletons1764400000110 } from "../../subgraphs/agents/migrations/1764400000110-agent-name-skeletons.js";
import { allMigrations } from "../../runtime/data-source.js";
import { DATABASE_KINDS, appliedMigrations, columnsOf, indicesOf, insertRow, migrationsBefore, undoThrough } from "../support/databases.js";
import { useScratchDatabase } from "../support/migrated-database.js";

const FIRST = "11111111-1111-4111-8111-111111111111";
const LOOKALIKE = "11111111-1111-4111-8111-111111111112";
const OTHER = "11111111-1111-4111-8111-111111111113";
const LATER = "11111111-1111-4111-8111-111111111114";

/** An agent as the table held it before names claimed a look. */
const agentRow = (id: string, name: string, ownerId: string, registeredAt: string) => ({
  id,
  name,
  name_key: `key-${id}`,
  description: "Triages EDR alerts",
  domains: "ALERT_TRIAGE",
  owner_id: ownerId,
  registered_at: registeredAt,
});

const skeletonsOf = async (dataSource: DataSource): Promise<Record<string, string | null>> =>
  Object.fromEntries(
    ((await dataSource.query("SELECT id, name_skeleton FROM agents")) as { id: string; name_skeleton: string | null }[]).map((row) => [
      row.id,
      row.name_skeleton,
    ]),
  );

describe.each(DATABASE_KINDS)("the agent name skeleton migration (%s)", (kind) => {
  const db = useScratchDatabase(kind);

  it("backfills existing agents oldest first: a later lookalike of another owner keeps its name but claims no look", async () => {
    await db.createAtSchema(migrationsBefore(allMigrations, AgentNameSkeletons1764400000110), async (old) => {
      // Inserted newest first, so that the order claims are made in comes from registered_at.
      await insertRow(old, "agents", agentRow(LOOKALIKE, "P\u0430yPal Triage", "mallory", "2026-11-02 09:00:00.000"));
      await insertRow(old, "agents", agentRow(OTHER, "Night Shift", "mallory", "2026-11-01 10:00:00.000"));
      await insertRow(old, "agents", agentRow(FIRST, "PayPal Triage", "alice", "2026-11-01 09:00:00.000"));
    });

    const dataSource = await db.open();

    expect(await skeletonsOf(dataSource)).toEqual({
      [FIRST]: agentNameSkeletonKey("PayPal Triage"),
      [LOOKALIKE]: null,
      [OTHER]: agentNameSkeletonKey("Night Shift"),
    });
    expect(await indicesOf(dataSource, "agents")).toContain("uq_agents_name_skeleton");
    // The claimed look is held by the index: a new row with it cannot land, on any engine.
    const refused = await insertRow(dataSource, "agents", {
      ...agentRow(LATER, "PAYPAL TRIAGE", "oscar", "2026-12-01 09:00:00.000"),
      name_skeleton: agentNameSkeletonKey("PAYPAL TRIAGE"),
    }).catch((error: unknown) => error);
    expect(isUniqueViolation(refused)).toBe(true);
    // The agents directory other contexts read still answers.
    expect(await dataSource.query("SELECT agent_id FROM agent_directory ORDER BY agent_id")).toHaveLength(3);
  });

  it("undoes itself, keeping every agent and the directory, and redoes itself", async () => {
    const dataSource = await db.open();
    await insertRow(dataSource, "agents", {
      ...agentRow(FIRST, "Harbor Patrol", "alice", "2026-11-01 09:00:00.000"),
      name_skeleton: agentNameSkeletonKey("Harbor Patrol"),
    });

    await undoThrough(dataSource, AgentNameSkeletons1764400000110.name);
    expect(await appliedMigrations(dataSource)).not.toContain(AgentNameSkeletons1764400000110.name);
    expect(await columnsOf(dataSource, "agents")).not.toContain("name_skeleton");
    expect(await indicesOf(dataSource, "agents")).not.toContain("uq_agents_name_skeleton");
    expect(await dataSource.query("SELECT agent_id FROM agent_directory")).toEqual([{ agent_id: FIRST }]);

    await dataSource.runMigrations({ transaction: "each" });
    expect(await skeletonsOf(dataSource)).toEqual({ [FIRST]: agentNameSkeletonKey("Harbor Patrol") });
    expect(await indicesOf(dataSource, "agents")).toContain("uq_agents_name_skeleton");
  });
});
