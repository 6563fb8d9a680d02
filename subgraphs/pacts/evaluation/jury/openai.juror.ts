import {
  costOf,
  JURY_SYSTEM_PROMPT,
  juryPrompt,
  ModelCallError,
  parseVote,
  type JuryQuestion,
  type ModelAnswer,
  type ModelJudge,
  type TokenPrices,
} from "./model.juror.js";

/** How to reach one model behind an OpenAI-compatible chat-completions API (OpenAI, Azure-style proxies, vLLM, Ollama…). */
export interface OpenAiJurorOptions {
  /** The API root, e.g. `https://api.openai.com/v1`; `/chat/completions` is appended. */
  baseUrl: string;
  model: string;
  /** Sent as a bearer token; local servers often need none. */
  apiKey?: string;
  prices: TokenPrices;
  /** Cap on the reply; a vote is one short JSON object. Default 300. */
  maxTokens?: number;
  /** Ask for `response_format: json_object`; turn off for servers that reject the field. Default true. */
  jsonMode?: boolean;
  /** Stands in for the global fetch in tests. */
  fetch?: typeof fetch;
}

/** A 429: retryable, with how long the server asked us to wait when it said so. */
export class RateLimitedError extends ModelCallError {
  constructor(
    message: string,
    /** From `retry-after`; undefined when the server gave none the jury can use. */
    readonly retryAfterMs: number | undefined,
  ) {
    super(message, true);
    this.name = "RateLimitedError";
  }
}

const DEFAULT_MAX_TOKENS = 300;
/** Longest piece of a server's reply an error message quotes: enough to diagnose, never a whole body. */
const MAX_EXCERPT_CHARS = 200;

/** Throttling, conflicts, request timeouts and server faults pass; another try may succeed. */
function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

/**
 * A juror behind any OpenAI-compatible chat-completions endpoint. Throttling, server faults,
 * network failures and timeouts throw retryable errors; a refused request or an unusable reply
 * does not, since asking again the same way would get the same answer.
 */
