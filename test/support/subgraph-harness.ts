import type { BaseContext } from "@apollo/server";
import type { DataSource } from "typeorm";
import { expect } from "vitest";
import type { AgentDomain } from "../../lib/contracts/agent-domain.js";
import { StatementCounter, inTransaction } from "../../lib/platform/database.js";
import { ANONYMOUS, IDENTITY_HEADER, signIdentityAssertion, type Identity } from "../../lib/platform/identity.js";
import type { RunningServer } from "../../lib/platform/http-server.js";
import { startSubgraphServer, type Subgraph } from "../../lib/platform/subgraph-server.js";
import { openDatabase } from "../../runtime/data-source.js";
import { Agent } from "../../subgraphs/agents/agent.entity.js";
import { agentFixture } from "./seed.js";
import { createTestDatabase, type DatabaseKindUnderTest, type TestDatabase } from "./databases.js";
import { TEST_SECRETS, asGateway, postGraphQL, type GraphQLResponse } from "./graphql-client.js";

// GraphQL data is loosely typed, as in the e2e test.
export type Data = Record<string, any>;

/** One subgraph served alone over HTTP on a fresh, migrated database of one engine. */
export interface SubgraphHarness {
  url: string;
  dataSource: DataSource;
  statements: StatementCounter;
  /** Calls the subgraph as the gateway would on behalf of `identity`. */
  call(query: string, variables?: Record<string, unknown>, identity?: Identity): Promise<GraphQLResponse<Data>>;
  /** SQL statements one call costs. */
  statementsFor(
    query: string,
    variables?: Record<string, unknown>,
    identity?: Identity,
  ): Promise<{ response: GraphQLResponse<Data>; statements: number }>;
  count(table: string): Promise<number>;
  /** Registers an agent straight in the agents table; the others see it through `agent_directory`. */
  seedAgent(ownerId: string, domains: AgentDomain[], name?: string): Promise<Agent>;
  stop(): Promise<void>;
}

export async function startSubgraphHarness<TContext extends BaseContext>(
  kind: DatabaseKindUnderTest,
  build: (dataSource: DataSource) => Promise<Subgraph<TContext>>,
): Promise<SubgraphHarness> {
  const database: TestDatabase = await createTestDatabase(kind);
  const statements = new StatementCounter();
  let dataSource: DataSource | undefined;
  let server: RunningServer | undefined;
  const stop = async () => {
    await server?.stop();
    await dataSource?.destroy();
    await database.drop();
  };
  try {
    dataSource = await openDatabase(database.url, { logger: statements });
    const subgraph = await build(dataSource);
    server = await startSubgraphServer(subgraph, { host: "127.0.0.1", port: 0, secret: TEST_SECRETS.subgraphSecret });
    const url = server.url;
    const ds = dataSource;
    const call = async (query: string, variables: Record<string, unknown> = {}, identity: Identity = ANONYMOUS) =>
      postGraphQL<Data>(url, query, variables, await asGateway(subgraph.name, identity));
    return {
      url,
      dataSource: ds,
      statements,
      call,
      async statementsFor(query, variables, identity) {
        const headers = await asGateway(subgraph.name, identity ?? ANONYMOUS);
        const before = statements.count;
        const response = await postGraphQL<Data>(url, query, variables ?? {}, headers);
        return { response, statements: statements.count - before };
      },
      async count(table) {
        const rows: { n: number | string }[] = await ds.query(`SELECT COUNT(*) AS n FROM ${table}`);
        return Number(rows[0]?.n);
      },
      async seedAgent(ownerId, domains, name) {
        const agent = agentFixture(ownerId, domains, name);
        await inTransaction(ds, (manager) => manager.insert(Agent, agent));
        return agent;
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The first error's code and field, for terse assertions. */
export function errorOf(response: GraphQLResponse<Data>): { code: unknown; field: unknown; scope?: unknown; message: string | undefined } {
  const error = response.errors?.[0];
  const scope = error?.extensions?.scope;
  return {
    code: error?.extensions?.code,
    field: error?.extensions?.field,
    ...(scope === undefined ? {} : { scope }),
    message: error?.message,
  };
}

/**
 * Checks that a subgraph refuses, with HTTP 401 and UNAUTHENTICATED, every request that did not
 * come through the gateway: no identity header, a header signed with another secret, a header
 * signed for another subgraph.
 */
export async function expectOnlyGatewayRequests(url: string, subgraph: string, otherSubgraph: string): Promise<void> {
  const caller: Identity = { role: "arbiter", subject: "olga" };
  const attempts: Record<string, Record<string, string>> = {
    "no identity header": {},
    "another secret": { [IDENTITY_HEADER]: await signIdentityAssertion(caller, subgraph, "some-other-secret-0123456789abcdefghij") },
    "another subgraph": await asGateway(otherSubgraph, caller),
    "not a JWT": { [IDENTITY_HEADER]: "arbiter:olga" },
  };
  for (const [label, headers] of Object.entries(attempts)) {
    const response = await postGraphQL<Data>(url, "{ __typename }", {}, headers);
    expect({ label, status: response.status, code: response.errors?.[0]?.extensions?.code, data: response.data }).toEqual({
      label,
      status: 401,
      code: "UNAUTHENTICATED",
      data: undefined,
    });
  }
  // The same query with a valid header is answered, so the refusals above are about the header.
  const accepted = await postGraphQL<Data>(url, "{ __typename }", {}, await asGateway(subgraph, caller));
  expect(accepted).toMatchObject({ status: 200, data: { __typename: "Query" } });
}
