import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { type AppConfig, ConfigError, config } from "../lib/platform/config.js";
import { callerToken } from "./caller-token.js";
import { type Call, StepFailure, gatewayClient } from "./gateway-client.js";

// `npm run demo [-- --url <gateway URL>]`: the README's trust loop against a running `npm start`
// (register an agent, adopt the alert-triage pact, submit a run, wait for the verdict, search).
// Each walk registers a new agent, so it can be run again and again on the same data; it stops at
// the first error with the server's message, and exits non-zero.

/** How long the verdict may take: the local judge usually answers within a second or two. */
const VERDICT_WAIT_MS = 60_000;
const VERDICT_POLL_MS = 500;

/** The README's three alert-triage cases, each met. */
const CASES = [
  {
    caseId: "a-1",
    input: { rule: "powershell-encoded" },
    expected: { severity: "HIGH", truePositive: true },
    output: { severity: "HIGH", truePositive: true },
  },
  {
    caseId: "a-2",
    input: { rule: "impossible-travel" },
    expected: { severity: "LOW", truePositive: false },
    output: { severity: "LOW", truePositive: false },
  },
  {
    caseId: "a-3",
    input: { rule: "new-admin" },
    expected: { severity: "CRITICAL", truePositive: true },
    output: { severity: "CRITICAL", truePositive: true },
  },
];

interface Run {
  id: string;
  status: string;
  passedCount: number;
  failedCount: number;
  passed: boolean | null;
  failureReason: string | null;
  clauseResults: { clauseKey: string; observed: number | null; outcome: string }[];
}

interface SearchNode {
  id: string;
  name: string;
  trust: { compositeScore: number; compositeConfidence: number; tier: string; eligible: boolean; reasons: string[] };
}

interface SearchPage {
  edges: { node: SearchNode }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

/** The gateway `npm start` serves with this configuration (HOST, PORT), unless `--url` names another. */
function gatewayUrl(settings: AppConfig, url: string | undefined): string {
  if (url) return url;
  const { host, port } = settings.gateway;
  if (port === 0)
    throw new StepFailure("find the gateway: PORT is 0 (a free port), so pass the URL `npm start` printed: npm run demo -- --url <url>");
  const reachable = host === "0.0.0.0" ? "127.0.0.1" : host.includes(":") ? `[${host}]` : host;
  return `http://${reachable}:${port}/graphql`;
}

async function waitForVerdict(call: Call, runId: string): Promise<Run> {
  const step = "4. wait for the verdict";
  const deadline = Date.now() + VERDICT_WAIT_MS;
  for (;;) {
    const { evaluationRun: run } = await call<{ evaluationRun: Run }>(
      step,
      `query($r: ID!) { evaluationRun(id: $r) { id status passedCount failedCount passed failureReason clauseResults { clauseKey observed outcome } } }`,
      { r: runId },
    );
    if (run.status === "FAILED") throw new StepFailure(`${step}: judging failed: ${run.failureReason}`);
    if (run.status !== "QUEUED") return run;
    if (Date.now() > deadline)
      throw new StepFailure(`${step}: run ${runId} is still QUEUED after ${VERDICT_WAIT_MS / 1000} s; is the judge running?`);
    await sleep(VERDICT_POLL_MS);
  }
}

/**
 * Pages through the search (new agents included) until the agent shows up, as its builder: an
 * anonymous search may come from the gateway's response cache, up to GATEWAY_CACHE_MAX_AGE_SECONDS
 * old (docs/api.md, "Caching"), and a demo run again within that would miss its new agent.
 */
async function findInSearch(call: Call, agentId: string, token: string): Promise<SearchNode> {
  const step = "5. search by trust";
  let after: string | null = null;
  for (;;) {
    const { searchAgents: page }: { searchAgents: SearchPage } = await call<{ searchAgents: SearchPage }>(
      step,
      `query($after: String) { searchAgents(filter: {domain: ALERT_TRIAGE, eligibleOnly: false}, first: 100, after: $after) {
        edges { node { id name trust { compositeScore compositeConfidence tier eligible reasons } } } pageInfo { hasNextPage endCursor } } }`,
      { after },
      token,
    );
    const found = page.edges.find((edge) => edge.node.id === agentId);
    if (found) return found.node;
    if (!page.pageInfo.hasNextPage) throw new StepFailure(`${step}: agent ${agentId} is not among the alert-triage agents`);
    after = page.pageInfo.endCursor;
  }
}

async function walk(url: string, settings: AppConfig): Promise<void> {
  const call = gatewayClient(url);
  const builder = await callerToken(settings, "builder", "alice");
  console.log(`Walking the trust loop against ${url}`);

  // A new name each time: names are unique among a builder's agents, and the data outlives restarts.
  const name = `Sentinel Triage ${randomUUID().slice(0, 8)}`;
  const { registerAgent: agent } = await call<{ registerAgent: { id: string; name: string } }>(
    "1. register an agent",
    `mutation($n: String!) { registerAgent(input: {name: $n, description: "Triages EDR alerts for a 24/7 SOC", domains: [ALERT_TRIAGE]}) { id name } }`,
    { n: name },
    builder,
  );
  console.log(`1. registered "${agent.name}" (${agent.id}) as alice`);

  const { adoptPactTemplate: pact } = await call<{ adoptPactTemplate: { id: string; version: number } }>(
    "2. adopt the alert-triage pact",
    `mutation($a: ID!) { adoptPactTemplate(agentId: $a, template: "alert-triage") { id version } }`,
    { a: agent.id },
    builder,
  );
  console.log(`2. bound it to the alert-triage pact, version ${pact.version} (${pact.id})`);

  const { submitEvaluationRun: submitted } = await call<{ submitEvaluationRun: { id: string; status: string; caseCount: number } }>(
    "3. submit evidence",
    `mutation($i: SubmitEvaluationRunInput!) { submitEvaluationRun(input: $i) { id status caseCount } }`,
    { i: { agentId: agent.id, pactId: pact.id, cases: CASES } },
    builder,
  );
  console.log(`3. submitted run ${submitted.id}: ${submitted.caseCount} cases, ${submitted.status}`);

  const run = await waitForVerdict(call, submitted.id);
  console.log(
    `4. verdict ${run.status}: ${run.passedCount} passed, ${run.failedCount} failed, run ${run.passed ? "passed" : "did not pass"}`,
  );
  for (const clause of run.clauseResults) console.log(`   ${clause.clauseKey}: observed ${clause.observed}, ${clause.outcome}`);

  const found = await findInSearch(call, agent.id, builder);
  const { trust } = found;
  console.log(
    `5. search: "${found.name}" composite ${trust.compositeScore} (confidence ${trust.compositeConfidence}), ` +
      `tier ${trust.tier}, ${trust.eligible ? "listed" : "not listed"}`,
  );
  for (const reason of trust.reasons) console.log(`   ${reason}`);
  console.log("Done. Run it again for another agent; the README walks on from here (disputes, amendments, KPIs).");
}

const { values } = parseArgs({ options: { url: { type: "string" } } });
try {
  const settings = config();
  await walk(gatewayUrl(settings, values.url), settings);
} catch (error) {
  // The server's message (or the configuration's problems), without a stack: the script stops
  // where the walk-through did.
  if (!(error instanceof StepFailure || error instanceof ConfigError)) throw error;
  console.error(`npm run demo stopped at ${error.message}`);
  process.exit(1);
}
