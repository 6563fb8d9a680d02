import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DATABASE_KINDS } from "../support/databases.js";
import { REGISTER_AGENT, SUBMIT_RUN, triageCases } from "../support/fixtures.js";
import { bearer, dataOf, postGraphQL } from "../support/graphql-client.js";
import { eventually, judgedRun, useTestSystem } from "../support/system.js";

type Data = Record<string, any>;

/** A receiver on a local port, as a builder's SOAR would run one: it keeps every request as received. */
interface Receiver {
  url: string;
  received: { headers: Record<string, string>; body: string }[];
  stop(): Promise<void>;
}

/** The request's single-valued headers, as a receiver's library takes them. */
const headersOf = (headers: IncomingHttpHeaders): Record<string, string> =>
  Object.fromEntries(Object.entries(headers).flatMap(([name, value]) => (typeof value === "string" ? [[name, value]] : [])));

async function startReceiver(): Promise<Receiver> {
  const received: Receiver["received"] = [];
  const server: Server = createServer((request, response) => {
    let body = "";
    request.setEncoding("utf8");
    request.on("data", (chunk: string) => (body += chunk));
    request.on("end", () => {
      received.push({ headers: headersOf(request.headers), body });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/agent-trust`,
    received,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const ADOPT = `mutation($a: ID!, $owner: EscalationOwnerInput) {
  adoptPactTemplate(agentId: $a, template: "alert-triage", escalationOwner: $owner) { id escalationOwner { ackDeadlineMinutes } }
}`;
const CREATE_ENDPOINT = `mutation($i: CreateWebhookEndpointInput!) {
  createWebhookEndpoint(input: $i) { secret endpoint { id url eventTypes agentIds state } }
}`;
const ESCALATIONS = `query($id: ID!) {
  agent(id: $id) { escalations(first: 10) { edges { node { id action direction ownerTeam ownerContact createdAt ackDueAt } } } }
}`;
const DELIVERIES = `query($e: ID!) {
  webhookDeliveries(endpointId: $e, first: 50) { edges { node { outcome statusCode latencyMs error } } }
}`;

/** The pact's escalation owner: the SOC's tier-2 team, 30 minutes to acknowledge. */
const OWNER = { team: "SOC Tier-2", contact: "soc-tier2@example.com", ackDeadlineMinutes: 30 };

/*
 * A builder, as a new user would: registers an agent under the alert-triage pact with its escalation
 * owner, registers a webhook endpoint for it, and lets the agent drift (a clean run, then runs
 * that miss more and more severities). The escalation the ladder raises arrives at the endpoint,
 * verified by the `standardwebhooks` library with the secret shown at registration, carrying the
 * pact's acknowledgement deadline.
 */
describe.each(DATABASE_KINDS)("a builder receives the escalation of a drifting agent by webhook (%s)", (kind) => {
  const system = useTestSystem(kind);
  let receiver: Receiver;
  let builder: Record<string, string>;

  beforeAll(async () => {
    receiver = await startReceiver();
    builder = await bearer("builder", "nadia");
  });
  afterAll(() => receiver.stop());

  const ok = async (query: string, variables: Record<string, unknown> = {}) =>
    dataOf(await postGraphQL<Data>(system.gatewayUrl, query, variables, builder));

  it("registers an endpoint, lets the agent drift, and receives the escalation with the pact's deadline, signed", async () => {
    const agentId = (
      await ok(REGISTER_AGENT, {
        input: { name: "Harbour Triage", description: "Triages EDR alerts for a SOC", domains: ["ALERT_TRIAGE"] },
      })
    ).registerAgent.id;
    const pact = (await ok(ADOPT, { a: agentId, owner: OWNER })).adoptPactTemplate;
    expect(pact.escalationOwner.ackDeadlineMinutes).toBe(30);

    const created = (
      await ok(CREATE_ENDPOINT, {
        i: {
          url: receiver.url,
          description: "SOAR intake",
          eventTypes: ["ESCALATION_RAISED", "CONSEQUENCE_TAKEN", "RUN_JUDGED"],
          agentIds: [agentId],
        },
      })
    ).createWebhookEndpoint;
    expect(created.endpoint).toMatchObject({ url: receiver.url, agentIds: [agentId], state: "ACTIVE" });
    expect(created.secret).toMatch(/^whsec_/);
    const hook = new Webhook(created.secret);

    // Drift: a clean run, then runs whose severity calls slip below the pact's 0.92.
    for (const [index, wrong] of [0, 20, 30].entries()) {
      const run = dataOf(
        await postGraphQL<Data>(
          system.gatewayUrl,
          SUBMIT_RUN,
          { input: { agentId, pactId: pact.id, cases: triageCases(40, { wrongSeverity: wrong, idPrefix: `drift-${index}` }) } },
          builder,
        ),
      ).submitEvaluationRun;
      await judgedRun(system.gatewayUrl, run.id);
    }

    const verified = () => receiver.received.map(({ headers, body }) => ({ headers, event: hook.verify(body, headers) as Data }));
    // Every step the ladder took (the drift may climb more than one) reaches the endpoint.
    const steps = (await ok(ESCALATIONS, { id: agentId })).agent.escalations.edges
      .map((edge: Data) => edge.node)
      .filter((node: Data) => node.direction === "FIRED");
    expect(steps.length).toBeGreaterThanOrEqual(1);
    const raised = await eventually(
      async () => {
        const events = verified().filter(({ event }) => event.type === "escalation.raised" && event.data.direction === "FIRED");
        return events.length === steps.length ? events.map(({ event }) => event) : undefined;
      },
      20_000,
      "every escalation to reach the endpoint",
    );
    const stored = steps[0];
    const escalation = raised.find((event) => event.data.escalationId === stored.id)!;
    expect(escalation).toMatchObject({
      agentId,
      data: { escalationId: stored.id, action: stored.action, owner: { team: OWNER.team, contact: OWNER.contact } },
    });
    // The deadline is the pact's: 30 minutes after the step, as the escalation records it.
    expect(Date.parse(escalation.data.ackDueAt) - Date.parse(escalation.data.raisedAt)).toBe(OWNER.ackDeadlineMinutes * 60_000);
    expect(escalation.data.ackDueAt).toBe(new Date(stored.ackDueAt).toISOString());
    expect(typeof escalation.position).toBe("number");

    // Every delivery verifies, each with its own id; the runs and the step came too.
    await eventually(
      async () => (verified().filter(({ event }) => event.type === "run.judged").length === 3 ? true : undefined),
      20_000,
      "three run.judged",
    );
    const all = verified();
    expect(all.map(({ event }) => event.type)).toEqual(expect.arrayContaining(["run.judged", "consequence.taken", "escalation.raised"]));
    expect(new Set(all.map(({ headers }) => headers["webhook-id"])).size).toBe(all.length);
    // A tampered body, or the same delivery replayed an hour later, is refused by the receiver's library.
    const { headers, body } = receiver.received[0]!;
    expect(() => hook.verify(body.replace("}", ',"x":1}'), headers)).toThrow();
    const replayed = { ...headers, "webhook-timestamp": String(Number(headers["webhook-timestamp"]) + 3600) };
    expect(() => hook.verify(body, replayed)).toThrow();

    // The delivery log shows each attempt, answered 204 (recorded just after the receiver answered).
    const attempts = await eventually(
      async () => {
        const logged = (await ok(DELIVERIES, { e: created.endpoint.id })).webhookDeliveries.edges.map((edge: Data) => edge.node);
        return logged.length >= all.length ? logged : undefined;
      },
      10_000,
      "every attempt in the delivery log",
    );
    expect(attempts.every((attempt: Data) => attempt.outcome === "SUCCEEDED" && attempt.statusCode === 204 && attempt.error === null)).toBe(
      true,
    );
  });
});