export function openAiJuror(options: OpenAiJurorOptions): ModelJudge {
  const name = `openai:${options.model}`;
  const endpoint = `${options.baseUrl.replace(/\/+$/, "")}/chat/completions`;
  const call = options.fetch ?? fetch;
  const headers: Record<string, string> = { "content-type": "application/json", accept: "application/json" };
  if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`;
  // Servers may echo the key back (e.g. "Incorrect API key provided: …"); nothing we quote may carry it.
  // Redact before cutting an excerpt, or the cut could leave half a key behind.
  const redact = (text: string) => (options.apiKey ? text.split(options.apiKey).join("[redacted]") : text);
  const report: Reporter = {
    fail: (message, retryable) => new ModelCallError(`${name}: ${message}`, retryable),
    quote: (text) => excerptOf(redact(text)),
  };

  return {
    name,
    async judge(question: JuryQuestion, signal: AbortSignal): Promise<ModelAnswer> {
      const body = JSON.stringify(requestBody(options, question));
      let status: number;
      let responseHeaders: Headers;
      let text: string;
      try {
        const response = await call(endpoint, { method: "POST", headers, body, signal });
        status = response.status;
        responseHeaders = response.headers;
        // Read inside the try: a server can send headers and then stall the body until the timeout.
        text = await response.text();
      } catch (error) {
        if (signal.aborted) throw report.fail("the model call timed out", true);
        throw report.fail(`the model call failed on the network (${redact(networkCause(error))})`, true);
      }

      if (status < 200 || status >= 300) {
        const message = `the API answered HTTP ${status}${report.quote(errorDetail(text))}`;
        if (status === 429) throw new RateLimitedError(`${name}: ${message}`, retryAfterMs(responseHeaders.get("retry-after")));
        throw report.fail(message, isRetryableStatus(status));
      }
      return answerFrom(text, options.prices, report);
    },
  };
}

function requestBody(options: OpenAiJurorOptions, question: JuryQuestion): Record<string, unknown> {
  return {
    model: options.model,
    messages: [
      { role: "system", content: JURY_SYSTEM_PROMPT },
      { role: "user", content: juryPrompt(question) },
    ],
    // The same case should get the same vote; sampling only adds noise to a jury.
    temperature: 0,
    max_tokens: options.maxTokens ?? DEFAULT_MAX_TOKENS,
    ...((options.jsonMode ?? true) ? { response_format: { type: "json_object" } } : {}),
  };
}

/** How one judge words its errors: prefixed with its name, quoting the server only in redacted excerpts. */
interface Reporter {
  fail(message: string, retryable: boolean): ModelCallError;
  quote(text: string): string;
}

interface ChatCompletion {
  choices?: { message?: { content?: unknown; refusal?: unknown }; finish_reason?: unknown }[];
  usage?: { prompt_tokens?: unknown; completion_tokens?: unknown };
}

/** A 2xx body as an answer; anything malformed is the server's or model's fault and will not improve on retry. */
function answerFrom(text: string, prices: TokenPrices, { fail, quote }: Reporter): ModelAnswer {
  let completion: ChatCompletion;
  try {
    completion = JSON.parse(text) as ChatCompletion;
  } catch {
    throw fail(`the API's reply is not JSON${quote(text)}`, false);
  }
  const choice = Array.isArray(completion?.choices) ? completion.choices[0] : undefined;
  if (!choice) throw fail("the API's reply has no choices", false);
  const content = choice.message?.content;
  if (typeof content !== "string") {
    const refused = typeof choice.message?.refusal === "string";
    throw fail(refused ? "the model refused to answer" : "the API's reply has no text content", false);
  }
  let vote: ReturnType<typeof parseVote>;
  try {
    vote = parseVote(content);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    // A reply cut at max_tokens is the commonest garbage; say so, or it reads as a confused model.
    const cut = choice.finish_reason === "length" ? " (the reply was cut at max_tokens)" : "";
    throw fail(`${reason}${cut}${quote(content)}`, false);
  }
  const inputTokens = tokenCount(completion.usage?.prompt_tokens);
  const outputTokens = tokenCount(completion.usage?.completion_tokens);
  return { vote, inputTokens, outputTokens, costUsd: costOf(prices, inputTokens, outputTokens) };
}

/** Servers that report no usage cost nothing we can know; a bogus count must not poison the totals. */
function tokenCount(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) && value >= 0 ? value : 0;
}

/** `retry-after` is seconds or an HTTP date; anything else is ignored rather than guessed. */
function retryAfterMs(header: string | null): number | undefined {
  if (header === null || header.trim() === "") return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return seconds >= 0 ? Math.round(seconds * 1000) : undefined;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** OpenAI-style errors say what went wrong in `error.message`; other servers get their raw text quoted. */
function errorDetail(text: string): string {
  try {
    const parsed = JSON.parse(text) as { error?: { message?: unknown } | string; message?: unknown };
    if (typeof parsed?.error === "string") return parsed.error;
    if (typeof parsed?.error?.message === "string") return parsed.error.message;
    if (typeof parsed?.message === "string") return parsed.message;
  } catch {
    // Not JSON: quote the text itself.
  }
  return text;
}

/** `: "…"` with at most MAX_EXCERPT_CHARS of the text on one line, or nothing when there is no text. */
function excerptOf(text: string): string {
  const line = text.replace(/\s+/g, " ").trim();
  if (!line) return "";
  return line.length > MAX_EXCERPT_CHARS ? `: "${line.slice(0, MAX_EXCERPT_CHARS)}…"` : `: "${line}"`;
}

/** undici reports "fetch failed" and hides the useful part (ECONNREFUSED, ENOTFOUND…) in `cause`. */
function networkCause(error: unknown): string {
  const cause = error instanceof Error ? (error.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  if (typeof cause?.code === "string") return cause.code;
  if (typeof cause?.message === "string") return cause.message;
  return error instanceof Error ? error.message : String(error);
}
