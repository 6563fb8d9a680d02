import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { JURY_SYSTEM_PROMPT, juryPrompt, ModelCallError, type JuryQuestion } from "../jury/model.juror.js";
import { openAiJuror, RateLimitedError, type OpenAiJurorOptions } from "../jury/openai.juror.js";
import { AlertSeverity, PactMetric } from "../../pact.enums.js";
import { rejectionOf } from "../../../../test/support/thrown.js";

/** What the fake API answers to one request; `hang` never finishes the answer, before or after the headers. */
interface Scripted {
  status?: number;
  headers?: Record<string, string>;
  body?: unknown;
  hang?: "before-headers" | "mid-body";
}

interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A real chat-completions server on 127.0.0.1 that plays back scripted answers in order. */
interface FakeApi {
  port: number;
  received: Received[];
  script(...answers: Scripted[]): void;
  dropConnections(): void;
  close(): Promise<void>;
}

async function startFakeApi(): Promise<FakeApi> {
  const received: Received[] = [];
  let answers: Scripted[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      received.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
      const answer = answers.shift() ?? { status: 599, body: "no scripted answer" };
      if (answer.hang === "before-headers") return;
      // No keep-alive: a socket dropped after one test must not be reused by the next.
      res.writeHead(answer.status ?? 200, { "content-type": "application/json", connection: "close", ...answer.headers });
      if (answer.hang === "mid-body") return void res.write('{"choices": [');
      res.end(typeof answer.body === "string" ? answer.body : JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    received,
    script: (...next) => void (answers = next),
    dropConnections: () => server.closeAllConnections(),
    close: () => new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}

const API_KEY = "sk-test-secret-123";
const PRICES = { inputPer1k: 0.15, outputPer1k: 0.6 };

const question: JuryQuestion = {
  metric: PactMetric.SEVERITY_CLASSIFICATION_ACCURACY,
  rubric: "Is the agent's severity right for this alert?",
  caseId: "case-17",
  input: { alert: "Mimikatz run on DC01 by svc_backup" },
  expected: { severity: AlertSeverity.HIGH, truePositive: true },
  output: { severity: AlertSeverity.HIGH, truePositive: true },
};

/** A chat-completions body whose first choice says `content`. */
function completion(content: unknown, extra: Record<string, unknown> = {}, finishReason = "stop") {
  return {
    id: "chatcmpl-1",
    object: "chat.completion",
    choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: finishReason }],
    ...extra,
  };
}

const voteJson = (verdict: string, confidence: number, rationale = "Severity matches.") =>
  JSON.stringify({ verdict, confidence, rationale });
const seconds = (n: number) => AbortSignal.timeout(n * 1000);

