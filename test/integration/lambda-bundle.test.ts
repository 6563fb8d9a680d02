import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { DeleteMessageCommand, type Message, ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import type { APIGatewayProxyStructuredResultV2, SQSBatchResponse } from "aws-lambda";
import type { Metafile } from "esbuild";
import type { DataSource } from "typeorm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type EmbeddedSqs, startEmbeddedSqs } from "../../lib/platform/embedded-sqs.js";
import { createSqsClient, queueArnFromUrl, toSqsRecord } from "../../lib/platform/queue.js";
import { allMigrations, openDatabase } from "../../runtime/data-source.js";
import { type BundledLambda, startBundledLambda } from "../support/bundled-lambda.js";
import { createTestDatabase, type TestDatabase } from "../support/databases.js";
import { ADOPT_PACT, EVALUATION_RUN, LISTED_SCORES, REGISTER_AGENT, SUBMIT_RUN, triageCases } from "../support/fixtures.js";
import { asGateway, bearer } from "../support/graphql-client.js";
import {
  FUNCTIONS,
  type FunctionSpec,
  SUBGRAPHS,
  buildFunctions,
  functionEnvironments,
  functionNamed,
  urlVariableOf,
} from "../support/lambda-functions.js";
import { functionUrlEvent } from "../support/lambda-events.js";
import { seedAgentWithPact, seedQueuedRun } from "../support/seed.js";
import { duplicatedModules } from "../support/sst-bundle.js";
import { sqsEvent, sqsRecordFactory } from "../support/sqs-record.js";
import { raiseEvent, seedEndpoint } from "../support/webhooks.js";
import { WebhookAttempt } from "../../subgraphs/webhooks/webhook-delivery.entity.js";

/*
 * Every Lambda handler, bundled as SST 4.17.1 bundles it for `sst deploy` (test/support/sst-bundle.ts
 * says where each option comes from) with the `nodejs.esbuild` options infra/lambda.ts gives it
 * (infra/bundle-options.ts), then run as Lambda runs it: each bundle alone in its own Node process,
 * from a folder under the system's temporary directory with no node_modules above it, invoked
 * with the events AWS sends. The functions talk to each other as on AWS: the gateway calls the
 * subgraphs' function URLs over HTTP, the pacts subgraph and the scheduled jobs publish to an SQS
 * emulator, and every database function uses one MariaDB database that the Migrate bundle created.
 *
 * Vitest runs the sources with decorator metadata and one module graph; a bundle has neither, and
 * resolves packages its own way. What breaks only there (an inferred decorator type, two copies
 * of graphql, a package that cannot be bundled, a file read from the repository) breaks here.
 */

type Result = APIGatewayProxyStructuredResultV2 & { body: string };
type Data = Record<string, any>;

/** What infra/ deploys, read as text: each handler it names. */
const infraSource = readdirSync("infra")
  .map((file) => readFileSync(path.join("infra", file), "utf8"))
  .join("\n");

const bodyOf = (result: Result): Data => JSON.parse(result.body);
const migrationOrder = (names: string[]) => [...names].sort((a, b) => Number(a.slice(-13)) - Number(b.slice(-13)));

describe("Lambda bundles built as SST builds them", () => {
  const root = mkdtempSync(path.join(tmpdir(), "agent-trust-bundles-"));
  const metafiles = new Map<string, Metafile>();
  const folderOf = (spec: FunctionSpec) => path.join(root, spec.name);
  let database: TestDatabase;
  let sqs: EmbeddedSqs;
  let env: { common: Record<string, string>; backend: Record<string, string> };

  beforeAll(async () => {
    [database, sqs] = await Promise.all([
      createTestDatabase("mysql"),
      startEmbeddedSqs({ maxReceiveCount: 3, visibilityTimeoutSeconds: 30 * 60 }),
    ]);
    env = await functionEnvironments({
      databaseUrl: database.url,
      sqsUrl: sqs.url,
      judgeQueueUrl: sqs.judgeQueueUrl,
      webhookQueueUrl: sqs.webhookQueueUrl,
    });
    for (const built of await buildFunctions(root)) metafiles.set(built.spec.name, built.metafile);
  }, 120_000);

  afterAll(async () => {
    rmSync(root, { recursive: true, force: true });
    await sqs?.stop();
    await database?.drop();
  });

  it("covers every handler in functions/, each one deployed by infra/", () => {
    const sources = readdirSync("functions").map((file) => `functions/${file.replace(/\.ts$/, "")}.handler`);

    expect(FUNCTIONS.map((spec) => spec.handler).sort()).toEqual(sources.sort());
    for (const spec of FUNCTIONS) expect(infraSource).toContain(`"${spec.handler}"`);
  });

  it("runs each bundle from a folder with no node_modules above it", () => {
    for (let dir = root; dir !== path.dirname(dir); dir = path.dirname(dir)) expect(existsSync(path.join(dir, "node_modules"))).toBe(false);
    for (const spec of FUNCTIONS)
      expect(readdirSync(folderOf(spec)).sort()).toEqual(["bundle.mjs", ...(spec.copyFiles ? ["gateway"] : [])]);
  });

  it("gives each bundle one copy of graphql, and nothing of sst or SQLite", () => {
    const copiesTwice = (spec: FunctionSpec) => duplicatedModules(metafiles.get(spec.name)!, "graphql").length;
    const inputsOf = (spec: FunctionSpec) => Object.keys(metafiles.get(spec.name)!.inputs);

    // Files of graphql present in both its builds (index.mjs's ESM tree and the CommonJS .js files).
    expect(Object.fromEntries(FUNCTIONS.map((spec) => [spec.name, copiesTwice(spec)]))).toEqual(
      Object.fromEntries(FUNCTIONS.map((spec) => [spec.name, 0])),
    );
    for (const spec of FUNCTIONS) {
      expect(inputsOf(spec).some((input) => input.includes("node_modules/graphql/"))).toBe(true);
      expect(inputsOf(spec).filter((input) => /node_modules\/(sst|better-sqlite3)\//.test(input))).toEqual([]);
    }
  });

  describe("deployed", () => {
    const running = new Map<string, BundledLambda>();
    const fn = (name: string) => running.get(name)!;
    const start = async (spec: FunctionSpec, extra: Record<string, string> = {}) => {
      const lambda = await startBundledLambda(folderOf(spec), {
        name: spec.name,
        timeoutMs: spec.timeoutMs,
        memoryMb: spec.memoryMb,
        env: { ...(spec.backend ? env.backend : env.common), ...extra },
      });
      running.set(spec.name, lambda);
      return lambda;
    };
    /** A GraphQL request to a function URL, as Lambda delivers it to the handler. */
    const post = (name: string, query: string, variables: Data = {}, headers: Record<string, string> = {}) =>
      fn(name).invoke<Result>(functionUrlEvent({ query, variables }, headers));
    const viaGateway = (query: string, variables: Data = {}, headers: Record<string, string> = {}) =>
      post("Gateway", query, variables, headers);
    const builder = () => bearer("builder", "bundle-builder");
    /** A function's status code and parsed body, for assertions that show both. */
    const answer = (result: Result) => ({ statusCode: result.statusCode, body: bodyOf(result) });
    /** The end of a function's log, shown when an assertion about it fails. */
    const logs = (name: string) => `${name}'s log:\n${fn(name).output().slice(-6000)}`;
    /** Receives from the judge queue until a message about `runId` arrives; deletes what it received. */
    const receive = async (runId: string) => {
      const client = createSqsClient({ region: "us-east-1", endpoint: sqs.url });
      try {
        const received: Message[] = [];
        for (let attempt = 0; attempt < 10 && !received.some((message) => message.Body?.includes(runId)); attempt += 1) {
          const { Messages = [] } = await client.send(
            new ReceiveMessageCommand({
              QueueUrl: sqs.judgeQueueUrl,
              MaxNumberOfMessages: 10,
              WaitTimeSeconds: 1,
              AttributeNames: ["All"],
            }),
          );
          for (const message of Messages)
            await client.send(new DeleteMessageCommand({ QueueUrl: sqs.judgeQueueUrl, ReceiptHandle: message.ReceiptHandle }));
          received.push(...Messages);
        }
        return received.filter((message) => message.Body?.includes(runId));
      } finally {
        client.destroy();
      }
    };
    let dataSource: DataSource;

    beforeAll(async () => {
      // The deploy's first step: the Migrate function, invoked once the database exists.
      await start(functionNamed("Migrate"));
    }, 60_000);

    afterAll(async () => {
      await Promise.all([...running.values()].map((lambda) => lambda.stop()));
      await dataSource?.destroy();
    });

    it("Migrate applies every migration in order, then nothing on a second invocation", async () => {
      // As the deploy invokes it (infra/migrations.ts), then by hand (`aws lambda invoke` sends `{}`).
      const first = await fn("Migrate").invoke<{ applied: string[] }>({ source: "deploy" });
      const second = await fn("Migrate").invoke<{ applied: string[] }>({});

      expect(first.applied).toEqual(migrationOrder(allMigrations.map((migration) => migration.name)));
      expect(second.applied).toEqual([]);
    });

    describe("with every function running", () => {
      beforeAll(async () => {
        const others = FUNCTIONS.filter((spec) => spec.name !== "Gateway" && spec.name !== "Migrate");
        await Promise.all(others.map((spec) => start(spec)));
        // infra/api.ts: the gateway gets each subgraph's function URL, and counts rate limits in MySQL.
        // infra/api.ts: the subgraphs' function URLs, and rate limits counted in MySQL. Not its
        // SUBGRAPH_AUTH=iam: in production that signs calls to https URLs only, and these are
        // plain http (test/integration/private-subgraphs.test.ts tests the signing).
        await start(functionNamed("Gateway"), {
          RATE_LIMIT_STORE: "mysql",
          RATE_LIMIT_DATABASE_URL: database.url,
          ...Object.fromEntries(SUBGRAPHS.map((spec) => [urlVariableOf(spec), fn(spec.name).url])),
        });
        dataSource = await openDatabase(database.url, { migrate: false });
      }, 120_000);

      it("the gateway answers operations with required variables, mutations and errors, across every subgraph", async () => {
        const headers = await builder();
        const registered = await viaGateway(
          REGISTER_AGENT,
          { input: { name: "Bundled Triage", description: "Triages EDR alerts", domains: ["ALERT_TRIAGE"] } },
          headers,
        );
        const agentId = bodyOf(registered).data?.registerAgent?.id;
        // One field from each subgraph: agents, disputes, pacts and reputation through entity
        // fetches (each a `query($representations: [_Any!]!)`), partners and transparency at the root.
        const read = await viaGateway(
          `query($id: ID!) { agent(id: $id) { name openDisputeCount pacts { id } trust { tier evaluationRuns } } rateLimit { limit } treeHead { treeSize } }`,
          { id: agentId },
          headers,
        );
        const refused = await viaGateway(ADOPT_PACT, { agentId, template: "no-such-template" }, headers);
        const missingVariable = await viaGateway(`query($id: ID!) { agent(id: $id) { id } }`, {}, headers);
        const forged = await viaGateway("{ __typename }", {}, { authorization: "Bearer forged" });

        expect(answer(registered), logs("Gateway")).toMatchObject({
          statusCode: 200,
          body: { data: { registerAgent: { name: "Bundled Triage", ownerId: "bundle-builder" } } },
        });
        expect(answer(read), logs("Gateway")).toMatchObject({
          statusCode: 200,
          body: {
            data: {
              agent: { name: "Bundled Triage", openDisputeCount: 0, pacts: [], trust: { tier: "UNRATED", evaluationRuns: 0 } },
              rateLimit: { limit: expect.any(Number) },
            },
          },
        });
        // The log's signed head, or null while the log is empty: either way an answer, not an error.
        expect(bodyOf(read).data).toHaveProperty("treeHead");
        expect(bodyOf(read).errors).toBeUndefined();
        expect(answer(refused)).toMatchObject({
          statusCode: 200,
          body: { data: null, errors: [{ extensions: { code: "BAD_USER_INPUT" } }] },
        });
        expect(answer(missingVariable)).toMatchObject({ statusCode: 400, body: { errors: [{ extensions: { code: "BAD_USER_INPUT" } }] } });
        expect(forged.statusCode).toBe(401);
      });

      it("a submitted run reaches the queue, and the judge, given it with a malformed and a duplicate record, reports only the malformed one and counts the run once", async () => {
        const headers = await builder();
        const registered = await viaGateway(
          REGISTER_AGENT,
          { input: { name: "Bundled Loop", description: "Triages EDR alerts", domains: ["ALERT_TRIAGE"] } },
          headers,
        );
        const agentId = bodyOf(registered).data.registerAgent.id;
        const adopted = await viaGateway(ADOPT_PACT, { agentId, template: "alert-triage" }, headers);
        const pactId = bodyOf(adopted).data.adoptPactTemplate.id;
        const submitted = await viaGateway(
          SUBMIT_RUN,
          { input: { agentId, pactId, cases: triageCases(40, { wrongSeverity: 1 }) } },
          headers,
        );
        const runId = bodyOf(submitted).data.submitEvaluationRun.id;

        // What the pacts function published before answering, delivered as Lambda's SQS event source does.
        const [message] = await receive(runId);
        const job = toSqsRecord(message!, queueArnFromUrl(sqs.judgeQueueUrl, "us-east-1"), "us-east-1");
        const malformed = sqsRecordFactory("{ not a judge job");
        const duplicate = { ...job, messageId: "duplicate-delivery" };
        const judged = await fn("Judge").invoke<SQSBatchResponse>(sqsEvent(job, malformed, duplicate));
        const run = await viaGateway(EVALUATION_RUN, { id: runId }, headers);
        const trust = await viaGateway(
          `query($id: ID!) { agent(id: $id) { trust { tier evaluationRuns casesPassed casesFailed compositeScore } } }`,
          {
            id: agentId,
          },
        );

        expect(answer(submitted), logs("Gateway")).toMatchObject({
          statusCode: 200,
          body: { data: { submitEvaluationRun: { status: "QUEUED" } } },
        });
        expect(JSON.parse(job.body)).toMatchObject({ kind: "evaluation-run", runId });
        expect(judged, logs("Judge")).toEqual({ batchItemFailures: [{ itemIdentifier: malformed.messageId }] });
        expect(bodyOf(run).data.evaluationRun).toMatchObject({ status: "COMPLETED", passedCount: 39, failedCount: 1 });
        expect(bodyOf(trust).data.agent.trust).toEqual({
          tier: "BRONZE",
          evaluationRuns: 1,
          casesPassed: 39,
          casesFailed: 1,
          compositeScore: LISTED_SCORES.compositeScore,
        });
      });

      it("each subgraph answers a request signed as the gateway's and refuses an unsigned one", async () => {
        for (const spec of SUBGRAPHS) {
          const name = spec.name.replace("Subgraph", "").toLowerCase();
          const signed = await post(spec.name, "{ _service { sdl } }", {}, await asGateway(name, { role: "anonymous", subject: null }));
          const unsigned = await post(spec.name, "{ _service { sdl } }");

          expect({ [spec.name]: signed.statusCode }, logs(spec.name)).toEqual({ [spec.name]: 200 });
          expect(bodyOf(signed).data._service.sdl).toContain("type Query");
          expect(answer(unsigned)).toMatchObject({ statusCode: 401, body: { errors: [{ extensions: { code: "UNAUTHENTICATED" } }] } });
        }
      });

      it("the scheduled jobs, given SST's cron event, publish what the outbox holds", async () => {
        // A run whose job is still in the outbox, as when SQS was unreachable at submission.
        const { pact } = await seedAgentWithPact(dataSource, "bundle-builder");
        const pending = await seedQueuedRun(dataSource, pact, triageCases(10));

        // sst.aws.Cron sets the rule's target input to JSON.stringify(args.event || {}): the
        // function receives `{}`, not EventBridge's "Scheduled Event" envelope.
        const result = await fn("ScheduledJobs").invoke<{ published: number }>({});
        const messages = await receive(pending.id);

        expect(result.published, logs("ScheduledJobs")).toBeGreaterThanOrEqual(1);
        expect(messages.map((message) => JSON.parse(message.Body!).runId)).toContain(pending.id);
      });

      it("the scheduled jobs dispatch a webhook to the webhook queue, and the deliverer works it, refusing a loopback endpoint in production", async () => {
        const { agent } = await seedAgentWithPact(dataSource, "bundle-builder");
        // In production no endpoint may resolve to loopback: the deliverer refuses it before connecting.
        const endpoint = await seedEndpoint(dataSource, { url: "https://127.0.0.1:9/hooks", agentIds: [agent.id] });
        await raiseEvent(dataSource, { agentId: agent.id });

        await fn("ScheduledJobs").invoke({});
        const client = createSqsClient({ region: "us-east-1", endpoint: sqs.url });
        const received: Message[] = [];
        try {
          for (let attempt = 0; attempt < 10 && received.length === 0; attempt += 1) {
            const { Messages = [] } = await client.send(
              new ReceiveMessageCommand({
                QueueUrl: sqs.webhookQueueUrl,
                MaxNumberOfMessages: 10,
                WaitTimeSeconds: 1,
                AttributeNames: ["All"],
              }),
            );
            received.push(...Messages);
          }
        } finally {
          client.destroy();
        }
        const arn = queueArnFromUrl(sqs.webhookQueueUrl, "us-east-1");
        const worked = await fn("WebhookDeliverer").invoke<SQSBatchResponse>(
          sqsEvent(...received.map((message) => toSqsRecord(message, arn, "us-east-1"))),
        );
        const attempts = await dataSource.getRepository(WebhookAttempt).findBy({ endpointId: endpoint.id });

        expect(
          received.map((message) => JSON.parse(message.Body!).kind),
          logs("ScheduledJobs"),
        ).toEqual(["webhook-delivery"]);
        expect(worked, logs("WebhookDeliverer")).toEqual({ batchItemFailures: [] });
        expect(attempts).toEqual([
          expect.objectContaining({ outcome: "REFUSED", statusCode: null, error: expect.stringContaining("127.0.0.1") }),
        ]);
      });
    });
  });
});
