import { readFileSync } from "node:fs";
import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { BedrockRuntimeClient } from "@aws-sdk/client-bedrock-runtime";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { bedrockJuror } from "../jury/bedrock.juror.js";
import { JURY_SYSTEM_PROMPT, juryPrompt, ModelCallError, type JuryQuestion, type TokenPrices } from "../jury/model.juror.js";
import { AlertSeverity, PactMetric } from "../../pact.enums.js";
import { rejectionOf } from "../../../../test/support/thrown.js";

/**
 * The judge runs the real SDK against a local server speaking the Bedrock Converse REST protocol.
 * The Bedrock runtime client's default request handler is HTTP/2 only (it is built for the
 * bidirectional streaming operations), so the server is node:http2 in cleartext, not node:http:
 * an HTTP/1.1 server makes every call fail with "NghttpError: Protocol error".
 */

interface Fixture {
  status: number;
  headers: Record<string, string>;
  /** A JSON body as an object, any other body as a string. */
  body: unknown;
}

interface Recorded {
  method: string;
  path: string;
  headers: http2.IncomingHttpHeaders;
  body: string;
}

function fixture(name: string): Fixture {
  return JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8")) as Fixture;
}

const MODEL_ID = "anthropic.claude-3-haiku-20240307-v1:0";
/** Claude 3 Haiku's on-demand prices per 1,000 tokens. */
const PRICES: TokenPrices = { inputPer1k: 0.00025, outputPer1k: 0.00125 };

const QUESTION: JuryQuestion = {
  metric: PactMetric.SEVERITY_CLASSIFICATION_ACCURACY,
  rubric: "Is the agent's severity right for this alert?",
  caseId: "case-7",
  input: { alert: "lsass.exe memory read by rundll32.exe on DC01", host: "DC01" },
  expected: { severity: AlertSeverity.HIGH },
  output: { severity: AlertSeverity.HIGH },
};

let server: http2.Http2Server;
let endpoint: string;
const sessions = new Set<http2.ServerHttp2Session>();
let requests: Recorded[] = [];
/** What the server answers with; undefined = never answer. */
let reply: Fixture | undefined;
const clients: BedrockRuntimeClient[] = [];

