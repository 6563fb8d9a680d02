import { buildSchema } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXPLORER_ASSET_PREFIX, createExplorer, wantsHtml } from "../explorer.js";
import { serveGraphQL, type RunningServer } from "../http-server.js";
import { startSubgraphServer } from "../subgraph-server.js";
import { okServer } from "../../../test/support/ok-server.js";

const BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8";

describe("wantsHtml", () => {
  it("tells a browser navigating from a GraphQL client", () => {
    expect(wantsHtml("GET", BROWSER_ACCEPT)).toBe(true);
    expect(wantsHtml("GET", "application/graphql-response+json, application/json")).toBe(false);
    expect(wantsHtml("GET", undefined)).toBe(false);
    expect(wantsHtml("POST", BROWSER_ACCEPT)).toBe(false);
  });
});

describe("createExplorer", () => {
  const explorer = createExplorer();

  it("explains the token flow on the page", () => {
    const page = String(explorer.page.body);

    expect(page).toContain("npm run token -- --role builder --sub alice");
    expect(page).toContain("Authorization: Bearer &lt;token&gt;");
  });

  it("loads every script and style sheet from this server, none from anywhere else", () => {
    const page = String(explorer.page.body);
    const sources = [...page.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]!);

    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources) {
      expect(source.startsWith(EXPLORER_ASSET_PREFIX), source).toBe(true);
      expect(explorer.asset(source.slice(EXPLORER_ASSET_PREFIX.length)), source).toBeDefined();
    }
    expect(explorer.asset("../package.json")).toBeUndefined();
  });

  it("serves GraphiQL, React and ReactDOM from their installed packages", () => {
    expect(String(explorer.asset("graphiql.js")?.body)).toContain("GraphiQL");
    expect(String(explorer.asset("react.js")?.body)).toMatch(/React v18|react\.production\.min\.js/);
    expect(explorer.asset("graphiql.css")?.contentType).toBe("text/css; charset=utf-8");
  });
});

describe("serveGraphQL with the explorer", () => {
  let server: RunningServer;
  beforeAll(async () => {
    const apollo = okServer();
    server = await serveGraphQL(apollo, {
      host: "127.0.0.1",
      port: 0,
      maxBodyBytes: 1024,
      explorer: createExplorer(),
      context: async () => ({}),
    });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("serves the page to a browser at /graphql, held to this server by its Content-Security-Policy", async () => {
    const response = await fetch(server.url, { headers: { accept: BROWSER_ACCEPT } });

    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(response.headers.get("content-security-policy")).toContain("default-src 'none'");
    expect(response.headers.get("content-security-policy")).toContain("connect-src 'self'");
    expect(await response.text()).toContain("<title>Agent Trust API explorer</title>");
  });

  it("serves its assets, and still answers GraphQL at the same URL", async () => {
    const script = await fetch(server.url.replace("/graphql", `${EXPLORER_ASSET_PREFIX}graphiql.js`));
    const query = await fetch(server.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: "{ ok }" }),
    });

    expect(script.status).toBe(200);
    expect(script.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(await query.json()).toEqual({ data: { ok: true } });
  });
});

describe("a subgraph", () => {
  let subgraph: RunningServer;
  beforeAll(async () => {
    subgraph = await startSubgraphServer(
      { name: "agents", schema: buildSchema("type Query { ok: Boolean }"), createContext: () => ({}) },
      { host: "127.0.0.1", port: 0, secret: "a-subgraph-secret-of-at-least-32-characters" },
    );
  });
  afterAll(async () => {
    await subgraph?.stop();
  });

  it("serves no page to a browser, nor any explorer asset", async () => {
    const page = await fetch(subgraph.url, { headers: { accept: BROWSER_ACCEPT } });
    const asset = await fetch(subgraph.url.replace("/graphql", `${EXPLORER_ASSET_PREFIX}graphiql.js`));

    expect(page.headers.get("content-type")).toContain("application/json");
    expect(page.status).toBeGreaterThanOrEqual(400);
    expect(await page.text()).not.toMatch(/<html|<!doctype/i);
    expect(asset.status).toBe(404);
  });
});
