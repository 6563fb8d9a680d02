import { afterEach, describe, expect, it } from "vitest";
import { startEmbeddedSqs, type EmbeddedSqs } from "../../lib/platform/embedded-sqs.js";
import { OutboxMessage } from "../../lib/platform/outbox.js";
import type { LocalSystem } from "../../runtime/local.js";
import { DATABASE_KINDS, createTestDatabase, type TestDatabase } from "../support/databases.js";
import { ADOPT_PACT, EVALUATION_RUN, REGISTER_AGENT, SEARCH_AGENTS, SUBMIT_RUN, triageCases } from "../support/fixtures.js";
import { freePort } from "../support/free-port.js";
import { bearer, dataOf, postGraphQL } from "../support/graphql-client.js";
import { eventually, startTestSystem } from "../support/system.js";

type Data = Record<string, any>;

/** Registers an agent, adopts the alert-triage pact and submits a run; returns the ids. */
async function submitRun(gatewayUrl: string, owner: string) {
  const builder = await bearer("builder", owner);
  const call = (query: string, variables: Record<string, unknown>) => postGraphQL<Data>(gatewayUrl, query, variables, builder);
  const agent = dataOf(
    await call(REGISTER_AGENT, { input: { name: `${owner}'s triage`, description: "triage", domains: ["ALERT_TRIAGE"] } }),
  ).registerAgent;
  const pact = dataOf(await call(ADOPT_PACT, { agentId: agent.id, template: "alert-triage" })).adoptPactTemplate;
  const run = dataOf(await call(SUBMIT_RUN, { input: { agentId: agent.id, pactId: pact.id, cases: triageCases(25) } })).submitEvaluationRun;
  return { agentId: agent.id as string, runId: run.id as string };
}

async function judged(gatewayUrl: string, runId: string): Promise<Data> {
  return eventually(
    async () => {
      const run = dataOf(await postGraphQL<Data>(gatewayUrl, EVALUATION_RUN, { id: runId })).evaluationRun;
      return run.status === "COMPLETED" ? run : undefined;
    },
    20_000,
    `run ${runId} to be judged`,
  );
}

async function compositeConfidenceOf(gatewayUrl: string, agentId: string): Promise<number> {
  const search = dataOf(await postGraphQL<Data>(gatewayUrl, SEARCH_AGENTS, { filter: { eligibleOnly: false }, first: 100 })).searchAgents;
  const node = search.edges.find((edge: Data) => edge.node.id === agentId)?.node;
  return node.trust.compositeConfidence;
}

describe.each(DATABASE_KINDS)("no accepted run is lost (%s)", (kind) => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    cleanups.length = 0;
  });
  const track = <T extends { stop(): Promise<void> } | TestDatabase>(thing: T): T => {
    cleanups.push(() => ("stop" in thing ? thing.stop() : thing.drop()));
    return thing;
  };

  it("judges, after a restart, a run whose queued job died with the previous process", async () => {
    const database = track(await createTestDatabase(kind));
    const first: LocalSystem = await startTestSystem({ databaseUrl: database.url, judge: false });
    let stopped = false;
    cleanups.push(async () => {
      if (!stopped) await first.stop();
    });
    const { agentId, runId } = await submitRun(first.gatewayUrl, "alice");
    // The job has left the outbox for the in-memory queue, which dies with the process.
    await eventually(async () => ((await first.dataSource.getRepository(OutboxMessage).count()) === 0 ? true : undefined));
    await first.stop();
    stopped = true;

    const second = track(await startTestSystem({ databaseUrl: database.url }));
    const run = await judged(second.gatewayUrl, runId);

    expect(run).toMatchObject({ passedCount: 25, failedCount: 0, passed: true });
    // The run counted once: confidence n / (n + 50), n the cases behind the average metric, each
    // metric weighing its pact weight × cases / (cases + 10). Severity accuracy (weight 0.6) on all
    // 25 cases: 0.6·25/35 = 0.4286; false-positive rate (0.4) on the 9 benign ones (i % 3 === 0):
    // 0.4·9/19 = 0.1895. n = (0.4286·25 + 0.1895·9) / (0.4286 + 0.1895) = 12.42 / 0.6180 = 20.09,
    // and 20.09 / 70.09 = 0.287. Twice would be 50 and 18 cases, weighing 0.6·50/60 = 0.5 and
    // 0.4·18/28 = 0.2571: n = (25 + 4.63) / 0.7571 = 39.13, 39.13 / 89.13 = 0.439.
    expect(await compositeConfidenceOf(second.gatewayUrl, agentId)).toBe(0.287);
  });

  it("accepts a run while SQS is unreachable and judges it once SQS is back", async () => {
    const database = track(await createTestDatabase(kind));
    const port = await freePort();
    const settings = { maxReceiveCount: 3, visibilityTimeoutSeconds: 2, port };
    let sqs: EmbeddedSqs = await startEmbeddedSqs(settings);
    const env = { JUDGE_QUEUE_URL: sqs.judgeQueueUrl, SQS_ENDPOINT: sqs.url };
    const system = track(await startTestSystem({ databaseUrl: database.url, env }));

    await sqs.stop();
    const { runId } = await submitRun(system.gatewayUrl, "bob");
    const pending = await eventually(
      async () => {
        const [row] = await system.dataSource.getRepository(OutboxMessage).find();
        return row && row.attempts > 0 ? row : undefined;
      },
      10_000,
      "a failed publish attempt",
    );
    expect(JSON.parse(pending.body)).toEqual({ kind: "evaluation-run", runId, slice: 0 });
    expect(dataOf(await postGraphQL<Data>(system.gatewayUrl, EVALUATION_RUN, { id: runId })).evaluationRun.status).toBe("QUEUED");

    sqs = track(await startEmbeddedSqs(settings));
    const run = await judged(system.gatewayUrl, runId);
    expect(run.passed).toBe(true);
  });
});
