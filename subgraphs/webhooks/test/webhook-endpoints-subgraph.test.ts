import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentDomain } from "../../../lib/contracts/agent-domain.js";
import { loadConfig } from "../../../lib/platform/config.js";
import type { Identity, Scope } from "../../../lib/platform/identity.js";
import type { HostResolver } from "../../../lib/platform/outbound-address.js";
import { DATABASE_KINDS } from "../../../test/support/databases.js";
import { TEST_SECRETS, dataOf } from "../../../test/support/graphql-client.js";
import { raiseEvent, takeWebhookMessages } from "../../../test/support/webhooks.js";
import {
  errorOf,
  expectOnlyGatewayRequests,
  startSubgraphHarness,
  type Data,
  type SubgraphHarness,
} from "../../../test/support/subgraph-harness.js";
import { dispatchWebhooks } from "../webhook-event.dispatch.js";
import { WebhookEvent } from "../webhook-event.entity.js";
import { webhooksSubgraph } from "../index.js";
import { WebhookDelivery } from "../webhook-delivery.entity.js";
import { WebhookEndpoint } from "../webhook-endpoint.entity.js";
import { WebhookDeliveryState, WebhookEventType } from "../webhook.enums.js";
import { endpointSecret, signingSecrets } from "../webhook-secret.js";
import { type WebhookSettings, webhookSettings } from "../webhook.settings.js";

/*
 * The webhooks subgraph's endpoints, served alone over HTTP on both engines: registration under
 * the address policy (production's, then development's), who may manage, read and disable which
 * endpoint, what each refusal leaves (nothing), and secrets: shown once, derived again for
 * signing, rotated with a grace. Host names resolve through a stub: nothing here asks a real
 * resolver or connects anywhere.
 */

const ENDPOINT =
  "id url description eventTypes agentIds state disabledReason disabledAt failingSince createdAt updatedAt previousSecretValidUntil";
const CREATE = `mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { secret endpoint { ${ENDPOINT} } } }`;
const UPDATE = `mutation($id: ID!, $input: UpdateWebhookEndpointInput!) { updateWebhookEndpoint(id: $id, input: $input) { ${ENDPOINT} } }`;
const ROTATE = `mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret previousSecretValidUntil endpoint { ${ENDPOINT} } } }`;
const DISABLE = `mutation($id: ID!, $reason: String) { disableWebhookEndpoint(id: $id, reason: $reason) { ${ENDPOINT} } }`;
const ENABLE = `mutation($id: ID!) { enableWebhookEndpoint(id: $id) { ${ENDPOINT} } }`;
const DELETE = `mutation($id: ID!) { deleteWebhookEndpoint(id: $id) }`;
const GET = `query($id: ID!) { webhookEndpoint(id: $id) { ${ENDPOINT} } }`;
const LIST = `query($owner: String, $first: Int, $after: String) {
  webhookEndpoints(owner: $owner, first: $first, after: $after) { edges { cursor node { id url } } pageInfo { hasNextPage endCursor } }
}`;

const PARTNER = (subject: string): Identity => ({ role: "partner", subject });
const PARTNER_KEY = (subject: string, ...scopes: Scope[]): Identity => ({ role: "partner", subject, scopes });
const BUILDER = (subject: string): Identity => ({ role: "builder", subject });
const OPERATOR: Identity = { role: "operator", subject: "olivia" };
const HOUR = 3600 * 1000;

/** Public addresses the stub hands out; never connected to. */
const PUBLIC_V4 = "93.184.215.14";
const PUBLIC_V6 = "2606:4700::6810:84e5";

/** A resolver of these hosts only, which a test may repoint (as DNS may change under a name). */
function stubResolver(): HostResolver & { hosts: Record<string, string[]> } {
  const hosts: Record<string, string[]> = {
    "hooks.acme.example": [PUBLIC_V4, PUBLIC_V6],
    "soar.bea.example": [PUBLIC_V4],
    "localhost.example": ["127.0.0.1"],
    "internal.example": ["10.0.0.5"],
    "half.example": [PUBLIC_V4, "192.168.0.10"],
  };
  const resolve = async (host: string) => {
    const addresses = hosts[host];
    if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: "ENOTFOUND" });
    return addresses.map((address) => ({ address, family: (address.includes(":") ? 6 : 4) as 4 | 6 }));
  };
  return Object.assign(resolve, { hosts });
}

