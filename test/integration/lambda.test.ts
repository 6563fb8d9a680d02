import { ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import type { APIGatewayProxyResultV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { startEmbeddedSqs, type EmbeddedSqs } from "../../lib/platform/embedded-sqs.js";
import { subgraphLambdaHandler } from "../../lib/platform/lambda.js";
import { SUBGRAPH_MAX_BODY_BYTES } from "../../lib/platform/subgraph-server.js";
import { createSqsClient } from "../../lib/platform/queue.js";
import type { LocalSystem } from "../../runtime/local.js";
import { agentsSubgraph } from "../../subgraphs/agents/index.js";
import { TEST_SECRETS, asGateway, bearer } from "../support/graphql-client.js";
import { functionUrlEvent, lambdaContext } from "../support/lambda-events.js";
import { useMigratedDatabase } from "../support/migrated-database.js";
import { seedAgentWithPact, seedQueuedRun } from "../support/seed.js";
import { startTestSystem } from "../support/system.js";

type Data = Record<string, any>;
const structured = (result: APIGatewayProxyResultV2) => result as APIGatewayProxyStructuredResultV2;
const bodyOf = (result: APIGatewayProxyResultV2): Data => JSON.parse(structured(result).body ?? "{}");

describe("Lambda entry points", () => {
  const db = useMigratedDatabase("mysql");
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.resetModules();
  });

  it("a subgraph behind a function URL refuses requests that did not come through the gateway", async () => {
    const handler = subgraphLambdaHandler(await agentsSubgraph(db.dataSource), TEST_SECRETS.subgraphSecret);
    const query = { query: '{ agent(id: "x") { id } }' };

    const direct = await handler(functionUrlEvent(query), lambdaContext(), () => {});
    const forwarded = await handler(
      functionUrlEvent(query, await asGateway("agents", { role: "anonymous", subject: null })),
      lambdaContext(),
      () => {},
    );

    expect(structured(direct!).statusCode).toBe(401);
    expect(bodyOf(direct!).errors[0].extensions.code).toBe("UNAUTHENTICATED");
    expect(structured(forwarded!).statusCode).toBe(200);
    expect(bodyOf(forwarded!)).toEqual({ data: { agent: null } });
  });

  it("a subgraph behind a function URL refuses an oversized body before parsing it", async () => {
    const handler = subgraphLambdaHandler(await agentsSubgraph(db.dataSource), TEST_SECRETS.subgraphSecret);
    const huge = { query: `{ __typename } # ${"x".repeat(SUBGRAPH_MAX_BODY_BYTES)}` };

    const result = await handler(
      functionUrlEvent(huge, await asGateway("agents", { role: "anonymous", subject: null })),
      lambdaContext(),
      () => {},
    );

    expect(structured(result!).statusCode).toBe(413);
    expect(bodyOf(result!).errors[0].extensions.code).toBe("BAD_REQUEST");
  });

  describe("with a running system", () => {
    let system: LocalSystem;
    beforeAll(async () => {
      system = await startTestSystem({ databaseUrl: db.url, judge: false });
    });
    afterAll(async () => {
      await system?.stop();
    });

    it("the gateway Lambda authenticates the caller and plans across the subgraphs", async () => {
      vi.stubEnv("NODE_ENV", "production");
      vi.stubEnv("AUTH_TOKEN_SECRET", TEST_SECRETS.tokenSecret);
      vi.stubEnv("SUBGRAPH_SECRET", TEST_SECRETS.subgraphSecret);
      vi.stubEnv("WEBHOOK_SECRET_KEY", TEST_SECRETS.webhookSecretKey);
      vi.stubEnv("LAMBDA_TASK_ROOT", process.cwd());
      for (const [name, url] of Object.entries(system.subgraphUrls)) vi.stubEnv(`${name.toUpperCase()}_URL`, url);
      const { handler } = await import("../../functions/gateway.js");

      const registered = await handler(
        functionUrlEvent(
          {
            query: `mutation { registerAgent(input: { name: "Via Lambda", description: "d", domains: [ALERT_TRIAGE] }) { id ownerId trust { tier } openDisputeCount } }`,
          },
          await bearer("builder", "lambda-user"),
        ),
        lambdaContext(),
        () => {},
      );
      const badToken = await handler(
        functionUrlEvent({ query: "{ __typename }" }, { authorization: "Bearer forged" }),
        lambdaContext(),
        () => {},
      );

      expect(bodyOf(registered!).data.registerAgent).toMatchObject({
        ownerId: "lambda-user",
        trust: { tier: "UNRATED" },
        openDisputeCount: 0,
      });
      expect(structured(badToken!).statusCode).toBe(401);
    });
  });

  describe("the scheduled outbox relay", () => {
    let sqs: EmbeddedSqs;
    beforeAll(async () => {
      sqs = await startEmbeddedSqs({ maxReceiveCount: 3, visibilityTimeoutSeconds: 30 });
    });
    afterAll(async () => {
      await sqs?.stop();
    });

    it("publishes every pending judge job to the queue", async () => {
      const { pact } = await seedAgentWithPact(db.dataSource);
      const runs = [await seedQueuedRun(db.dataSource, pact), await seedQueuedRun(db.dataSource, pact)];
      vi.stubEnv("DATABASE_URL", db.url);
      vi.stubEnv("JUDGE_QUEUE_URL", sqs.judgeQueueUrl);
      vi.stubEnv("SQS_ENDPOINT", sqs.url);
      const { handler } = await import("../../functions/scheduled-jobs.js");

      const result = await handler({} as never, lambdaContext());

      expect(result.published).toBeGreaterThanOrEqual(2);
      const client = createSqsClient({ region: "us-east-1", endpoint: sqs.url });
      const received = await client.send(
        new ReceiveMessageCommand({ QueueUrl: sqs.judgeQueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
      );
      client.destroy();
      const runIds = (received.Messages ?? []).map((m) => JSON.parse(m.Body!).runId);
      expect(runIds).toEqual(expect.arrayContaining(runs.map((r) => r.id)));
    });
  });
});
