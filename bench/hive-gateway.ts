/**
 * Hive Gateway (`@graphql-hive/gateway-runtime`, MIT) serving our committed supergraph, for
 * bench/gateway.ts to measure beside our own gateway: its defaults, with the subgraph URLs of a
 * running `npm start` and our identity signing, the anonymous assertion for the subgraph each fetch
 * goes to. Run as its own process:
 *
 *   SUBGRAPH_SECRET=… node --import tsx bench/hive-gateway.ts --subgraphs '{"agents":"http://…/graphql",…}' [--dedupe false]
 *
 * Prints `Hive Gateway ready at <url>` once it listens (on a free port).
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { parseArgs } from "node:util";
import { createGatewayRuntime } from "@graphql-hive/gateway-runtime";
import { readCommittedSupergraph } from "../gateway/supergraph.js";
import { ANONYMOUS, IDENTITY_HEADER, createAssertionSigner } from "../lib/platform/identity.js";

const { values } = parseArgs({ options: { subgraphs: { type: "string" }, dedupe: { type: "string", default: "true" } } });
const secret = process.env.SUBGRAPH_SECRET;
if (!values.subgraphs || !secret) throw new Error("usage: SUBGRAPH_SECRET=… hive-gateway.ts --subgraphs '{name: url}' [--dedupe false]");
const subgraphUrls = JSON.parse(values.subgraphs) as Record<string, string>;

/** The supergraph with each subgraph's URL replaced by the running system's. */
const supergraph = (await readCommittedSupergraph()).replace(/@join__graph\(name: "(\w+)", url: "[^"]*"\)/g, (whole, name: string) =>
  subgraphUrls[name] ? `@join__graph(name: "${name}", url: "${subgraphUrls[name]}")` : whole,
);
const subgraphOf = new Map(Object.entries(subgraphUrls).map(([name, url]) => [url, name]));
const sign = createAssertionSigner(secret);

const gateway = createGatewayRuntime({
  supergraph,
  logging: "warn",
  // In-flight merging of identical subgraph queries (its HTTP transport's deduplicateInflightRequests, on by default).
  transportEntries: { "*.http": { options: { deduplicateInflightRequests: values.dedupe !== "false" } } },
  plugins: () => [
    {
      // Assertions are bound to one subgraph: which one a fetch goes to is told by its URL.
      async onFetch({ url, options, setOptions }) {
        const subgraph = subgraphOf.get(url);
        if (!subgraph) return;
        setOptions({ ...options, headers: { ...options.headers, [IDENTITY_HEADER]: await sign(ANONYMOUS, subgraph) } });
      },
    },
  ],
});

const server = createServer(gateway);
server.listen(0, "127.0.0.1", () => {
  const { port } = server.address() as AddressInfo;
  console.log(`Hive Gateway ready at http://127.0.0.1:${port}${gateway.graphqlEndpoint}`);
});
