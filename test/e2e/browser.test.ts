import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import type net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { type BrowserContext, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalSystem } from "../../runtime/local.js";
import { createTestDatabase, type TestDatabase } from "../support/databases.js";
import { REGISTER_AGENT, SEARCH_AGENTS } from "../support/fixtures.js";
import { bearer, dataOf, postGraphQL } from "../support/graphql-client.js";
import { startTestSystem } from "../support/system.js";

/**
 * A browser meeting the API: headless Chromium (Debian's package, which .ci/run installs) on a web
 * app's origin calls the gateway across origins, and a person opens the explorer. The browser
 * reaches nothing but 127.0.0.1: host names resolve nowhere, and any request elsewhere is aborted
 * and counted.
 */

const CHROMIUM = "/usr/bin/chromium";
const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
];

/** A web app's origin: a blank page on its own port, so calls from it to the gateway are cross-origin. */
async function startAppOrigin(): Promise<{ origin: string; close(): void }> {
  const server = http.createServer((_req, res) =>
    res.writeHead(200, { "content-type": "text/html" }).end("<!doctype html><title>app</title>"),
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { origin: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`, close: () => server.close() };
}

describe("a browser", () => {
  let app: Awaited<ReturnType<typeof startAppOrigin>>;
  let elsewhere: Awaited<ReturnType<typeof startAppOrigin>>;
  let database: TestDatabase;
  let system: LocalSystem;
  let profile: string;
  let browser: BrowserContext;
  const offLimits: string[] = [];
  const pageErrors: string[] = [];
  let agentId: string;

  beforeAll(async () => {
    app = await startAppOrigin();
    elsewhere = await startAppOrigin();
    database = await createTestDatabase("sqlite");
    system = await startTestSystem({ databaseUrl: database.url, env: { CORS_ORIGINS: app.origin } });
    const registered = await postGraphQL<any>(
      system.gatewayUrl,
      REGISTER_AGENT,
      { input: { name: "Browser Sentinel", description: "Found from a browser", domains: ["ALERT_TRIAGE"] } },
      await bearer("builder", "alice"),
    );
    agentId = dataOf(registered).registerAgent.id;
    profile = mkdtempSync(path.join(tmpdir(), "agent-trust-chromium-"));
    browser = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS });
    await browser.route("**/*", (route) => {
      const url = new URL(route.request().url());
      if (url.hostname === "127.0.0.1" || url.protocol === "data:") return route.continue();
      offLimits.push(url.href);
      return route.abort();
    });
    browser.on("weberror", (error) => pageErrors.push(String(error.error())));
    browser.on("console", (message) => {
      if (message.type() === "error") pageErrors.push(message.text());
    });
  });
  afterAll(async () => {
    await browser?.close();
    await system?.stop();
    await database?.drop();
    app?.close();
    elsewhere?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  /** Runs `fetch` in a page of `origin`, as a web app's script would, with a buyer's token. */
  async function fetchFrom(origin: string) {
    const page = await browser.newPage();
    try {
      await page.goto(origin);
      return await page.evaluate(
        async ({ url, authorization, query }) => {
          try {
            const response = await fetch(url, {
              method: "POST",
              headers: { "content-type": "application/json", authorization },
              body: JSON.stringify({ query, variables: { filter: { eligibleOnly: false }, first: 10 } }),
            });
            return { status: response.status, requestId: response.headers.get("x-request-id"), body: await response.json() };
          } catch (error) {
            return { failed: String(error) };
          }
        },
        { url: system.gatewayUrl, authorization: (await bearer("buyer", "bob")).authorization!, query: SEARCH_AGENTS },
      );
    } finally {
      await page.close();
    }
  }

  it("on an allowed origin runs the buyer search through the gateway, and may read the request id", async () => {
    const result = (await fetchFrom(app.origin)) as { status: number; requestId: string | null; body: any };

    expect(result.status).toBe(200);
    expect(result.body.errors).toBeUndefined();
    expect(result.body.data.searchAgents.edges.map((edge: any) => edge.node.id)).toContain(agentId);
    expect(result.requestId).toMatch(/^[\w.:-]+$/);
    expect(offLimits).toEqual([]);
  });

  it("on another origin is kept from reading the answer", async () => {
    const result = await fetchFrom(elsewhere.origin);

    expect(result).toEqual({ failed: expect.stringContaining("Failed to fetch") });
  });

  it("opens the explorer with no internet: it loads, knows the schema and runs its search, asking nothing of anyone else", async () => {
    const page = await browser.newPage();
    try {
      await page.setViewportSize({ width: 1400, height: 860 });
      pageErrors.length = 0;
      await page.goto(system.gatewayUrl);
      await page.locator(".graphiql-container").waitFor();
      await expect.poll(() => page.locator(".graphiql-execute-button").isEnabled()).toBe(true);
      await page.locator(".graphiql-execute-button").click();
      await expect.poll(() => page.locator(".graphiql-response").textContent(), { timeout: 15_000 }).toContain("Browser Sentinel");
      await expect.poll(() => page.locator("header").textContent()).toContain("npm run token -- --role builder --sub alice");
      if (process.env.EXPLORER_SCREENSHOT) await page.screenshot({ path: process.env.EXPLORER_SCREENSHOT });
    } finally {
      await page.close();
    }
    expect(offLimits).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