beforeAll(async () => {
  server = http2.createServer();
  server.on("session", (session) => {
    sessions.add(session);
    session.on("close", () => sessions.delete(session));
  });
  server.on("stream", (stream, headers) => {
    let body = "";
    stream.setEncoding("utf8");
    stream.on("data", (chunk: string) => (body += chunk));
    stream.on("end", () => {
      requests.push({ method: String(headers[":method"]), path: String(headers[":path"]), headers, body });
      if (reply === undefined) return; // a server that never answers
      const payload = typeof reply.body === "string" ? reply.body : JSON.stringify(reply.body);
      stream.respond({ ":status": reply.status, ...reply.headers, "content-length": Buffer.byteLength(payload) });
      stream.end(payload);
    });
    stream.on("error", () => {}); // the client resets streams it aborts
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const client of clients) client.destroy();
  for (const session of sessions) session.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  requests = [];
  reply = undefined;
});

function testClient(at = endpoint): BedrockRuntimeClient {
  const client = new BedrockRuntimeClient({
    region: "us-east-1",
    endpoint: at,
    credentials: { accessKeyId: "AKIDTEST", secretAccessKey: "test" },
    maxAttempts: 1,
  });
  clients.push(client);
  return client;
}

function judgeAgainst(client = testClient(), maxTokens?: number) {
  return bedrockJuror({
    modelId: MODEL_ID,
    region: "us-east-1",
    prices: PRICES,
    client,
    ...(maxTokens === undefined ? {} : { maxTokens }),
  });
}

const oneMinute = () => AbortSignal.timeout(60_000);

describe("bedrockJuror request", () => {
  it("is named after the model", () => {
    expect(judgeAgainst().name).toBe("bedrock:anthropic.claude-3-haiku-20240307-v1:0");
  });

  it("POSTs a SigV4-signed Converse request with the jury prompt, temperature 0 and 300 tokens by default", async () => {
    reply = fixture("bedrock-converse-pass.json");
    await judgeAgainst().judge(QUESTION, oneMinute());

    expect(requests).toHaveLength(1);
    const [request] = requests as [Recorded];
    expect(request.method).toBe("POST");
    expect(request.path).toBe("/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse");
    expect(request.headers["content-type"]).toBe("application/json");
    expect(request.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDTEST\/\d{8}\/us-east-1\/bedrock\/aws4_request, SignedHeaders=[:a-z0-9;-]+, Signature=[0-9a-f]{64}$/,
    );
    expect(request.headers["x-amz-date"]).toMatch(/^\d{8}T\d{6}Z$/);
    expect(request.headers.authorization).toMatch(/SignedHeaders=[^,]*\bcontent-type;[^,]*\bx-amz-date\b/);
    expect(JSON.parse(request.body)).toEqual({
      system: [{ text: JURY_SYSTEM_PROMPT }],
      messages: [{ role: "user", content: [{ text: juryPrompt(QUESTION) }] }],
      inferenceConfig: { maxTokens: 300, temperature: 0 },
    });
    expect(juryPrompt(QUESTION)).toContain("lsass.exe memory read by rundll32.exe on DC01");
  });

  it("sends the configured maxTokens", async () => {
    reply = fixture("bedrock-converse-pass.json");
    await judgeAgainst(testClient(), 120).judge(QUESTION, oneMinute());
    expect(JSON.parse(requests[0]!.body).inferenceConfig).toEqual({ maxTokens: 120, temperature: 0 });
  });
});

describe("bedrockJuror response", () => {
  it("reads the vote out of a fenced reply and prices the reported usage", async () => {
    reply = fixture("bedrock-converse-pass.json");
    const answer = await judgeAgainst().judge(QUESTION, oneMinute());
    expect(answer.vote).toEqual({
      verdict: "PASS",
      confidence: 0.92,
      rationale: "The agent rated the alert high, as expected, and the input shows credential dumping on a domain controller.",
    });
    expect(answer.inputTokens).toBe(412);
    expect(answer.outputTokens).toBe(38);
    // 412 × 0.00025 / 1000 + 38 × 0.00125 / 1000 = 0.000103 + 0.0000475
    expect(answer.costUsd).toBeCloseTo(0.0001505, 12);
  });

  it("joins the text of every content block", async () => {
    reply = fixture("bedrock-converse-fail-two-blocks.json");
    const answer = await judgeAgainst().judge(QUESTION, oneMinute());
    expect(answer.vote).toEqual({ verdict: "FAIL", confidence: 0.7, rationale: "The agent called a true positive benign." });
    expect([answer.inputTokens, answer.outputTokens]).toEqual([389, 41]);
    // 389 × 0.00025 / 1000 + 41 × 0.00125 / 1000 = 0.00009725 + 0.00005125
    expect(answer.costUsd).toBeCloseTo(0.0001485, 12);
  });

  it("counts missing usage as zero tokens at zero cost", async () => {
    const pass = fixture("bedrock-converse-pass.json");
    const { usage: _usage, ...body } = pass.body as Record<string, unknown>;
    reply = { ...pass, body };
    const answer = await judgeAgainst().judge(QUESTION, oneMinute());
    expect(answer.vote.verdict).toBe("PASS");
    expect([answer.inputTokens, answer.outputTokens, answer.costUsd]).toEqual([0, 0, 0]);
  });

  it("gives parseVote's non-retryable error for a reply that is not a vote", async () => {
    reply = fixture("bedrock-converse-garbage.json");
    const error = await rejectionOf(judgeAgainst().judge(QUESTION, oneMinute()), ModelCallError);
    expect(error.retryable).toBe(false);
    expect(error.message).toBe("the reply holds no JSON object");
  });

  it.each([
    ["bedrock-converse-content-filtered.json", "content_filtered"],
    ["bedrock-converse-guardrail-intervened.json", "guardrail_intervened"],
  ])("refuses a reply cut by a filter (%s), even one holding a valid vote", async (name, stopReason) => {
    reply = fixture(name);
    const error = await rejectionOf(judgeAgainst().judge(QUESTION, oneMinute()), ModelCallError);
    expect(error.retryable).toBe(false);
    expect(error.message).toBe(`bedrock:${MODEL_ID} gave no vote: the reply stopped with ${stopReason}`);
  });

  it("refuses a response without a message", async () => {
    const pass = fixture("bedrock-converse-pass.json");
    reply = { ...pass, body: { ...(pass.body as object), output: {} } };
    const error = await rejectionOf(judgeAgainst().judge(QUESTION, oneMinute()), ModelCallError);
    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(/no message content/);
  });

  it("refuses a message whose content has no text", async () => {
    const pass = fixture("bedrock-converse-pass.json");
    reply = { ...pass, body: { ...(pass.body as object), output: { message: { role: "assistant", content: [] } } } };
    const error = await rejectionOf(judgeAgainst().judge(QUESTION, oneMinute()), ModelCallError);
    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(/holds no text/);
  });
});

describe("bedrockJuror errors", () => {
  it.each([
    ["bedrock-converse-throttled.json", "ThrottlingException", true],
    ["bedrock-converse-model-not-ready.json", "ModelNotReadyException", true],
    ["bedrock-converse-model-timeout.json", "ModelTimeoutException", true],
    ["bedrock-converse-internal-server.json", "InternalServerException", true],
    ["bedrock-converse-service-unavailable.json", "ServiceUnavailableException", true],
    ["bedrock-converse-validation.json", "ValidationException", false],
    ["bedrock-converse-access-denied.json", "AccessDeniedException", false],
    ["bedrock-converse-resource-not-found.json", "ResourceNotFoundException", false],
    ["bedrock-converse-model-error.json", "ModelErrorException", false],
    ["bedrock-converse-service-quota-exceeded.json", "ServiceQuotaExceededException", false],
  ])("maps %s to %s, retryable %s, in one request", async (name, errorName, retryable) => {
    reply = fixture(name);
    const error = await rejectionOf(judgeAgainst().judge(QUESTION, oneMinute()), ModelCallError);
    expect(error.retryable).toBe(retryable);
    expect(error.message).toBe(`bedrock:${MODEL_ID} failed with ${errorName}: ${(reply.body as { message: string }).message}`);
    expect(requests).toHaveLength(1);
  });

  it("treats an unknown 5xx without a JSON body (a gateway page) as retryable, naming the status only", async () => {
    reply = fixture("bedrock-converse-bad-gateway.json");
    const error = await rejectionOf(judgeAgainst().judge(QUESTION, oneMinute()), ModelCallError);
    expect(error.retryable).toBe(true);
    expect(error.message).toMatch(/^bedrock:anthropic\.claude-3-haiku-20240307-v1:0 failed with SyntaxError \(HTTP 502\)/);
    expect(error.message).not.toContain("<h1>");
  });

  it("treats an error type the SDK does not know as not retryable", async () => {
    reply = {
      status: 418,
      headers: { "content-type": "application/json", "x-amzn-errortype": "TeapotException" },
      body: { message: "short and stout" },
    };
    const error = await rejectionOf(judgeAgainst().judge(QUESTION, oneMinute()), ModelCallError);
    expect(error.retryable).toBe(false);
    expect(error.message).toBe(`bedrock:${MODEL_ID} failed with TeapotException (HTTP 418): short and stout`);
  });

  it("caps the service's message at 200 characters", async () => {
    const validation = fixture("bedrock-converse-validation.json");
    reply = { ...validation, body: { message: `Malformed input: ${"x".repeat(5000)}` } };
    const error = await rejectionOf(judgeAgainst().judge(QUESTION, oneMinute()), ModelCallError);
    expect(error.retryable).toBe(false);
    const prefix = `bedrock:${MODEL_ID} failed with ValidationException: `;
    expect(error.message.startsWith(prefix)).toBe(true);
    expect(error.message.length).toBe(prefix.length + 200 + 1); // 200 characters and an ellipsis
  });

  it("reports a server that never answers as a retryable timeout when the signal aborts", async () => {
    reply = undefined;
    const error = await rejectionOf(judgeAgainst().judge(QUESTION, AbortSignal.timeout(300)), ModelCallError);
    expect(error.retryable).toBe(true);
    expect(error.message).toMatch(/^bedrock:anthropic\.claude-3-haiku-20240307-v1:0 timed out/);
    expect(requests).toHaveLength(1);
  });

  it("reports an unreachable endpoint as a retryable network error", async () => {
    const closed = http2.createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));

    const error = await rejectionOf(judgeAgainst(testClient(`http://127.0.0.1:${port}`)).judge(QUESTION, oneMinute()), ModelCallError);
    expect(error.retryable).toBe(true);
    expect(error.message).toMatch(/^bedrock:anthropic\.claude-3-haiku-20240307-v1:0 could not reach Bedrock/);
  });
});

