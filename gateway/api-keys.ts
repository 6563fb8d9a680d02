import { HeaderMap } from "@apollo/server";
import { GraphQLError } from "graphql";
import {
  API_KEY_CREDENTIAL_QUERY,
  API_KEY_PATTERN,
  apiKeyDigest,
  signApiKeyLookupProof,
  type ApiKeyCredentialAnswer,
  type ApiKeyRefusal,
} from "../lib/contracts/api-key.js";
import { UnauthenticatedError } from "../lib/platform/errors.js";
import { ANONYMOUS, IDENTITY_HEADER, createAssertionSigner, isScope, type Identity } from "../lib/platform/identity.js";
import { log } from "../lib/platform/logger.js";
import type { SubgraphFetch } from "./subgraph-auth.js";

/*
 * A partner's API key (`x-api-key`) at the gateway: its format checked here, then its SHA-256
 * looked up in the partners subgraph (`apiKeyCredential`, with the gateway's proof: see
 * lib/contracts/api-key.ts), and the answer, accepted or refused, reused for API_KEY_CACHE_SECONDS.
 * That reuse is the bound within which a revocation or a suspension reaches every gateway
 * instance; an expiry or the end of a rotation's grace is exact, as an accepted answer is kept no
 * longer than the key is usable. The secret itself goes nowhere: not to the subgraph, not into
 * the cache's keys, not into a message or a log line.
 */

export interface ApiKeyReaderOptions {
  /** The partners subgraph's GraphQL URL. */
  url: string;
  /** SUBGRAPH_SECRET: signs the identity assertion every subgraph requires, and the lookup's proof. */
  subgraphSecret: string;
  /** How long an answer is reused: API_KEY_CACHE_SECONDS (0: only concurrent requests share a lookup). */
  cacheSeconds: number;
  /** How long the lookup may take before the request fails with 503: API_KEY_LOOKUP_TIMEOUT_MS. */
  timeoutMs: number;
  /** Most answers kept; past it the oldest goes first. A flood of made-up keys costs lookups, never memory. */
  maxCached?: number;
  /** How the lookup is sent: signed with SigV4 when SUBGRAPH_AUTH=iam (gateway/subgraph-auth.ts); plain fetch by default. */
  send?: SubgraphFetch;
}

/** Why a presented key is refused, as the caller is told: one reason each, nothing about any other key. */
export const API_KEY_REFUSALS_SAID: Record<"MALFORMED" | "UNKNOWN" | ApiKeyRefusal, string> = {
  MALFORMED: "The API key is malformed: a key is atk_ followed by 43 base64url characters",
  UNKNOWN: "The API key is not recognised",
  EXPIRED: "The API key has expired",
  REVOKED: "The API key has been revoked",
  REPLACED: "The API key was replaced by rotation and its grace period has ended",
  PARTNER_SUSPENDED: "The API key's partner is suspended",
};

type Refusal = keyof typeof API_KEY_REFUSALS_SAID;
type Answer = { identity: Identity; usableUntil: number } | { refusal: Refusal };

const DEFAULT_MAX_CACHED = 10_000;

const refused = (refusal: Refusal) => new UnauthenticatedError(API_KEY_REFUSALS_SAID[refusal], 401);

/**
 * The partners subgraph did not answer: the key may be good, so not a 401 but a 503 the caller may
 * retry (with Retry-After). Its code is not one callers are shown (lib/platform/errors.ts), so the
 * body says INTERNAL_SERVER_ERROR and formatError logs it.
 */
function unavailable(): GraphQLError {
  // Untyped on purpose: Apollo reads `http.headers` as a HeaderMap, which graphql-yoga's typings
  // (Hive Gateway's, in bench/) declare a plain record for every program that loads them.
  const extensions: Record<string, unknown> = {
    code: "SERVICE_UNAVAILABLE",
    http: { status: 503, headers: new HeaderMap([["retry-after", "1"]]) },
  };
  return new GraphQLError("API keys cannot be checked right now; retry shortly", { extensions });
}

