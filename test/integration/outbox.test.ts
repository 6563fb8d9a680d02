import { beforeEach, describe, expect, it } from "vitest";
import { inTransaction } from "../../lib/platform/database.js";
import { OutboxMessage, enqueue, relayOnce, type Publisher } from "../../lib/platform/outbox.js";
import { DATABASE_KINDS } from "../support/databases.js";
import { useMigratedDatabase } from "../support/migrated-database.js";

describe.each(DATABASE_KINDS)("outbox relay (%s)", (kind) => {
  const db = useMigratedDatabase(kind);
  beforeEach(async () => {
    await db.dataSource.getRepository(OutboxMessage).clear();
  });

  const enqueueJobs = (...runIds: string[]) =>
    inTransaction(db.dataSource, async (manager) => {
      for (const runId of runIds) await enqueue(manager, "judge", { runId });
    });
  const recording = (accept: (index: number) => boolean = () => true) => {
    const sent: string[] = [];
    const publish: Publisher = async (_topic, bodies) => {
      const accepted = new Set<number>();
      bodies.forEach((body, index) => {
        if (accept(index)) {
          accepted.add(index);
          sent.push(JSON.parse(body).runId);
        }
      });
      return accepted;
    };
    return { sent, publish };
  };

  it("keeps a message the queue could not take, backs off, and publishes it later", async () => {
    await enqueueJobs("r1");
    const now = new Date();
    const unreachable: Publisher = async () => {
      throw new Error("connect ECONNREFUSED 127.0.0.1:4566");
    };

    expect(await relayOnce(db.dataSource, unreachable, 10, now)).toBe(0);
    const [kept] = await db.dataSource.getRepository(OutboxMessage).find();
    expect(kept).toMatchObject({ attempts: 1, claimToken: null, lastError: "connect ECONNREFUSED 127.0.0.1:4566" });
    expect(kept!.availableAt.getTime()).toBeGreaterThan(now.getTime());

    const { sent, publish } = recording();
    expect(await relayOnce(db.dataSource, publish, 10, now)).toBe(0);
    expect(await relayOnce(db.dataSource, publish, 10, new Date(now.getTime() + 60_000))).toBe(1);
    expect(sent).toEqual(["r1"]);
    expect(await db.dataSource.getRepository(OutboxMessage).count()).toBe(0);
  });

  it("removes only the messages the queue accepted", async () => {
    await enqueueJobs("a", "b", "c");
    const { sent, publish } = recording((index) => index !== 1);

    expect(await relayOnce(db.dataSource, publish)).toBe(2);

    expect(sent).toEqual(["a", "c"]);
    const left = await db.dataSource.getRepository(OutboxMessage).find();
    expect(left.map((row) => JSON.parse(row.body).runId)).toEqual(["b"]);
    expect(left[0]!.attempts).toBe(1);
  });

  it("publishes each message once when relays run side by side", async () => {
    await enqueueJobs(...Array.from({ length: 25 }, (_, i) => `run-${i}`));
    const { sent, publish } = recording();

    const relayUntilEmpty = async () => {
      while ((await relayOnce(db.dataSource, publish, 5)) > 0);
    };
    await Promise.all([relayUntilEmpty(), relayUntilEmpty(), relayUntilEmpty()]);

    expect(sent.sort()).toEqual(Array.from({ length: 25 }, (_, i) => `run-${i}`).sort());
    expect(await db.dataSource.getRepository(OutboxMessage).count()).toBe(0);
  });
});