describe("bedrockJuror default client", () => {
  const saved: Record<string, string | undefined> = {};
  const env = {
    AWS_ENDPOINT_URL_BEDROCK_RUNTIME: "",
    AWS_ACCESS_KEY_ID: "AKIDENV",
    AWS_SECRET_ACCESS_KEY: "test",
    AWS_MAX_ATTEMPTS: undefined,
    AWS_RETRY_MODE: undefined,
    AWS_PROFILE: undefined,
  };

  beforeEach(() => {
    for (const [key, value] of Object.entries({ ...env, AWS_ENDPOINT_URL_BEDROCK_RUNTIME: endpoint })) {
      saved[key] = process.env[key];
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  });

  afterEach(() => {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  });

  it("makes one attempt per call, leaving retries to the jury (the SDK alone would send a throttled call 3 times)", async () => {
    reply = fixture("bedrock-converse-throttled.json");
    const judge = bedrockJuror({ modelId: MODEL_ID, region: "us-east-1", prices: PRICES });
    const error = await rejectionOf(judge.judge(QUESTION, oneMinute()), ModelCallError);
    expect(error.retryable).toBe(true);
    expect(error.message).toMatch(/ThrottlingException/);
    expect(requests).toHaveLength(1);
    expect(requests[0]!.headers.authorization).toMatch(/Credential=AKIDENV\/\d{8}\/us-east-1\/bedrock\//);

    // The same judge keeps its client: a second call works through it.
    reply = fixture("bedrock-converse-pass.json");
    expect((await judge.judge(QUESTION, oneMinute())).vote.verdict).toBe("PASS");
    expect(requests).toHaveLength(2);
  });
});
