/**
 * A partner, tried as a new user would, with docs/partners.md in hand: signs in, creates a key,
 * reads reputation for 100 agents in one request, pages the change feed from the start and
 * resumes it, is refused past its budget with the documented headers, and rotates its key without
 * a failed request. The client is the code block of docs/partners.md, run exactly as written.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it, vi } from "vitest";
import { DATABASE_KINDS } from "../support/databases.js";
import { ADOPT_PACT, REGISTER_AGENT, SUBMIT_RUN, triageCases } from "../support/fixtures.js";
import { bearer, dataOf, postGraphQL } from "../support/graphql-client.js";
import { judgedRun, useTestSystem } from "../support/system.js";

type Data = Record<string, any>;
interface PartnerClient {
  reputations(ids: string[]): Promise<(Data | null)[]>;
  sync(cursor: string | null, onEvent: (event: Data) => void | Promise<void>): Promise<string | null>;
}

/** The client of docs/partners.md, written to a module of its own and imported as a partner would run it. */
function documentedClient(): { file: string; dir: string } {
  const doc = readFileSync(path.join(import.meta.dirname, "../../docs/partners.md"), "utf8");
  const code = /<!-- partner-client -->\s*```js\n([\s\S]*?)```/.exec(doc)?.[1];
  if (!code) throw new Error("docs/partners.md has no partner-client code block");
  const dir = mkdtempSync(path.join(tmpdir(), "partner-client-"));
  const file = path.join(dir, "partner-client.mjs");
  writeFileSync(file, code);
  return { file, dir };
}

const CREATE_KEY = `mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { secret key { id prefix scopes state } } }`;
const ROTATE_KEY = `mutation($id: ID!, $grace: Int) { rotateApiKey(id: $id, graceSeconds: $grace) { secret key { id } } }`;
const KEY_STATE = `{ apiKeys { edges { node { id state lastUsedAt } } } }`;
const SEARCH = `{ searchAgents(first: 100) { edges { node { id } } } }`;