const PRODUCTION = loadConfig({
  NODE_ENV: "production",
  AUTH_TOKEN_SECRET: TEST_SECRETS.tokenSecret,
  SUBGRAPH_SECRET: TEST_SECRETS.subgraphSecret,
  WEBHOOK_SECRET_KEY: TEST_SECRETS.webhookSecretKey,
});

describe.each(DATABASE_KINDS)("webhooks subgraph, endpoints, in production on %s", (kind) => {
  let harness: SubgraphHarness;
  let settings: WebhookSettings;
  const resolver = stubResolver();
  let beaAgent: string;
  let calAgent: string;
  beforeAll(async () => {
    settings = webhookSettings(PRODUCTION, resolver);
    harness = await startSubgraphHarness(kind, (dataSource) => webhooksSubgraph(dataSource, settings));
    beaAgent = (await harness.seedAgent("bea", [AgentDomain.ALERT_TRIAGE])).id;
    calAgent = (await harness.seedAgent("cal", [AgentDomain.ALERT_TRIAGE])).id;
  });
  afterAll(async () => {
    await harness?.stop();
  });

  const input = (overrides: Record<string, unknown> = {}) => ({
    url: "https://hooks.acme.example/events",
    description: "SIEM intake",
    eventTypes: ["TRUST_CHANGED", "ELIGIBILITY_CHANGED"],
    ...overrides,
  });
  const create = async (identity: Identity, overrides: Record<string, unknown> = {}) =>
    dataOf(await harness.call(CREATE, { input: input(overrides) }, identity)).createWebhookEndpoint as { secret: string; endpoint: Data };
  const stored = (id: string) => harness.dataSource.getRepository(WebhookEndpoint).findOneByOrFail({ id });
  /** Every row of webhook_endpoints, to show a refused call changed none. */
  const rows = async () => JSON.stringify(await harness.dataSource.query("SELECT * FROM webhook_endpoints ORDER BY id"));

  it("refuses requests that did not come through the gateway", async () => {
    await expectOnlyGatewayRequests(harness.url, "webhooks", "agents");
  });

  it("registers an endpoint for the calling partner and shows its secret once; the secret is stored nowhere", async () => {
    const { secret, endpoint } = await create(PARTNER("acme"), { agentIds: [beaAgent, calAgent] });

    expect(endpoint).toMatchObject({
      url: "https://hooks.acme.example/events",
      description: "SIEM intake",
      eventTypes: ["TRUST_CHANGED", "ELIGIBILITY_CHANGED"],
      agentIds: [beaAgent, calAgent],
      state: "ACTIVE",
      disabledReason: null,
      disabledAt: null,
      failingSince: null,
      previousSecretValidUntil: null,
    });
    expect(secret).toBe(endpointSecret(TEST_SECRETS.webhookSecretKey, endpoint.id, 1));
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);

    const row = await stored(endpoint.id);
    expect(row).toMatchObject({ ownerRole: "partner", ownerId: "acme", secretGeneration: 1, previousSecretGeneration: null });
    expect(signingSecrets(row, settings.secretKey, new Date())).toEqual([secret]);
    // Neither the secret nor its key bytes are in the row.
    const raw = JSON.stringify(await harness.dataSource.query("SELECT * FROM webhook_endpoints WHERE id = ?", [endpoint.id]));
    expect(raw).not.toContain(secret.slice("whsec_".length, "whsec_".length + 20));
    // Nor can any query read it back.
    const asked = await harness.call(`query($id: ID!) { webhookEndpoint(id: $id) { id secret } }`, { id: endpoint.id }, PARTNER("acme"));
    expect(errorOf(asked).code).toBe("GRAPHQL_VALIDATION_FAILED");
    expect(dataOf(await harness.call(GET, { id: endpoint.id }, PARTNER("acme"))).webhookEndpoint).toEqual(endpoint);
  });

  it.each([
    ["a name resolving to loopback", "https://localhost.example/hook", "resolves to a loopback address"],
    ["127.0.0.1", "https://127.0.0.1:8443/hook", "names 127.0.0.1, a loopback address"],
    ["10.x", "https://internal.example/hook", "resolves to a private address"],
    ["172.16.x", "https://172.16.0.1/hook", "names 172.16.0.1, a private address"],
    ["192.168.x", "https://192.168.1.20/hook", "names 192.168.1.20, a private address"],
    ["the metadata address", "https://169.254.169.254/latest/meta-data/", "names 169.254.169.254, a cloud metadata service's address"],
    ["fe80::", "https://[fe80::1]/hook", "names fe80::1, a link-local address"],
    ["::ffff:127.0.0.1", "https://[::ffff:127.0.0.1]/hook", "names ::ffff:7f00:1 (IPv4 127.0.0.1), a loopback address"],
    ["fd00:ec2::254", "https://[fd00:ec2::254]/hook", "names fd00:ec2::254, a cloud metadata service's address"],
    ["one public and one private address", "https://half.example/hook", "resolves to a private address"],
    ["http", "http://hooks.acme.example/events", "must use https"],
    ["a host that does not resolve", "https://gone.example/hook", "names a host, gone.example, that does not resolve"],
    ["credentials in the URL", "https://user:pw@hooks.acme.example/", "must not carry a user name or password"],
  ])("refuses %s as input.url, saying why, and writes nothing", async (_label, url, reason) => {
    const before = await rows();

    const refused = errorOf(await harness.call(CREATE, { input: input({ url }) }, PARTNER("acme")));

    expect(refused).toMatchObject({ code: "BAD_USER_INPUT", field: "input.url", message: `input.url: ${reason}` });
    expect(await rows()).toBe(before);
  });

  it("checks event types and agent filters, refusing each by its path and writing nothing", async () => {
    const before = await rows();
    const unknownAgent = "00000000-0000-4000-8000-000000000000";
    const cases: [Identity, Record<string, unknown>, { code: string; field?: string }][] = [
      [PARTNER("acme"), { eventTypes: [] }, { code: "BAD_USER_INPUT", field: "input.eventTypes" }],
      [PARTNER("acme"), { eventTypes: ["RUN_JUDGED", "RUN_JUDGED"] }, { code: "BAD_USER_INPUT", field: "input.eventTypes[1]" }],
      // Escalations name the owner team's contact: builders' endpoints only.
      [PARTNER("acme"), { eventTypes: ["TRUST_CHANGED", "ESCALATION_RAISED"] }, { code: "BAD_USER_INPUT", field: "input.eventTypes[1]" }],
      [PARTNER("acme"), { eventTypes: ["ESCALATION_OVERDUE"] }, { code: "BAD_USER_INPUT", field: "input.eventTypes[0]" }],
      [PARTNER("acme"), { agentIds: [] }, { code: "BAD_USER_INPUT", field: "input.agentIds" }],
      [PARTNER("acme"), { agentIds: [beaAgent, "not-an-agent"] }, { code: "BAD_USER_INPUT", field: "input.agentIds[1]" }],
      [PARTNER("acme"), { agentIds: [beaAgent, beaAgent] }, { code: "BAD_USER_INPUT", field: "input.agentIds[1]" }],
      [PARTNER("acme"), { agentIds: [beaAgent, unknownAgent] }, { code: "NOT_FOUND", field: "input.agentIds[1]" }],
      [PARTNER("acme"), { description: "x".repeat(201) }, { code: "BAD_USER_INPUT", field: "input.description" }],
      // A builder hears only of their own agents.
      [BUILDER("bea"), { agentIds: [beaAgent, calAgent] }, { code: "FORBIDDEN" }],
    ];
    for (const [identity, overrides, expected] of cases) {
      const refused = errorOf(await harness.call(CREATE, { input: input(overrides) }, identity));
      expect({ overrides, ...refused }).toMatchObject({ overrides, ...expected });
    }
    const tooMany = Array.from({ length: 101 }, () => beaAgent);
    expect(errorOf(await harness.call(CREATE, { input: input({ agentIds: tooMany }) }, PARTNER("acme")))).toMatchObject({
      code: "BAD_USER_INPUT",
      field: "input.agentIds",
    });
    const forbidden = errorOf(await harness.call(CREATE, { input: input({ agentIds: [beaAgent, calAgent] }) }, BUILDER("bea")));
    expect(forbidden.message).toContain("agentIds[1]");
    expect(await rows()).toBe(before);
  });

  it("lets a builder hear of their own agents, escalations included; ENDPOINT_DISABLED is anyone's", async () => {
    const { endpoint } = await create(BUILDER("bea"), {
      url: "https://soar.bea.example/hooks",
      eventTypes: ["ESCALATION_RAISED", "ESCALATION_OVERDUE", "ENDPOINT_DISABLED"],
      agentIds: [beaAgent],
    });
    expect(endpoint).toMatchObject({ eventTypes: ["ESCALATION_RAISED", "ESCALATION_OVERDUE", "ENDPOINT_DISABLED"], agentIds: [beaAgent] });
    expect(await stored(endpoint.id)).toMatchObject({ ownerRole: "builder", ownerId: "bea" });

    const partners = await create(PARTNER("acme"), { eventTypes: ["ENDPOINT_DISABLED"] });
    expect(partners.endpoint.eventTypes).toEqual(["ENDPOINT_DISABLED"]);
  });

  it("lets a partner key holding webhooks:manage manage endpoints, and refuses every other caller, writing nothing", async () => {
    const before = await rows();
    const refusals: [Identity, string, string | undefined][] = [
      [{ role: "anonymous", subject: null }, "UNAUTHENTICATED", undefined],
      [PARTNER_KEY("acme", "keys:manage", "reputation:read"), "FORBIDDEN", "webhooks:manage"],
      [{ role: "buyer", subject: "bo" }, "FORBIDDEN", undefined],
      [{ role: "arbiter", subject: "ada" }, "FORBIDDEN", undefined],
      [OPERATOR, "FORBIDDEN", undefined],
    ];
    for (const [identity, code, scope] of refusals) {
      const refused = errorOf(await harness.call(CREATE, { input: input() }, identity));
      expect({ identity, code: refused.code, scope: refused.scope }).toEqual({ identity, code, scope });
    }
    const lacking = errorOf(await harness.call(CREATE, { input: input() }, PARTNER_KEY("acme", "feed:read")));
    expect(lacking.message).toContain("webhooks:manage");
    expect(await rows()).toBe(before);

    const { endpoint } = await create(PARTNER_KEY("acme", "webhooks:manage"));
    expect(await stored(endpoint.id)).toMatchObject({ ownerRole: "partner", ownerId: "acme" });
    const listed = errorOf(await harness.call(LIST, {}, PARTNER_KEY("acme", "feed:read")));
    expect(listed).toMatchObject({ code: "FORBIDDEN", scope: "webhooks:manage" });
  });

  it("answers another owner's endpoint as it answers an unknown id: null to read, NOT_FOUND to act on", async () => {
    const { endpoint } = await create(PARTNER("acme"));
    const before = await rows();
    const strangers = [PARTNER("globex"), BUILDER("bea")];
    for (const stranger of strangers) {
      expect(dataOf(await harness.call(GET, { id: endpoint.id }, stranger)).webhookEndpoint).toBeNull();
      for (const [document, variables] of [
        [UPDATE, { id: endpoint.id, input: { description: "mine now" } }],
        [ROTATE, { id: endpoint.id }],
        [DISABLE, { id: endpoint.id }],
        [ENABLE, { id: endpoint.id }],
        [DELETE, { id: endpoint.id }],
      ] as const) {
        const refused = errorOf(await harness.call(document, variables, stranger));
        expect({ document, ...refused }).toMatchObject({
          document,
          code: "NOT_FOUND",
          field: "id",
          message: `id: webhook endpoint ${endpoint.id} does not exist`,
        });
      }
    }
    expect(errorOf(await harness.call(ROTATE, { id: "no-such-endpoint" }, PARTNER("acme")))).toMatchObject({ code: "NOT_FOUND" });
    expect(dataOf(await harness.call(GET, { id: "x".repeat(80) }, PARTNER("acme"))).webhookEndpoint).toBeNull();
    // Operators read any endpoint, and act on none but to disable it.
    expect(dataOf(await harness.call(GET, { id: endpoint.id }, OPERATOR)).webhookEndpoint).toMatchObject({ id: endpoint.id });
    for (const document of [ROTATE, ENABLE, DELETE])
      expect(errorOf(await harness.call(document, { id: endpoint.id }, OPERATOR)).code).toBe("FORBIDDEN");
    expect(await rows()).toBe(before);
  });

  it("changes what is given and keeps the rest, checking each as at registration", async () => {
    const { endpoint, secret } = await create(BUILDER("bea"), { url: "https://soar.bea.example/a", agentIds: [beaAgent] });
    const before = await rows();

    const refusals: [Record<string, unknown>, { code: string; field?: string }][] = [
      [{ url: "https://internal.example/hook" }, { code: "BAD_USER_INPUT", field: "input.url" }],
      [{ url: "http://soar.bea.example/a" }, { code: "BAD_USER_INPUT", field: "input.url" }],
      [{ agentIds: [calAgent] }, { code: "FORBIDDEN" }],
      [{ eventTypes: ["RUN_JUDGED", "RUN_JUDGED"] }, { code: "BAD_USER_INPUT", field: "input.eventTypes[1]" }],
    ];
    for (const [changes, expected] of refusals)
      expect({ changes, ...errorOf(await harness.call(UPDATE, { id: endpoint.id, input: changes }, BUILDER("bea"))) }).toMatchObject({
        changes,
        ...expected,
      });
    expect(await rows()).toBe(before);

    const changed = dataOf(
      await harness.call(
        UPDATE,
        { id: endpoint.id, input: { url: "https://hooks.acme.example/bea", eventTypes: ["RUN_JUDGED"] } },
        BUILDER("bea"),
      ),
    ).updateWebhookEndpoint;
    expect(changed).toMatchObject({
      url: "https://hooks.acme.example/bea",
      description: "SIEM intake",
      eventTypes: ["RUN_JUDGED"],
      agentIds: [beaAgent],
    });
    // null: every agent again.
    const widened = dataOf(
      await harness.call(UPDATE, { id: endpoint.id, input: { agentIds: null } }, BUILDER("bea")),
    ).updateWebhookEndpoint;
    expect(widened).toMatchObject({ url: "https://hooks.acme.example/bea", eventTypes: ["RUN_JUDGED"], agentIds: null });
    expect(await stored(endpoint.id)).toMatchObject({ agentIds: null, eventTypes: ["RUN_JUDGED"], secretGeneration: 1 });
    expect(signingSecrets(await stored(endpoint.id), settings.secretKey, new Date())).toEqual([secret]);
  });

  it("rotates to a new secret, signing with the previous one too until the grace ends; a second rotation drops the oldest", async () => {
    const { endpoint, secret: first } = await create(PARTNER("acme"));

    const rotated = dataOf(await harness.call(ROTATE, { id: endpoint.id }, PARTNER_KEY("acme", "webhooks:manage"))).rotateWebhookSecret;

    expect(rotated.secret).not.toBe(first);
    expect(rotated.secret).toBe(endpointSecret(TEST_SECRETS.webhookSecretKey, endpoint.id, 2));
    const until = new Date(rotated.previousSecretValidUntil).getTime();
    expect(rotated.endpoint.previousSecretValidUntil).toBe(rotated.previousSecretValidUntil);
    const row = await stored(endpoint.id);
    expect(row).toMatchObject({ secretGeneration: 2, previousSecretGeneration: 1 });
    expect(row.previousSecretUntil?.getTime()).toBe(until);
    expect(until - row.updatedAt.getTime()).toBe(24 * HOUR);
    // Both sign until the grace ends; from then on the new one alone.
    expect(signingSecrets(row, settings.secretKey, new Date(until - 1))).toEqual([rotated.secret, first]);
    expect(signingSecrets(row, settings.secretKey, new Date(until))).toEqual([rotated.secret]);

    const again = dataOf(await harness.call(ROTATE, { id: endpoint.id }, PARTNER("acme"))).rotateWebhookSecret;
    const latest = await stored(endpoint.id);
    expect(latest).toMatchObject({ secretGeneration: 3, previousSecretGeneration: 2 });
    expect(signingSecrets(latest, settings.secretKey, new Date())).toEqual([again.secret, rotated.secret]);
    expect(signingSecrets(latest, settings.secretKey, new Date())).not.toContain(first);
    // The secrets are never shown again.
    expect(JSON.stringify(dataOf(await harness.call(GET, { id: endpoint.id }, PARTNER("acme"))))).not.toContain("whsec_");
  });

  it("disables (the owner its own, an operator any) and enables again after checking the URL anew", async () => {
    const { endpoint } = await create(BUILDER("bea"), { url: "https://soar.bea.example/b" });

    const byOperator = dataOf(
      await harness.call(DISABLE, { id: endpoint.id, reason: "  Flooding the queue  " }, OPERATOR),
    ).disableWebhookEndpoint;
    expect(byOperator).toMatchObject({ state: "DISABLED", disabledReason: "Disabled by an operator: Flooding the queue" });
    expect(byOperator.disabledAt).not.toBeNull();
    expect(errorOf(await harness.call(DISABLE, { id: endpoint.id }, BUILDER("bea")))).toMatchObject({ code: "CONFLICT", field: "id" });

    // The name now resolves to a private address: enabling is refused, and nothing changes.
    const before = await rows();
    resolver.hosts["soar.bea.example"] = ["10.9.8.7"];
    try {
      expect(errorOf(await harness.call(ENABLE, { id: endpoint.id }, BUILDER("bea")))).toMatchObject({
        code: "BAD_USER_INPUT",
        field: "id",
        message: "id: resolves to a private address",
      });
    } finally {
      resolver.hosts["soar.bea.example"] = [PUBLIC_V4];
    }
    expect(await rows()).toBe(before);

    await harness.dataSource.getRepository(WebhookEndpoint).update({ id: endpoint.id }, { failingSince: new Date(Date.now() - HOUR) });
    const enabled = dataOf(await harness.call(ENABLE, { id: endpoint.id }, BUILDER("bea"))).enableWebhookEndpoint;
    expect(enabled).toMatchObject({ state: "ACTIVE", disabledReason: null, disabledAt: null, failingSince: null });
    expect(errorOf(await harness.call(ENABLE, { id: endpoint.id }, BUILDER("bea")))).toMatchObject({ code: "CONFLICT", field: "id" });

    const byOwner = dataOf(await harness.call(DISABLE, { id: endpoint.id }, BUILDER("bea"))).disableWebhookEndpoint;
    expect(byOwner).toMatchObject({ state: "DISABLED", disabledReason: "Disabled by its owner" });
    expect(errorOf(await harness.call(DISABLE, { id: endpoint.id, reason: " " }, OPERATOR))).toMatchObject({
      code: "BAD_USER_INPUT",
      field: "reason",
    });
  });

  it("kills an endpoint's pending deliveries when it is disabled, due or not, and enabling it sends none of them", async () => {
    const ds = harness.dataSource;
    const { endpoint } = await create(BUILDER("bea"), { url: "https://soar.bea.example/c" });
    for (let i = 0; i < 2; i += 1) await raiseEvent(ds, { agentId: beaAgent, data: { n: i } });
    await dispatchWebhooks(ds);
    await takeWebhookMessages(ds);
    const deliveries = () =>
      ds.getRepository(WebhookDelivery).find({ where: { endpointId: endpoint.id }, order: { eventPosition: "ASC" } });
    const [due, later] = await deliveries();
    // The second waits for a retry an hour away: no deliverer looks at it before then.
    await ds
      .getRepository(WebhookDelivery)
      .update({ id: later!.id }, { attempts: 1, nextAttemptAt: new Date(Date.now() + HOUR), leaseUntil: null });

    dataOf(await harness.call(DISABLE, { id: endpoint.id }, BUILDER("bea")));
    const killed = await deliveries();
    dataOf(await harness.call(ENABLE, { id: endpoint.id }, BUILDER("bea")));
    // Past both deliveries' next attempts and the first one's lease: the sweep would send any still pending.
    await dispatchWebhooks(ds, new Date(Date.now() + 2 * HOUR));
    const sent = (await takeWebhookMessages(ds)).map((body) => JSON.parse(body).deliveryId);

    const why = "endpoint disabled: Disabled by its owner";
    expect(
      killed.map(({ id, state, nextAttemptAt, leaseUntil, lastError }) => ({ id, state, nextAttemptAt, leaseUntil, lastError })),
    ).toEqual([
      { id: due!.id, state: WebhookDeliveryState.DEAD, nextAttemptAt: null, leaseUntil: null, lastError: why },
      { id: later!.id, state: WebhookDeliveryState.DEAD, nextAttemptAt: null, leaseUntil: null, lastError: why },
    ]);
    expect(sent).not.toContain(due!.id);
    expect(sent).not.toContain(later!.id);
    expect((await deliveries()).map((delivery) => delivery.state)).toEqual([WebhookDeliveryState.DEAD, WebhookDeliveryState.DEAD]);
  });

  it("tells the owner, through their other endpoints, when an operator disables an endpoint, and not when they disable it themselves", async () => {
    const ds = harness.dataSource;
    const { endpoint } = await create(BUILDER("bea"), { url: "https://soar.bea.example/d" });
    const { endpoint: own } = await create(BUILDER("bea"), { url: "https://soar.bea.example/e" });
    const { endpoint: notices } = await create(BUILDER("bea"), {
      url: "https://soar.bea.example/notices",
      eventTypes: ["ENDPOINT_DISABLED"],
    });
    const noticesOf = async (id: string) =>
      (await ds.getRepository(WebhookEvent).findBy({ type: WebhookEventType.ENDPOINT_DISABLED })).filter(
        (event) => event.data.endpointId === id,
      );

    const byOperator = dataOf(
      await harness.call(DISABLE, { id: endpoint.id, reason: "Flooding the queue" }, OPERATOR),
    ).disableWebhookEndpoint;
    dataOf(await harness.call(DISABLE, { id: own.id }, BUILDER("bea")));
    await dispatchWebhooks(ds);

    const [notice, ...more] = await noticesOf(endpoint.id);
    expect(more).toEqual([]);
    expect(notice).toMatchObject({
      audience: "OWNER",
      ownerRole: "builder",
      ownerId: "bea",
      agentId: null,
      data: {
        endpointId: endpoint.id,
        url: "https://soar.bea.example/d",
        reason: "Disabled by an operator: Flooding the queue",
        disabledAt: byOperator.disabledAt,
      },
    });
    expect(await ds.getRepository(WebhookDelivery).findOneBy({ endpointId: notices.id, eventId: notice!.id })).toMatchObject({
      state: WebhookDeliveryState.PENDING,
    });
    expect(await noticesOf(own.id)).toEqual([]);
  });

  it("deletes an endpoint: its id is returned, and it is gone for its owner and operators", async () => {
    const { endpoint } = await create(PARTNER("acme"));

    expect(dataOf(await harness.call(DELETE, { id: endpoint.id }, PARTNER("acme"))).deleteWebhookEndpoint).toBe(endpoint.id);

    expect(await harness.dataSource.getRepository(WebhookEndpoint).countBy({ id: endpoint.id })).toBe(0);
    expect(dataOf(await harness.call(GET, { id: endpoint.id }, OPERATOR)).webhookEndpoint).toBeNull();
    expect(errorOf(await harness.call(DELETE, { id: endpoint.id }, PARTNER("acme"))).code).toBe("NOT_FOUND");
  });

  it("lists an owner's endpoints oldest first, a page per statement; operators name the owner", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i += 1) ids.push((await create(PARTNER("lister"), { description: `n${i}` })).endpoint.id);
    await create(PARTNER("other-lister"));

    const first = await harness.statementsFor(LIST, { first: 2 }, PARTNER("lister"));
    const page = dataOf(first.response).webhookEndpoints;
    expect(page.edges.map((edge: Data) => edge.node.id)).toEqual(ids.slice(0, 2));
    expect(page.pageInfo.hasNextPage).toBe(true);
    expect(first.statements).toBe(1);
    const rest = dataOf(await harness.call(LIST, { first: 2, after: page.pageInfo.endCursor }, PARTNER("lister"))).webhookEndpoints;
    expect(rest.edges.map((edge: Data) => edge.node.id)).toEqual(ids.slice(2));
    expect(rest.pageInfo.hasNextPage).toBe(false);

    const named = dataOf(await harness.call(LIST, { owner: "partner:lister" }, PARTNER("lister"))).webhookEndpoints;
    expect(named.edges).toHaveLength(3);
    const operators = dataOf(await harness.call(LIST, { owner: "partner:lister" }, OPERATOR)).webhookEndpoints;
    expect(operators.edges.map((edge: Data) => edge.node.id)).toEqual(ids);
    const builders = dataOf(await harness.call(LIST, { owner: "builder:bea" }, OPERATOR)).webhookEndpoints;
    expect(builders.edges.length).toBeGreaterThan(0);

    expect(errorOf(await harness.call(LIST, {}, OPERATOR))).toMatchObject({ code: "BAD_USER_INPUT", field: "owner" });
    expect(errorOf(await harness.call(LIST, { owner: "lister" }, OPERATOR))).toMatchObject({ code: "BAD_USER_INPUT", field: "owner" });
    expect(errorOf(await harness.call(LIST, { owner: "buyer:bo" }, OPERATOR))).toMatchObject({ code: "BAD_USER_INPUT", field: "owner" });
    expect(errorOf(await harness.call(LIST, { owner: "partner:other-lister" }, PARTNER("lister"))).code).toBe("FORBIDDEN");
    expect(errorOf(await harness.call(LIST, { owner: "partner:lister" }, BUILDER("lister"))).code).toBe("FORBIDDEN");
    expect(errorOf(await harness.call(LIST, { after: "garbage" }, PARTNER("lister")))).toMatchObject({
      code: "BAD_USER_INPUT",
      field: "after",
    });
  });

  it("keeps an owner to 20 endpoints (CONFLICT, writing nothing); deleting one makes room", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 20; i += 1) ids.push((await create(BUILDER("many"), { url: `https://soar.bea.example/${i}` })).endpoint.id);
    const before = await rows();

    expect(errorOf(await harness.call(CREATE, { input: input() }, BUILDER("many")))).toMatchObject({ code: "CONFLICT", field: "input" });
    expect(await rows()).toBe(before);
    // Another owner is not held to this one's count.
    expect((await create(BUILDER("few"))).endpoint.id).toBeTruthy();

    await harness.call(DELETE, { id: ids[0] }, BUILDER("many"));
    expect((await create(BUILDER("many"))).endpoint.id).toBeTruthy();
  });
});

