import { describe, expect, it } from "vitest";
import { inTransaction } from "../../lib/platform/database.js";
import { Agent } from "../../subgraphs/agents/agent.entity.js";
import { DATABASE_KINDS } from "../support/databases.js";
import { useMigratedDatabase } from "../support/migrated-database.js";
import { agentFixture } from "../support/seed.js";

describe.each(DATABASE_KINDS)("reads outside a transaction (%s)", (kind) => {
  const db = useMigratedDatabase(kind);

  it("never see rows of a transaction still open, nor of one rolled back", async () => {
    const agent = agentFixture("alice");
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let written!: () => void;
    const inserted = new Promise<void>((resolve) => (written = resolve));

    const transaction = inTransaction(db.dataSource, async (manager) => {
      await manager.insert(Agent, agent);
      written();
      await released;
      throw new Error("roll back");
    });
    await inserted;
    const duringTransaction = await db.dataSource.getRepository(Agent).findOneBy({ id: agent.id });
    release();
    await expect(transaction).rejects.toThrow("roll back");

    expect(duringTransaction).toBeNull();
    expect(await db.dataSource.getRepository(Agent).findOneBy({ id: agent.id })).toBeNull();
  });

  it("see a transaction's rows once it has committed", async () => {
    const agent = agentFixture("bob");

    await inTransaction(db.dataSource, (manager) => manager.insert(Agent, agent));

    expect(await db.dataSource.getRepository(Agent).findOneBy({ id: agent.id })).toMatchObject({ id: agent.id, ownerId: "bob" });
  });
});
