import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * The agent directory publishes each agent's name too: signed attestations (the reputation
 * context) name the agent they vouch for, and read it here rather than from the agents table.
 */
export class DirectoryNames1764600000120 implements MigrationInterface {
  name = "DirectoryNames1764600000120";

  async up(runner: QueryRunner): Promise<void> {
    await runner.query("DROP VIEW agent_directory");
    await runner.query("CREATE VIEW agent_directory AS SELECT id AS agent_id, owner_id, name, domains, registered_at FROM agents");
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query("DROP VIEW agent_directory");
    await runner.query("CREATE VIEW agent_directory AS SELECT id AS agent_id, owner_id, domains, registered_at FROM agents");
  }
}