/** The ModelCallError a judge call rejects with; fails the test when it resolves or throws anything else. */
describe("openAiJuror", () => {
  let api: FakeApi;
  const judgeAt = (options: Partial<OpenAiJurorOptions> = {}) =>
    openAiJuror({ baseUrl: `http://127.0.0.1:${api.port}/v1`, model: "gpt-4o-mini", apiKey: API_KEY, prices: PRICES, ...options });

  // A fresh server (and so a fresh origin and connection pool in fetch) per test: a socket left
  // behind by a hung or aborted call must not be handed to the next test's request.
  beforeEach(async () => {
    api = await startFakeApi();
  });
  afterEach(async () => {
    api.dropConnections();
    await api.close();
  });

  describe("request", () => {
    it("posts the jury prompt as JSON to /chat/completions with the key as a bearer token", async () => {
      api.script({ body: completion(voteJson("PASS", 0.9)) });
      const judge = judgeAt();

      await judge.judge(question, seconds(5));

      expect(judge.name).toBe("openai:gpt-4o-mini");
      expect(api.received).toHaveLength(1);
      const [request] = api.received;
      expect(request?.method).toBe("POST");
      expect(request?.url).toBe("/v1/chat/completions");
      expect(request?.headers["content-type"]).toBe("application/json");
      expect(request?.headers.authorization).toBe(`Bearer ${API_KEY}`);
      expect(JSON.parse(request?.body ?? "")).toEqual({
        model: "gpt-4o-mini",
        messages: [
          { role: "system", content: JURY_SYSTEM_PROMPT },
          { role: "user", content: juryPrompt(question) },
        ],
        temperature: 0,
        max_tokens: 300,
        response_format: { type: "json_object" },
      });
    });

    it("sends no authorization without a key, and honours maxTokens and jsonMode: false", async () => {
      api.script({ body: completion(voteJson("PASS", 0.9)) });

      await judgeAt({ apiKey: undefined, maxTokens: 64, jsonMode: false, model: "llama3.1:8b" }).judge(question, seconds(5));

      const [request] = api.received;
      expect(request?.headers.authorization).toBeUndefined();
      const body = JSON.parse(request?.body ?? "") as Record<string, unknown>;
      expect(body.model).toBe("llama3.1:8b");
      expect(body.max_tokens).toBe(64);
      expect(body.temperature).toBe(0);
      expect(body).not.toHaveProperty("response_format");
    });

    it.each([
      ["/v1", "/v1/chat/completions"],
      ["/v1/", "/v1/chat/completions"],
      ["/openai/deployments/jury/", "/openai/deployments/jury/chat/completions"],
      ["/proxy/v1", "/proxy/v1/chat/completions"],
      ["/", "/chat/completions"],
    ])("joins base URL path %s into %s", async (basePath, expectedPath) => {
      api.script({ body: completion(voteJson("PASS", 0.9)) });

      await judgeAt({ baseUrl: `http://127.0.0.1:${api.port}${basePath}` }).judge(question, seconds(5));

      expect(api.received.map((r) => r.url)).toEqual([expectedPath]);
    });

    it("calls through the injected fetch", async () => {
      api.script({ body: completion(voteJson("FAIL", 0.7)) });
      const urls: string[] = [];
      const spy: typeof fetch = (input, init) => {
        urls.push(String(input));
        return fetch(input, init);
      };

      const answer = await judgeAt({ fetch: spy }).judge(question, seconds(5));

      expect(urls).toEqual([`http://127.0.0.1:${api.port}/v1/chat/completions`]);
      expect(answer.vote.verdict).toBe("FAIL");
    });
  });

  describe("answers", () => {
    it("parses a PASS vote wrapped in prose and a ```json fence", async () => {
      const content =
        'Here is my verdict:\n```json\n{"verdict": "PASS", "confidence": 0.85, "rationale": "HIGH was expected and given."}\n```\nHope that helps.';
      api.script({ body: completion(content) });

      const answer = await judgeAt().judge(question, seconds(5));

      expect(answer.vote).toEqual({ verdict: "PASS", confidence: 0.85, rationale: "HIGH was expected and given." });
    });

    it("takes tokens from usage and prices them", async () => {
      api.script({
        body: completion(voteJson("FAIL", 0.6), { usage: { prompt_tokens: 1200, completion_tokens: 80, total_tokens: 1280 } }),
      });

      const answer = await judgeAt().judge(question, seconds(5));

      expect(answer.vote.verdict).toBe("FAIL");
      expect(answer.inputTokens).toBe(1200);
      expect(answer.outputTokens).toBe(80);
      // 1.2 × $0.15 + 0.08 × $0.60 = $0.18 + $0.048
      expect(answer.costUsd).toBeCloseTo(0.228, 10);
    });

    it("counts zero tokens and zero cost when the server reports no usage", async () => {
      api.script({ body: completion(voteJson("PASS", 1)) });

      const answer = await judgeAt().judge(question, seconds(5));

      expect(answer).toMatchObject({ inputTokens: 0, outputTokens: 0, costUsd: 0 });
    });
  });

  describe("failures", () => {
    it("reports a 429 as a retryable RateLimitedError with retry-after in milliseconds", async () => {
      api.script({ status: 429, headers: { "retry-after": "7" }, body: { error: { message: "Rate limit reached for gpt-4o-mini" } } });

      const error = await rejectionOf(judgeAt().judge(question, seconds(5)), ModelCallError);

      expect(error).toBeInstanceOf(RateLimitedError);
      expect(error.retryable).toBe(true);
      expect((error as RateLimitedError).retryAfterMs).toBe(7000);
      expect(error.message).toContain("429");
      expect(error.message).toContain("Rate limit reached");
    });

    it("leaves retryAfterMs undefined when a 429 carries no retry-after", async () => {
      api.script({ status: 429, body: "slow down" });

      const error = await rejectionOf(judgeAt().judge(question, seconds(5)), ModelCallError);

      expect(error).toBeInstanceOf(RateLimitedError);
      expect((error as RateLimitedError).retryAfterMs).toBeUndefined();
    });

    it.each([500, 502, 503, 408, 409])("reports HTTP %i as retryable", async (status) => {
      api.script({ status, body: { error: { message: "The server had an error" } } });

      const error = await rejectionOf(judgeAt().judge(question, seconds(5)), ModelCallError);

      expect(error.retryable).toBe(true);
      expect(error).not.toBeInstanceOf(RateLimitedError);
      expect(error.message).toContain(String(status));
    });

    it.each([401, 400, 403, 404])(
      "reports HTTP %i as not retryable, without the API key even when the server echoes it",
      async (status) => {
        api.script({ status, body: { error: { message: `Incorrect API key provided: ${API_KEY}. You can find your API key at …` } } });

        const error = await rejectionOf(judgeAt().judge(question, seconds(5)), ModelCallError);

        expect(error.retryable).toBe(false);
        expect(error.message).toContain(String(status));
        expect(error.message).toContain("Incorrect API key provided: [redacted]");
        expect(error.message).not.toContain(API_KEY);
      },
    );

    it("quotes at most 200 characters of an error body", async () => {
      api.script({ status: 400, body: "x".repeat(5000) });

      const error = await rejectionOf(judgeAt().judge(question, seconds(5)), ModelCallError);

      expect(error.message).toContain("x".repeat(200));
      expect(error.message).not.toContain("x".repeat(201));
      expect(error.message.length).toBeLessThan(300);
    });

    it.each(["before-headers", "mid-body"] as const)("gives up with a retryable 'timed out' when the server hangs %s", async (hang) => {
      api.script({ hang });

      const error = await rejectionOf(judgeAt().judge(question, AbortSignal.timeout(200)), ModelCallError);

      expect(api.received).toHaveLength(1);
      expect(error.retryable).toBe(true);
      expect(error.message).toContain("timed out");
    });

    it("reports a refused connection as retryable, not as a timeout", async () => {
      const closed = await startFakeApi();
      await closed.close();

      const error = await rejectionOf(
        judgeAt({ baseUrl: `http://127.0.0.1:${closed.port}/v1` }).judge(question, seconds(5)),
        ModelCallError,
      );

      expect(error.retryable).toBe(true);
      expect(error.message).toContain("ECONNREFUSED");
      expect(error.message).not.toContain("timed out");
    });

    it.each([
      ["a body that is not JSON", "<html>502 Bad Gateway</html>", /not JSON.*Bad Gateway/],
      ["JSON without choices", { object: "chat.completion" }, /no choices/],
      ["an empty choices list", { choices: [] }, /no choices/],
      ["content that is not a string", completion(null), /no text content/],
      ["a refusal", { choices: [{ message: { role: "assistant", content: null, refusal: "I can't help with that." } }] }, /refused/],
      ["content that holds no JSON", completion("I think the agent passes."), /no JSON object/],
      ["verdict MAYBE", completion(voteJson("MAYBE", 0.5)), /neither PASS nor FAIL/],
      ["confidence 1.5", completion(voteJson("PASS", 1.5)), /confidence/],
      ["a reply cut at max_tokens", completion('{"verdict": "PASS", "confid', {}, "length"), /cut at max_tokens/],
    ])("reports %s on a 200 as a non-retryable ModelCallError", async (_case, body, message) => {
      api.script({ status: 200, body });

      const error = await rejectionOf(judgeAt().judge(question, seconds(5)), ModelCallError);

      expect(error.retryable).toBe(false);
      expect(error).not.toBeInstanceOf(RateLimitedError);
      expect(error.message).toMatch(message);
      expect(error.message.startsWith("openai:gpt-4o-mini: ")).toBe(true);
    });
  });
});