describe.each(DATABASE_KINDS)("a partner's first day, by docs/partners.md (%s)", (kind) => {
  // A small key budget in a short window, so that the budget runs out and comes back within the test.
  const system = useTestSystem(kind, {
    env: { API_KEY_CACHE_SECONDS: "1", RATE_LIMIT_POINTS_KEY: "30", RATE_LIMIT_WINDOW_SECONDS: "4" },
  });
  const client = documentedClient();
  afterAll(() => {
    vi.unstubAllEnvs();
    rmSync(client.dir, { recursive: true, force: true });
  });
  const call = async (query: string, variables: Record<string, unknown>, headers: Record<string, string>) =>
    dataOf(await postGraphQL<Data>(system.gatewayUrl, query, variables, headers));

  it("gets a key, reads 100 agents at once, syncs the feed and resumes, waits out its budget, and rotates without a failure", async () => {
    // 100 agents of one builder; three of them judged, so that the feed has something to say.
    const builder = await bearer("builder", `journey-builder-${kind}`);
    const ids: string[] = [];
    for (let i = 0; i < 100; i += 1)
      ids.push(
        (
          await call(
            REGISTER_AGENT,
            { input: { name: `Journey ${kind} ${i}`, description: "Triages EDR alerts", domains: ["ALERT_TRIAGE"] } },
            builder,
          )
        ).registerAgent.id,
      );
    const judge = async (agentId: string, prefix: string) => {
      const pact = (await call(ADOPT_PACT, { agentId, template: "alert-triage" }, builder)).adoptPactTemplate;
      const run = (await call(SUBMIT_RUN, { input: { agentId, pactId: pact.id, cases: triageCases(40, { idPrefix: prefix }) } }, builder))
        .submitEvaluationRun;
      await judgedRun(system.gatewayUrl, run.id);
    };
    await judge(ids[0]!, "a");
    await judge(ids[1]!, "b");

    // Signed in as the partner, it creates a key for its server; the secret is shown once.
    const partner = await bearer("partner", `journey-${kind}`);
    const created = (
      await call(CREATE_KEY, { i: { name: "siem-connector", scopes: ["reputation:read", "feed:read", "keys:manage"] } }, partner)
    ).createApiKey;
    expect(created.secret).toMatch(/^atk_[A-Za-z0-9_-]{43}$/);
    expect(created.key).toMatchObject({ prefix: created.secret.slice(0, 12), state: "ACTIVE" });

    vi.stubEnv("AGENT_TRUST_URL", system.gatewayUrl);
    vi.stubEnv("AGENT_TRUST_API_KEY", created.secret);
    const { reputations, sync } = (await import(pathToFileURL(client.file).href)) as PartnerClient;

    // 100 agents in one request, in the order asked, with their trust; an unknown id is null.
    const shuffled = [...ids].reverse();
    const read = await reputations(shuffled);
    expect(read.map((agent) => agent?.id)).toEqual(shuffled);
    expect(read.find((agent) => agent?.id === ids[0])?.trust).toMatchObject({ tier: "BRONZE", eligible: true });
    expect(read.find((agent) => agent?.id === ids[50])?.trust).toMatchObject({ tier: "UNRATED", eligible: false });
    expect(await reputations([ids[0]!, "00000000-0000-4000-8000-000000000000"])).toEqual([expect.objectContaining({ id: ids[0] }), null]);

    // The feed from the start: every event once, in order; resuming from the stored cursor gives only what is new.
    const seen: Data[] = [];
    const cursor = await sync(null, (event) => {
      seen.push(event);
    });
    expect(new Set(seen.map((event) => event.id)).size).toBe(seen.length);
    expect(new Set(seen.map((event) => event.agent.id))).toEqual(new Set([ids[0], ids[1]]));
    expect(seen.filter((event) => event.type === "TIER").map((event) => [event.tierBefore, event.tierAfter])).toEqual([
      ["UNRATED", "BRONZE"],
      ["UNRATED", "BRONZE"],
    ]);
    expect(await sync(cursor, (event) => void seen.push(event))).toBe(cursor);
    await judge(ids[2]!, "c");
    const fresh: Data[] = [];
    await sync(cursor, (event) => void fresh.push(event));
    expect(fresh.length).toBeGreaterThan(0);
    expect(fresh.every((event) => event.agent.id === ids[2])).toBe(true);

    // Past its budget (30 points per 4 s): 429 with the documented headers, and nothing runs.
    let refused: Response | undefined;
    for (let i = 0; i < 10 && !refused; i += 1) {
      const response = await fetch(system.gatewayUrl, {
        method: "POST",
        headers: { "content-type": "application/json", "x-api-key": created.secret },
        body: JSON.stringify({ query: SEARCH }),
      });
      if (response.status === 429) refused = response;
    }
    expect(refused?.status).toBe(429);
    expect(Number(refused!.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(refused!.headers.get("ratelimit-policy")).toBe('"default";q=30;w=4');
    expect(refused!.headers.get("ratelimit")).toMatch(/^"default";r=\d+;t=\d+$/);
    expect(((await refused!.json()) as Data).errors[0].extensions.code).toBe("RATE_LIMITED");
    // The documented client waits as Retry-After says, and goes on.
    expect((await reputations([ids[3]!]))[0]).toMatchObject({ id: ids[3] });

    // Rotation without a failed request: the server keeps calling with the old secret while the
    // new one is created and deployed, then switches; the old one is refused after its grace.
    // It starts on a whole budget, so that a refusal below could only be the rotation's fault.
    const budget = (await call(`{ rateLimit { resetAt } }`, {}, { "x-api-key": created.secret })).rateLimit;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, Date.parse(budget.resetAt) - Date.now() + 100)));
    const failures: string[] = [];
    let calls = 0;
    let current = created.secret;
    let rotating = true;
    const traffic = (async () => {
      while (rotating) {
        const response = await postGraphQL<Data>(system.gatewayUrl, `{ rateLimit { remaining } }`, {}, { "x-api-key": current });
        calls += 1;
        if (response.errors) failures.push(String(response.errors[0]?.extensions?.code));
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    const rotated = (await call(ROTATE_KEY, { id: created.key.id, grace: 3 }, { "x-api-key": current })).rotateApiKey;
    current = rotated.secret;
    await new Promise((resolve) => setTimeout(resolve, 300));
    rotating = false;
    await traffic;
    expect(calls).toBeGreaterThan(0);
    expect(failures).toEqual([]);
    const states = (await call(KEY_STATE, {}, { "x-api-key": current })).apiKeys.edges.map((edge: Data) => edge.node);
    expect(states.find((key: Data) => key.id === created.key.id)?.state).toBe("EXPIRING_AFTER_ROTATION");
    await new Promise((resolve) => setTimeout(resolve, 3_500));
    const old = await postGraphQL<Data>(system.gatewayUrl, `{ rateLimit { remaining } }`, {}, { "x-api-key": created.secret });
    expect(old.errors?.[0]).toMatchObject({
      message: expect.stringMatching(/replaced by rotation/),
      extensions: { code: "UNAUTHENTICATED" },
    });
  });
});
