import { TableIndex, type MigrationInterface, type QueryRunner } from "typeorm";
import { agentNameSkeletonKey } from "../agent-name.rules.js";

const INDEX = "uq_agents_name_skeleton";

/**
 * Names that cannot impersonate: each agent claims the look of its name (its confusable skeleton
 * key), unique across builders. Existing agents are backfilled oldest first; one whose name reads
 * like an earlier agent's keeps its name but claims no look (null, which a unique index admits
 * many times), since it was registered under the old rules and renaming is not ours to do: the
 * earlier agent holds the look, so no new registration can take it.
 *
 * The column is added with plain SQL rather than `addColumn`, which on SQLite copies the table
 * under a temporary name and would trip over the `agent_directory` view that reads it.
 */
export class AgentNameSkeletons1764400000110 implements MigrationInterface {
  name = "AgentNameSkeletons1764400000110";

  async up(runner: QueryRunner): Promise<void> {
    await runner.query("ALTER TABLE agents ADD COLUMN name_skeleton varchar(64) NULL");
    const agents: { id: string; name: string }[] = await runner.query("SELECT id, name FROM agents ORDER BY registered_at, id");
    const claimed = new Set<string>();
    for (const agent of agents) {
      const key = agentNameSkeletonKey(agent.name);
      if (claimed.has(key)) continue;
      claimed.add(key);
      await runner.query("UPDATE agents SET name_skeleton = ? WHERE id = ?", [key, agent.id]);
    }
    await runner.createIndex("agents", new TableIndex({ name: INDEX, columnNames: ["name_skeleton"], isUnique: true }));
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.dropIndex("agents", INDEX);
    await runner.query("ALTER TABLE agents DROP COLUMN name_skeleton");
  }
}