describe.each(DATABASE_KINDS)("webhooks subgraph, endpoints, in development on %s", (kind) => {
  let harness: SubgraphHarness;
  beforeAll(async () => {
    const development = loadConfig({ WEBHOOK_SECRET_KEY: TEST_SECRETS.webhookSecretKey });
    harness = await startSubgraphHarness(kind, (dataSource) => webhooksSubgraph(dataSource, webhookSettings(development, stubResolver())));
  });
  afterAll(async () => {
    await harness?.stop();
  });
  const register = (url: string) =>
    harness.call(CREATE, { input: { url, eventTypes: ["RUN_JUDGED"] } }, { role: "builder", subject: "dev" } satisfies Identity);

  it("accepts http to a loopback address (a receiver on the developer's machine)", async () => {
    for (const url of ["http://127.0.0.1:4999/hooks", "http://[::1]:4999/hooks", "http://localhost.example:8080/"])
      expect(dataOf(await register(url)).createWebhookEndpoint.endpoint.url).toBe(url);
  });

  it("still refuses private, link-local and metadata addresses, and http anywhere else", async () => {
    const before = await harness.count("webhook_endpoints");
    const refusals: [url: string, reason: string][] = [
      ["http://10.0.0.5/", "names 10.0.0.5, a private address"],
      ["https://169.254.169.254/", "names 169.254.169.254, a cloud metadata service's address"],
      ["http://[fe80::1]:8080/", "names fe80::1, a link-local address"],
      ["http://hooks.acme.example/", "must use https (plain http is allowed only to loopback addresses, in development)"],
    ];
    for (const [url, reason] of refusals)
      expect(errorOf(await register(url))).toMatchObject({ code: "BAD_USER_INPUT", field: "input.url", message: `input.url: ${reason}` });
    expect(await harness.count("webhook_endpoints")).toBe(before);
  });
});