/** Reads the identity a presented API key stands for: `{ role: "partner", subject, scopes }`, or a 401 saying why not. */
export function apiKeyIdentityReader(options: ApiKeyReaderOptions): (apiKey: string) => Promise<Identity> {
  const assertionFor = createAssertionSigner(options.subgraphSecret);
  const maxCached = options.maxCached ?? DEFAULT_MAX_CACHED;
  const send = options.send ?? fetch;
  // Keyed by digest; an entry in flight (until: Infinity) is shared by the requests that arrive meanwhile.
  const cache = new Map<string, { answer: Promise<Answer>; until: number }>();

  const lookUp = async (digest: string): Promise<Answer> => {
    let body: { data?: { apiKeyCredential?: ApiKeyCredentialAnswer | null }; errors?: unknown[] };
    try {
      const response = await send(options.url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept: "application/json",
          // Not on anyone's behalf: the subgraph requires an assertion, and the proof is what grants the lookup.
          [IDENTITY_HEADER]: await assertionFor(ANONYMOUS, "partners"),
        },
        body: JSON.stringify({
          query: API_KEY_CREDENTIAL_QUERY,
          variables: { digest, proof: await signApiKeyLookupProof(digest, options.subgraphSecret) },
        }),
        signal: AbortSignal.timeout(options.timeoutMs),
      });
      body = (await response.json()) as typeof body;
      if (!response.ok || body.errors?.length || body.data?.apiKeyCredential === undefined)
        throw new Error(`the partners subgraph answered HTTP ${response.status} with ${body.errors?.length ?? 0} error(s)`);
    } catch (error) {
      log.warn({ err: error }, "an API key could not be looked up in the partners subgraph");
      throw unavailable();
    }
    const credential = body.data?.apiKeyCredential;
    if (!credential) return { refusal: "UNKNOWN" };
    if (credential.refusal) return { refusal: credential.refusal };
    return {
      // Only scopes this gateway knows: a scope it cannot name grants nothing.
      identity: { role: "partner", subject: credential.partner, scopes: credential.scopes.filter(isScope) },
      // An end the gateway cannot read is not reused at all, rather than forever.
      usableUntil: credential.usableUntil ? Date.parse(credential.usableUntil) || 0 : Number.POSITIVE_INFINITY,
    };
  };

  return async (apiKey) => {
    if (!API_KEY_PATTERN.test(apiKey)) throw refused("MALFORMED");
    const digest = apiKeyDigest(apiKey);
    let entry = cache.get(digest);
    if (!entry || entry.until <= Date.now()) {
      cache.delete(digest);
      const fresh = { answer: lookUp(digest), until: Number.POSITIVE_INFINITY };
      entry = fresh;
      while (cache.size >= maxCached) cache.delete(cache.keys().next().value as string);
      cache.set(digest, fresh);
      fresh.answer.then(
        (answer) => {
          const reuseUntil = Date.now() + options.cacheSeconds * 1000;
          fresh.until = "identity" in answer ? Math.min(reuseUntil, answer.usableUntil) : reuseUntil;
        },
        // A failed lookup is not an answer: the next request asks again.
        () => {
          if (cache.get(digest) === fresh) cache.delete(digest);
        },
      );
    }
    const answer = await entry.answer;
    if ("refusal" in answer) throw refused(answer.refusal);
    return answer.identity;
  };
}

/** The partners subgraph's URL: configured (PARTNERS_URL, or the local system's), else the one recorded in the supergraph. */
export function partnersUrlOf(subgraphUrl: string | undefined, supergraphSdl: string): string {
  const url = subgraphUrl ?? /@join__graph\(name: "partners", url: "([^"]+)"\)/.exec(supergraphSdl)?.[1];
  if (!url) throw new Error("The supergraph has no partners subgraph, which API keys are checked against: run `npm run compose`");
  return url;
}
