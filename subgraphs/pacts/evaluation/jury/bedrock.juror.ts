import { BedrockRuntimeClient, ConverseCommand, type ConverseCommandOutput } from "@aws-sdk/client-bedrock-runtime";
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

export interface BedrockJurorOptions {
  /** A Bedrock model or inference-profile id, e.g. `anthropic.claude-3-haiku-20240307-v1:0`. */
  modelId: string;
  /** The AWS region the default client calls; ignored when `client` is given. */
  region: string;
  prices: TokenPrices;
  /** Cap on the reply's length; a vote is a short JSON object. Default 300. */
  maxTokens?: number;
  /**
   * The client to call through (tests point one at a local server). By default one is built for
   * `region` with `maxAttempts: 1`: the jury retries retryable failures itself, and the SDK's own
   * standard retry mode (3 attempts) would multiply those retries and outlast the jury's timeout.
   */
  client?: BedrockRuntimeClient;
}

const DEFAULT_MAX_TOKENS = 300;
/** Longest excerpt of a service message or reply an error carries. */
const MAX_EXCERPT_CHARS = 200;

/** Bedrock errors where the same call may succeed later. */
const RETRYABLE_ERRORS = new Set([
  "ThrottlingException",
  "ServiceUnavailableException",
  "InternalServerException",
  "ModelTimeoutException",
  "ModelNotReadyException",
]);
/** Bedrock errors that will not go away on their own: a bad request, no access, no such model, a model failure. */
const PERMANENT_ERRORS = new Set([
  "ValidationException",
  "AccessDeniedException",
  "ResourceNotFoundException",
  "ModelErrorException",
  "ServiceQuotaExceededException",
  "ConflictException",
]);
/** Stop reasons under which the reply was withheld or cut by a filter, so it is no vote. */
const REFUSED_STOP_REASONS = new Set(["content_filtered", "guardrail_intervened"]);
/** Node socket, DNS and HTTP/2 transport failures: the request never got a service answer. */
const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ENETUNREACH",
  "EHOSTUNREACH",
  "ENETDOWN",
  "UND_ERR_SOCKET",
]);
const NETWORK_NAMES = new Set(["TimeoutError", "RequestTimeout"]);

/** A juror backed by a model on Amazon Bedrock, called through the Converse API. */
export function bedrockJuror(options: BedrockJurorOptions): ModelJudge {
  const { modelId, prices } = options;
  const maxTokens = options.maxTokens ?? DEFAULT_MAX_TOKENS;
  const client = options.client ?? new BedrockRuntimeClient({ region: options.region, maxAttempts: 1 });
  const name = `bedrock:${modelId}`;

  return {
    name,
    async judge(question: JuryQuestion, signal: AbortSignal): Promise<ModelAnswer> {
      const command = new ConverseCommand({
        modelId,
        system: [{ text: JURY_SYSTEM_PROMPT }],
        messages: [{ role: "user", content: [{ text: juryPrompt(question) }] }],
        inferenceConfig: { maxTokens, temperature: 0 },
      });
      let response: ConverseCommandOutput;
      try {
        response = await client.send(command, { abortSignal: signal });
      } catch (error) {
        throw callError(name, error, signal);
      }
      return answerOf(name, response, prices);
    },
  };
}

function answerOf(name: string, response: ConverseCommandOutput, prices: TokenPrices): ModelAnswer {
  const stopReason = response.stopReason;
  if (stopReason !== undefined && REFUSED_STOP_REASONS.has(stopReason)) {
    throw new ModelCallError(`${name} gave no vote: the reply stopped with ${stopReason}`, false);
  }
  const content = response.output?.message?.content;
  if (!Array.isArray(content)) throw new ModelCallError(`${name} gave no vote: the response holds no message content`, false);
  const text = content.map((block) => (typeof block.text === "string" ? block.text : "")).join("");
  if (text.trim() === "") throw new ModelCallError(`${name} gave no vote: the reply holds no text`, false);
  const vote = parseVote(text);
  const inputTokens = response.usage?.inputTokens ?? 0;
  const outputTokens = response.usage?.outputTokens ?? 0;
  return { vote, inputTokens, outputTokens, costUsd: costOf(prices, inputTokens, outputTokens) };
}

/** Any failure of `client.send` as a ModelCallError; the text names the error, never the payload. */
function callError(name: string, error: unknown, signal: AbortSignal): ModelCallError {
  if (error instanceof ModelCallError) return error;
  if (signal.aborted) return new ModelCallError(`${name} timed out: the call was aborted before Bedrock answered`, true);
  const failure = (error ?? {}) as { name?: unknown; message?: unknown; $metadata?: { httpStatusCode?: unknown } };
  const errorName = typeof failure.name === "string" && failure.name !== "" ? failure.name : "Error";
  const detail = excerpt(failure.message);
  const status = typeof failure.$metadata?.httpStatusCode === "number" ? failure.$metadata.httpStatusCode : undefined;
  if (RETRYABLE_ERRORS.has(errorName)) return new ModelCallError(`${name} failed with ${errorName}${detail}`, true);
  if (PERMANENT_ERRORS.has(errorName)) return new ModelCallError(`${name} failed with ${errorName}${detail}`, false);
  if (status !== undefined) {
    // The service (or something in front of it) answered with an error of a kind not listed
    // above; a 5xx is a server error and may pass, anything else will not.
    return new ModelCallError(`${name} failed with ${errorName} (HTTP ${status})${detail}`, status >= 500);
  }
  if (isNetworkError(error)) return new ModelCallError(`${name} could not reach Bedrock: ${errorName}${networkCode(error)}${detail}`, true);
  return new ModelCallError(`${name} failed with ${errorName}${detail}`, false);
}

function isNetworkError(error: unknown): boolean {
  for (
    let current: unknown = error, depth = 0;
    current && typeof current === "object" && depth < 5;
    current = (current as { cause?: unknown }).cause, depth++
  ) {
    const { code, name } = current as { code?: unknown; name?: unknown };
    if (typeof code === "string" && (NETWORK_CODES.has(code) || code.startsWith("ERR_HTTP2_"))) return true;
    if (typeof name === "string" && NETWORK_NAMES.has(name)) return true;
  }
  return false;
}

function networkCode(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" ? ` [${code}]` : "";
}

function excerpt(message: unknown): string {
  if (typeof message !== "string" || message.trim() === "") return "";
  const flat = message.replace(/\s+/g, " ").trim();
  return `: ${flat.length > MAX_EXCERPT_CHARS ? `${flat.slice(0, MAX_EXCERPT_CHARS)}…` : flat}`;
}
