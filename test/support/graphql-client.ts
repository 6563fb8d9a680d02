import { loadConfig } from "../../lib/platform/config.js";
import { signAccessToken, signIdentityAssertion, IDENTITY_HEADER, type Identity, type Role } from "../../lib/platform/identity.js";

export interface GraphQLResponse<T = Record<string, unknown>> {
  status: number;
  data?: T | null;
  errors?: { message: string; path?: string[]; extensions?: Record<string, unknown> }[];
}

/** Posts an operation; returns the HTTP status with the parsed body. */
export async function postGraphQL<T = Record<string, unknown>>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<GraphQLResponse<T>> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as Omit<GraphQLResponse<T>, "status">;
  return { status: response.status, ...body };
}

export const TEST_SECRETS = {
  tokenSecret: "test-token-secret-0123456789abcdef0123",
  subgraphSecret: "test-subgraph-secret-0123456789abcdef01",
  /** WEBHOOK_SECRET_KEY, which the webhooks subgraph and the deliverer require in production. */
  webhookSecretKey: "test-webhook-secret-key-0123456789abcdef",
};

const defaults = loadConfig({});

/** A caller token as the gateway of a test system accepts it. */
export function bearer(role: Role, subject: string): Promise<Record<string, string>> {
  return signAccessToken(
    { role, subject },
    { secret: TEST_SECRETS.tokenSecret, issuer: defaults.auth.issuer, audience: defaults.auth.audience },
  ).then((token) => ({
    authorization: `Bearer ${token}`,
  }));
}

/** The header the gateway would send to `subgraph` for `identity`: for calling one subgraph directly in tests. */
export async function asGateway(subgraph: string, identity: Identity): Promise<Record<string, string>> {
  return { [IDENTITY_HEADER]: await signIdentityAssertion(identity, subgraph, TEST_SECRETS.subgraphSecret) };
}

/** Fails the test with the GraphQL errors when there are any, and returns the data. */
export function dataOf<T>(response: GraphQLResponse<T>): T {
  if (response.errors?.length || !response.data) throw new Error(`GraphQL errors: ${JSON.stringify(response.errors)}`);
  return response.data;
}
