import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { AgentDomain } from "../../../../lib/contracts/agent-domain.js";
import type { Identity } from "../../../../lib/platform/identity.js";
import { OutboxMessage } from "../../../../lib/platform/outbox.js";
import { DATABASE_KINDS } from "../../../../test/support/databases.js";
import { dataOf } from "../../../../test/support/graphql-client.js";
import { errorOf, startSubgraphHarness, type Data, type SubgraphHarness } from "../../../../test/support/subgraph-harness.js";
import type { Agent } from "../../../../test/support/contexts.js";
import { EvaluationRun } from "../evaluation-run.entity.js";
import { judgeJob } from "../judge-job.message.js";
import { processJudgeJob } from "../judge-job.process.js";
import { pactsSubgraph } from "../../index.js";
import type { JuryPolicy } from "../jury/jury.convene.js";
import type { JuryQuestion, ModelJudge, VoteVerdict } from "../jury/model.juror.js";
import type { JuryPanel } from "../jury/jury.panel.js";
import { JuryVerdict } from "../jury-verdict.entity.js";
import { sweepReviewDeadlines } from "../review-deadline.sweep.js";
import { CaseOutcome } from "../../pact.enums.js";

const ADOPT = `mutation($agentId: ID!) {
  adoptPactTemplate(agentId: $agentId, template: "playbook-routing") { id clauses { key metric comparator threshold windowCases windowDays method weight severity } }
}`;
const AMEND = `mutation($pactId: ID!, $input: AmendPactInput!) { amendPact(pactId: $pactId, input: $input) { id status clauses { key method } } }`;
const ACTIVATE = `mutation($pactId: ID!) { activatePact(pactId: $pactId) { id version status } }`;
const SUBMIT = `mutation($input: SubmitEvaluationRunInput!) { submitEvaluationRun(input: $input) { id status sliceCount caseCount } }`;
const QUEUE = `query($first: Int, $after: String) {
  reviewQueue(first: $first, after: $after) {
    edges { cursor node { id caseId createdAt run { id } agent { id } } }
    pageInfo { hasNextPage endCursor }
  }
}`;
const QUEUE_ASSIGNMENT = `query($first: Int) { reviewQueue(first: $first) { edges { ageSeconds assignee deadline reassignments node { id run { id } } } } }`;
const QUEUE_DETAIL = `query($first: Int, $after: String) {
  reviewQueue(first: $first, after: $after) {
    edges { cursor node {
      id caseId metric clauseKey method deterministicOutcome juryOutcome uncertainBecause majorityShare costUsd outcome decidedBy reviewer reviewNote reviewedAt createdAt
      votes { juror verdict confidence rationale error attempts costUsd }
      run { id status }
      agent { id }
      evidence
    } }
    pageInfo { hasNextPage endCursor }
  }
}`;
const REVIEW = `mutation($reviewId: ID!, $verdict: ReviewVerdict!, $note: String!) {
  submitReview(reviewId: $reviewId, verdict: $verdict, note: $note) {
    id caseId outcome decidedBy reviewer reviewNote reviewedAt juryOutcome deterministicOutcome uncertainBecause run { id status }
  }
}`;
const RUN_VERDICTS = `query($id: ID!) { evaluationRun(id: $id) { id status juryVerdicts { id caseId outcome decidedBy evidence } } }`;
const RUN_RESULT = `query($id: ID!) { evaluationRun(id: $id) { status passedCount failedCount clauseResults { clauseKey observed method outcome sampleSize minSampleSize } juryVerdicts { caseId outcome decidedBy reviewer } } }`;

const builder = (subject: string): Identity => ({ role: "builder", subject });
const arbiter = (subject: string): Identity => ({ role: "arbiter", subject });
const ADA = arbiter("ada");
const BEA = builder("bea");
const ANONYMOUS: Identity = { role: "anonymous", subject: null };
const NON_ARBITERS: { who: string; identity: Identity; code: string }[] = [
  { who: "the builder who submitted the run", identity: BEA, code: "FORBIDDEN" },
  { who: "a buyer", identity: { role: "buyer", subject: "bea" }, code: "FORBIDDEN" },
  { who: "an anonymous caller", identity: ANONYMOUS, code: "UNAUTHENTICATED" },
];

const EXPECTED_PLAYBOOK = "ransomware-containment";
/**
 * What the agent answers for each kind of case, and how the scripted jury sees it:
 * exact — same name up to case: deterministic PASS, jury unanimous PASS;
 * synonym — another name of the same playbook: deterministic FAIL, jury unanimous PASS (a HYBRID contradiction);
 * split — a doubtful playbook: deterministic FAIL, jurors split 2–1 (below the 0.75 agreement);
 * wrong — the wrong playbook: deterministic FAIL, jury unanimous FAIL.
 */
const KINDS = {
  exact: {
    output: "Ransomware-Containment",
    votes: [
      ["PASS", 0.9],
      ["PASS", 0.9],
      ["PASS", 0.9],
    ],
  },
  synonym: {
    output: "ransomware-isolation-and-containment",
    votes: [
      ["PASS", 0.85],
      ["PASS", 0.8],
      ["PASS", 0.9],
    ],
  },
  split: {
    output: "crypto-extortion-response",
    votes: [
      ["PASS", 0.8],
      ["PASS", 0.7],
      ["FAIL", 0.9],
    ],
  },
  wrong: {
    output: "phishing-response",
    votes: [
      ["FAIL", 0.95],
      ["FAIL", 0.95],
      ["FAIL", 0.95],
    ],
  },
} as const satisfies Record<string, { output: string; votes: readonly (readonly [VoteVerdict, number])[] }>;
type CaseKind = keyof typeof KINDS;
const JURORS = ["fake:alpha", "fake:beta", "fake:gamma"] as const;

const kindOf = (caseId: string): CaseKind => {
  const kind = /-(exact|synonym|split|wrong)-\d+$/.exec(caseId)?.[1];
  if (!kind) throw new Error(`no scripted kind in case id ${caseId}`);
  return kind as CaseKind;
};
const rationaleOf = (juror: string, caseId: string, verdict: VoteVerdict) => `${juror} says ${verdict} on ${caseId}`;

/** A scripted juror: votes by the kind of case its id names, as if it had read the playbooks. */
function scriptedJuror(index: number): ModelJudge {
  const name = JURORS[index]!;
  return {
    name,
    async judge(question: JuryQuestion) {
      const [verdict, confidence] = KINDS[kindOf(question.caseId)].votes[index]!;
      return {
        vote: { verdict, confidence, rationale: rationaleOf(name, question.caseId, verdict) },
        inputTokens: 200,
        outputTokens: 30,
        costUsd: 0.001,
      };
    },
  };
}
const POLICY: JuryPolicy = { quorum: 2, minAgreement: 0.75, minConfidence: 0.6, retries: 0, timeoutMs: 1000, backoffMs: 0 };
const PANEL: JuryPanel = { jurors: JURORS.map((_, i) => scriptedJuror(i)), policy: POLICY, concurrency: 4 };

/** Routing cases, in the order given: e.g. `[["synonym", 2], ["exact", 3]]`; `source` tells apart the inputs of equal case ids. */
function routingCases(prefix: string, plan: [CaseKind, number][], source = "edr") {
  return plan.flatMap(([kind, count]) =>
    Array.from({ length: count }, (_, i) => ({
      caseId: `${prefix}-${kind}-${i}`,
      input: { incident: `INC-${prefix}-${kind}-${i}`, detection: "ransom note dropped on a file server", source },
      expected: { playbook: EXPECTED_PLAYBOOK },
      output: { playbook: KINDS[kind].output },
      timings: { containmentSeconds: 900 + i },
    })),
  );
}

const clauseInput = ({ key, metric, comparator, threshold, windowCases, windowDays, method, weight, severity }: Data) => ({
  key,
  metric,
  comparator,
  threshold,
  windowCases,
  windowDays,
  method,
  weight,
  severity,
});

describe.each(DATABASE_KINDS)("review queue (%s)", (kind) => {
  let harness: SubgraphHarness;
  let outboxNotifications = 0;

  beforeAll(async () => {
    harness = await startSubgraphHarness(kind, (dataSource) =>
      pactsSubgraph(dataSource, {
        sliceCases: 50,
        outboxWritten: () => {
          outboxNotifications += 1;
        },
      }),
    );
  });
  afterAll(async () => {
    await harness?.stop();
  });
  beforeEach(() => {
    outboxNotifications = 0;
  });

  const ok = async (query: string, variables: Record<string, unknown>, identity: Identity): Promise<Data> =>
    dataOf(await harness.call(query, variables, identity));

  /** An agent of `owner` on the playbook-routing template, its routing clause amended to HYBRID and in force: all through GraphQL. */
  async function hybridRoutingAgent(owner: string): Promise<{ agent: Agent; pactId: string }> {
    const agent = await harness.seedAgent(owner, [AgentDomain.PLAYBOOK_ROUTING]);
    const v1 = (await ok(ADOPT, { agentId: agent.id }, builder(owner))).adoptPactTemplate;
    const clauses = v1.clauses.map((c: Data) => clauseInput(c.key === "routing-accuracy" ? { ...c, method: "HYBRID" } : c));
    const draft = (await ok(AMEND, { pactId: v1.id, input: { clauses } }, builder(owner))).amendPact;
    expect(draft.clauses).toEqual([
      { key: "routing-accuracy", method: "HYBRID" },
      { key: "containment-p50", method: "DETERMINISTIC" },
      { key: "containment-p90", method: "DETERMINISTIC" },
    ]);
    const v2 = (await ok(ACTIVATE, { pactId: draft.id }, builder(owner))).activatePact;
    expect(v2).toMatchObject({ version: 2, status: "ACTIVE" });
    return { agent, pactId: v2.id };
  }

  /** Submits the cases through GraphQL, then has the scripted jury judge the given slices (all by default), each at `now`. */
  async function judgedRun(
    owner: string,
    target: { agent: Agent; pactId: string },
    cases: ReturnType<typeof routingCases>,
    options: { now?: Date; slices?: number[] } = {},
  ) {
    const run = (await ok(SUBMIT, { input: { agentId: target.agent.id, pactId: target.pactId, cases } }, builder(owner)))
      .submitEvaluationRun;
    const slices = options.slices ?? Array.from({ length: run.sliceCount }, (_, i) => i);
    for (const slice of slices)
      await processJudgeJob(harness.dataSource, judgeJob(run.id, slice), PANEL, async () => {}, { now: options.now });
    // The submission nudged the relay; only what the test does after its setup counts.
    outboxNotifications = 0;
    const uncertain = await harness.dataSource
      .getRepository(JuryVerdict)
      .find({ where: { runId: run.id, outcome: CaseOutcome.UNCERTAIN } });
    return {
      runId: run.id as string,
      sliceCount: run.sliceCount as number,
      uncertain,
      uncertainIdOf: (caseId: string) => uncertain.find((v) => v.caseId === caseId)!.id,
    };
  }

  /** Every item of the queue as `identity` sees it, walking pages of `first`. */
  async function walkQueue(identity: Identity, first = 100) {
    const pages: Data[] = [];
    let after: string | null = null;
    for (;;) {
      const page: Data = (await ok(QUEUE, { first, after }, identity)).reviewQueue;
      pages.push(page);
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
      if (pages.length > 200) throw new Error("the queue does not end");
    }
    return { pages, nodes: pages.flatMap((page) => page.edges.map((edge: Data) => edge.node)) };
  }
  const queueIds = async (identity: Identity) => (await walkQueue(identity)).nodes.map((node: Data) => node.id as string);
  const uncertainInDb = async () =>
    Number(((await harness.dataSource.query("SELECT COUNT(*) AS n FROM jury_verdicts WHERE outcome = 'UNCERTAIN'")) as Data[])[0]?.n);
  const verdictRow = (id: string) => harness.dataSource.getRepository(JuryVerdict).findOneByOrFail({ id });
  const runRow = (id: string) => harness.dataSource.getRepository(EvaluationRun).findOneByOrFail({ id });
  const lastOutbox = async () => (await harness.dataSource.getRepository(OutboxMessage).find({ order: { id: "DESC" }, take: 1 }))[0];

  describe("reviewQueue", () => {
    for (const { who, identity, code } of NON_ARBITERS)
      it(`refuses ${who} with ${code}`, async () => {
        const target = await hybridRoutingAgent("bea");
        await judgedRun("bea", target, routingCases("refuse", [["synonym", 1]]));

        const response = await harness.call(QUEUE, { first: 10 }, identity);

        expect(errorOf(response).code).toBe(code);
        expect(response.data ?? null).toBeNull();
      });

    it("shows an uncertain item with its votes, why it is uncertain, both outcomes, the clause, the run, the agent and the evidence", async () => {
      const target = await hybridRoutingAgent("bea");
      const now = new Date("2024-03-04T05:06:07.891Z");
      const cases = routingCases("detail", [
        ["exact", 2],
        ["synonym", 1],
        ["split", 1],
        ["wrong", 1],
      ]);
      const { runId } = await judgedRun("bea", target, cases, { now });

      const nodes = (await ok(QUEUE_DETAIL, { first: 100 }, ADA)).reviewQueue.edges
        .map((edge: Data) => edge.node)
        .filter((node: Data) => node.run.id === runId);

      // The jury decided the exact and the wrong routing; only the contradiction and the split wait for a human.
      expect(nodes.map((node: Data) => node.caseId).sort()).toEqual(["detail-split-0", "detail-synonym-0"]);
      const byCase = new Map<string, Data>(nodes.map((node: Data) => [node.caseId, node]));
      const evidenceOf = (caseId: string) => {
        const c = cases.find((x) => x.caseId === caseId)!;
        return { input: c.input, expected: c.expected, output: c.output, timings: c.timings };
      };
      const votesOf = (caseId: string) =>
        KINDS[kindOf(caseId)].votes.map(([verdict, confidence], i) => ({
          juror: JURORS[i],
          verdict,
          confidence,
          rationale: rationaleOf(JURORS[i]!, caseId, verdict),
          error: null,
          attempts: 1,
          costUsd: 0.001,
        }));
      const common = {
        metric: "PLAYBOOK_ROUTING_ACCURACY",
        clauseKey: "routing-accuracy",
        method: "HYBRID",
        deterministicOutcome: "FAIL",
        outcome: "UNCERTAIN",
        decidedBy: null,
        reviewer: null,
        reviewNote: null,
        reviewedAt: null,
        createdAt: now.toISOString(),
        costUsd: 0.003,
        run: { id: runId, status: "AWAITING_REVIEW" },
        agent: { id: target.agent.id },
      };
      expect(byCase.get("detail-synonym-0")).toEqual({
        ...common,
        id: expect.any(String),
        caseId: "detail-synonym-0",
        juryOutcome: "PASS",
        uncertainBecause: "the deterministic check says FAIL, the jury PASS",
        majorityShare: 1,
        votes: votesOf("detail-synonym-0"),
        evidence: evidenceOf("detail-synonym-0"),
      });
      expect(byCase.get("detail-split-0")).toEqual({
        ...common,
        id: expect.any(String),
        caseId: "detail-split-0",
        juryOutcome: "UNCERTAIN",
        uncertainBecause: "the jurors disagree: 2 of 3 say PASS",
        majorityShare: 2 / 3,
        votes: votesOf("detail-split-0"),
        evidence: evidenceOf("detail-split-0"),
      });
      expect(byCase.get("detail-synonym-0")!.evidence.input).toEqual({
        incident: "INC-detail-synonym-0",
        detection: "ransom note dropped on a file server",
        source: "edr",
      });
    });

    it("shows each item's age, assignee, deadline and reassignments once the deadline sweep has assigned it", async () => {
      const target = await hybridRoutingAgent("bea");
      const { runId, uncertain } = await judgedRun("bea", target, routingCases("assigned", [["split", 2]]), {
        now: new Date("2002-03-04T05:00:00.000Z"),
      });
      const edgesOfRun = async () =>
        (await ok(QUEUE_ASSIGNMENT, { first: 100 }, ADA)).reviewQueue.edges.filter((edge: Data) => edge.node.run.id === runId);

      expect((await edgesOfRun()).map((edge: Data) => [edge.assignee, edge.deadline, edge.reassignments])).toEqual([
        [null, null, 0],
        [null, null, 0],
      ]);

      const sweptAt = new Date("2002-03-04T06:00:00.000Z");
      await sweepReviewDeadlines(harness.dataSource, { deadlineHours: 24, arbiters: ["ada", "bea", "zed"] }, sweptAt);

      const edges = await edgesOfRun();
      expect(edges.map((edge: Data) => edge.node.id).sort()).toEqual(uncertain.map((v) => v.id).sort());
      for (const edge of edges) {
        // bea owns the agent: never hers, though configured.
        expect(["ada", "zed"]).toContain(edge.assignee);
        expect(edge).toMatchObject({ deadline: "2002-03-05T06:00:00.000Z", reassignments: 0 });
        // Age counts from the jury's verdict to the query; at least the hour before the sweep.
        expect(Number.isInteger(edge.ageSeconds) && edge.ageSeconds >= 3600).toBe(true);
      }
      // Round robin: the two cases go to different arbiters.
      expect(new Set(edges.map((edge: Data) => edge.assignee)).size).toBe(2);
    });

    it("lists the oldest items first, whatever order they were judged in", async () => {
      const target = await hybridRoutingAgent("bea");
      const later = await judgedRun("bea", target, routingCases("later", [["synonym", 2]]), { now: new Date("2001-02-03T04:05:08.000Z") });
      const earlier = await judgedRun("bea", target, routingCases("earlier", [["split", 2]]), {
        now: new Date("2001-02-03T04:05:06.000Z"),
      });

      const { nodes } = await walkQueue(ADA, 100);

      const position = (id: string) => nodes.findIndex((node: Data) => node.id === id);
      const earlierAt = earlier.uncertain.map((v) => position(v.id));
      const laterAt = later.uncertain.map((v) => position(v.id));
      expect([...earlierAt, ...laterAt].every((at) => at >= 0)).toBe(true);
      expect(Math.max(...earlierAt)).toBeLessThan(Math.min(...laterAt));
      expect(nodes.filter((node: Data) => [earlier.runId, later.runId].includes(node.run.id)).map((node: Data) => node.createdAt)).toEqual([
        "2001-02-03T04:05:06.000Z",
        "2001-02-03T04:05:06.000Z",
        "2001-02-03T04:05:08.000Z",
        "2001-02-03T04:05:08.000Z",
      ]);
      // The whole queue is in (createdAt, id) order.
      for (let i = 1; i < nodes.length; i += 1) {
        const [a, b] = [nodes[i - 1]!, nodes[i]!];
        expect(
          a.createdAt < b.createdAt || (a.createdAt === b.createdAt && a.id < b.id),
          `${a.createdAt} ${a.id} before ${b.createdAt} ${b.id}`,
        ).toBe(true);
      }
    });

    it("pages through more items than a page holds with first/after: no duplicates, no gaps, the right hasNextPage and endCursor", async () => {
      const target = await hybridRoutingAgent("bea");
      // Seven items judged at one instant: pages must break ties by id.
      const { uncertain } = await judgedRun(
        "bea",
        target,
        routingCases("paged", [
          ["synonym", 4],
          ["exact", 2],
          ["split", 3],
        ]),
      );
      expect(uncertain).toHaveLength(7);

      const { pages, nodes } = await walkQueue(ADA, 3);
      const whole = (await ok(QUEUE, { first: 100 }, ADA)).reviewQueue;

      const total = await uncertainInDb();
      expect(whole.pageInfo).toEqual({ hasNextPage: false, endCursor: whole.edges.at(-1).cursor });
      expect(whole.edges).toHaveLength(total);
      expect(pages).toHaveLength(Math.ceil(total / 3));
      pages.forEach((page, i) => {
        const last = i === pages.length - 1;
        expect(page.edges).toHaveLength(last ? total - 3 * (pages.length - 1) : 3);
        expect(page.pageInfo).toEqual({ hasNextPage: !last, endCursor: page.edges.at(-1).cursor });
      });
      const ids = nodes.map((node: Data) => node.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids).toEqual(whole.edges.map((edge: Data) => edge.node.id));
      expect(ids).toEqual(expect.arrayContaining(uncertain.map((v) => v.id)));

      // Past the end: an empty page.
      const beyond = (await ok(QUEUE, { first: 3, after: pages.at(-1)!.pageInfo.endCursor }, ADA)).reviewQueue;
      expect(beyond).toEqual({ edges: [], pageInfo: { hasNextPage: false, endCursor: null } });
      // From any item's cursor, the queue continues right after that item.
      const middle = whole.edges[Math.floor(total / 2)];
      const rest = (await ok(QUEUE, { first: 100, after: middle.cursor }, ADA)).reviewQueue.edges.map((edge: Data) => edge.node.id);
      expect(rest).toEqual(ids.slice(Math.floor(total / 2) + 1));
    });

    for (const first of [0, 101])
      it(`refuses first: ${first} as BAD_USER_INPUT on \`first\``, async () => {
        expect(errorOf(await harness.call(QUEUE, { first }, ADA))).toMatchObject({ code: "BAD_USER_INPUT", field: "first" });
      });

    const cursor = (value: string) => Buffer.from(value).toString("base64url");
    for (const { label, after } of [
      { label: "not base64 JSON", after: "definitely not a cursor" },
      { label: "a JSON object", after: cursor('{"at":1,"id":"x"}') },
      { label: "a tuple of the wrong types", after: cursor('["2024-01-01","x"]') },
      { label: "a one-element tuple", after: cursor("[1700000000000]") },
      { label: "a fractional timestamp", after: cursor('[1700000000000.5,"x"]') },
      { label: "a timestamp no date can have", after: cursor('[99999999999999999999,"x"]') },
    ])
      it(`refuses a bad cursor (${label}) as BAD_USER_INPUT on \`after\``, async () => {
        const response = await harness.call(QUEUE, { first: 5, after }, ADA);

        expect(errorOf(response)).toMatchObject({ code: "BAD_USER_INPUT", field: "after" });
        expect(response.data ?? null).toBeNull();
      });

    it("leaves out the items of agents the arbiter owns, and only those", async () => {
      const olgas = await hybridRoutingAgent("olga");
      const own = await judgedRun(
        "olga",
        olgas,
        routingCases("olga-own", [
          ["synonym", 1],
          ["split", 1],
        ]),
      );
      const beas = await judgedRun("bea", await hybridRoutingAgent("bea"), routingCases("olga-other", [["synonym", 1]]));
      const ownIds = own.uncertain.map((v) => v.id);
      expect(ownIds).toHaveLength(2);

      const forOlga = await queueIds(arbiter("olga"));
      const forAda = await queueIds(ADA);

      expect(forAda).toEqual(expect.arrayContaining([...ownIds, beas.uncertain[0]!.id]));
      expect(forOlga).toContain(beas.uncertain[0]!.id);
      expect(forOlga.filter((id) => ownIds.includes(id))).toEqual([]);
      expect(forOlga).toEqual(forAda.filter((id) => !ownIds.includes(id)));
    });

    it("costs the same SQL statements for a page of 2 items as for a page of 10 from several runs: run and evidence are batched", async () => {
      // Judged before anything else in the queue, so that they make up its first ten items. The two
      // agents use the same case ids (ids are unique per agent only): each item's evidence must still be its own run's.
      const first = await judgedRun(
        "bea",
        await hybridRoutingAgent("bea"),
        routingCases(
          "cost",
          [
            ["synonym", 3],
            ["split", 2],
          ],
          "edr-bea",
        ),
        { now: new Date("1999-01-01T00:00:00.000Z") },
      );
      const second = await judgedRun(
        "cara",
        await hybridRoutingAgent("cara"),
        routingCases(
          "cost",
          [
            ["synonym", 3],
            ["split", 2],
          ],
          "edr-cara",
        ),
        { now: new Date("1999-01-01T00:00:01.000Z") },
      );

      const two = await harness.statementsFor(QUEUE_DETAIL, { first: 2 }, ADA);
      const ten = await harness.statementsFor(QUEUE_DETAIL, { first: 10 }, ADA);

      const twoNodes = dataOf(two.response).reviewQueue.edges.map((edge: Data) => edge.node);
      const tenNodes = dataOf(ten.response).reviewQueue.edges.map((edge: Data) => edge.node);
      expect(twoNodes).toHaveLength(2);
      expect(tenNodes).toHaveLength(10);
      expect(tenNodes.map((node: Data) => node.id).sort()).toEqual([...first.uncertain, ...second.uncertain].map((v) => v.id).sort());
      expect(new Set(tenNodes.map((node: Data) => node.run.id))).toEqual(new Set([first.runId, second.runId]));
      for (const node of tenNodes) {
        expect(node.run.status).toBe("AWAITING_REVIEW");
        const source = node.run.id === first.runId ? "edr-bea" : "edr-cara";
        expect(node.evidence, node.id).toEqual({
          input: { incident: `INC-${node.caseId}`, detection: "ransom note dropped on a file server", source },
          expected: { playbook: EXPECTED_PLAYBOOK },
          output: { playbook: KINDS[kindOf(node.caseId)].output },
          timings: { containmentSeconds: 900 + Number(node.caseId.split("-").at(-1)) },
        });
      }
      expect(twoNodes.map((node: Data) => node.run.id)).toEqual([first.runId, first.runId]);
      // The page, the runs of its items, their cases: one statement each.
      expect(two.statements).toBe(3);
      expect(ten.statements).toBe(two.statements);
    });
  });

  describe("submitReview", () => {
    it("records the arbiter's decision on the item, takes it out of the queue, and refuses a second review as CONFLICT without changing anything", async () => {
      const target = await hybridRoutingAgent("bea");
      const { runId, uncertainIdOf } = await judgedRun(
        "bea",
        target,
        routingCases("decide", [
          ["exact", 1],
          ["synonym", 1],
          ["split", 1],
        ]),
      );
      const reviewId = uncertainIdOf("decide-synonym-0");
      const outboxBefore = await harness.count("outbox_messages");
      const before = Date.now();

      const reviewed = (await ok(REVIEW, { reviewId, verdict: "PASS", note: "  Same containment playbook under its longer name  " }, ADA))
        .submitReview;

      expect(reviewed).toEqual({
        id: reviewId,
        caseId: "decide-synonym-0",
        outcome: "PASS",
        decidedBy: "HUMAN",
        reviewer: "ada",
        reviewNote: "Same containment playbook under its longer name",
        reviewedAt: expect.any(String),
        juryOutcome: "PASS",
        deterministicOutcome: "FAIL",
        uncertainBecause: "the deterministic check says FAIL, the jury PASS",
        run: { id: runId, status: "AWAITING_REVIEW" },
      });
      const reviewedAt = Date.parse(reviewed.reviewedAt);
      expect(reviewedAt).toBeGreaterThanOrEqual(before);
      expect(reviewedAt).toBeLessThanOrEqual(Date.now());
      const stored = await verdictRow(reviewId);
      expect(stored).toMatchObject({
        outcome: "PASS",
        decidedBy: "HUMAN",
        reviewer: "ada",
        reviewNote: "Same containment playbook under its longer name",
        juryOutcome: "PASS",
      });
      expect(stored.reviewedAt?.toISOString()).toBe(reviewed.reviewedAt);
      const queue = await queueIds(ADA);
      expect(queue).not.toContain(reviewId);
      expect(queue).toContain(uncertainIdOf("decide-split-0"));
      // Not the run's last uncertain case: no judge job yet.
      expect(await harness.count("outbox_messages")).toBe(outboxBefore);
      expect(outboxNotifications).toBe(0);

      const again = await harness.call(REVIEW, { reviewId, verdict: "FAIL", note: "I disagree" }, arbiter("otto"));

      expect(errorOf(again)).toMatchObject({ code: "CONFLICT", field: "reviewId" });
      expect(await verdictRow(reviewId)).toEqual(stored);
      expect(await harness.count("outbox_messages")).toBe(outboxBefore);
      expect(outboxNotifications).toBe(0);
    });

    it("records a FAIL as FAIL", async () => {
      const { uncertainIdOf } = await judgedRun(
        "bea",
        await hybridRoutingAgent("bea"),
        routingCases("reject", [
          ["split", 1],
          ["synonym", 1],
        ]),
      );

      const reviewed = (
        await ok(
          REVIEW,
          { reviewId: uncertainIdOf("reject-split-0"), verdict: "FAIL", note: "Extortion response does not contain ransomware" },
          ADA,
        )
      ).submitReview;

      expect(reviewed).toMatchObject({ outcome: "FAIL", decidedBy: "HUMAN", reviewer: "ada", juryOutcome: "UNCERTAIN" });
      expect(await verdictRow(uncertainIdOf("reject-split-0"))).toMatchObject({ outcome: "FAIL", decidedBy: "HUMAN" });
    });

    describe("refusals write nothing", () => {
      // Each target is its run's only uncertain case: a review that went through would also write a judge job.
      let beas: { runId: string; reviewId: string };
      let olgas: { runId: string; reviewId: string };
      beforeAll(async () => {
        const bea = await judgedRun(
          "bea",
          await hybridRoutingAgent("bea"),
          routingCases("refusal", [
            ["exact", 1],
            ["synonym", 1],
          ]),
        );
        const olga = await judgedRun(
          "olga",
          await hybridRoutingAgent("olga"),
          routingCases("refusal-olga", [
            ["split", 1],
            ["exact", 1],
          ]),
        );
        beas = { runId: bea.runId, reviewId: bea.uncertainIdOf("refusal-synonym-0") };
        olgas = { runId: olga.runId, reviewId: olga.uncertainIdOf("refusal-olga-split-0") };
      });
      const snapshot = async () => ({
        verdicts: await Promise.all([beas.reviewId, olgas.reviewId].map(verdictRow)),
        runs: await Promise.all([beas.runId, olgas.runId].map(runRow)),
        outbox: await harness.count("outbox_messages"),
      });

      const cases: { label: string; identity: Identity; reviewId?: () => string; note?: string; code: string; field?: string }[] = [
        {
          label: "an unknown id as NOT_FOUND on `reviewId`",
          identity: ADA,
          reviewId: () => "00000000-0000-0000-0000-000000000000",
          code: "NOT_FOUND",
          field: "reviewId",
        },
        { label: "an empty note as BAD_USER_INPUT on `note`", identity: ADA, note: "", code: "BAD_USER_INPUT", field: "note" },
        { label: "a blank note as BAD_USER_INPUT on `note`", identity: ADA, note: "   \n ", code: "BAD_USER_INPUT", field: "note" },
        {
          label: "a note of 1001 characters as BAD_USER_INPUT on `note`",
          identity: ADA,
          note: "x".repeat(1001),
          code: "BAD_USER_INPUT",
          field: "note",
        },
        ...NON_ARBITERS.map(({ who, identity, code }) => ({ label: `${who} as ${code}`, identity, code })),
        {
          label: "an arbiter who owns the agent as FORBIDDEN",
          identity: arbiter("olga"),
          reviewId: () => olgas.reviewId,
          code: "FORBIDDEN",
        },
      ];
      for (const { label, identity, reviewId, note, code, field } of cases)
        it(`refuses ${label}`, async () => {
          const before = await snapshot();

          const response = await harness.call(
            REVIEW,
            { reviewId: reviewId?.() ?? beas.reviewId, verdict: "PASS", note: note ?? "Looks equivalent" },
            identity,
          );

          expect(errorOf(response)).toMatchObject({ code, ...(field ? { field } : {}) });
          expect(response.data ?? null).toBeNull();
          expect(await snapshot()).toEqual(before);
          expect(before.verdicts.map((v) => v.outcome)).toEqual(["UNCERTAIN", "UNCERTAIN"]);
          expect(outboxNotifications).toBe(0);
        });

      it("after all that, takes a note of exactly 1000 characters from another arbiter; the owner's item is reviewed by someone else", async () => {
        const note = "y".repeat(1000);

        expect((await ok(REVIEW, { reviewId: beas.reviewId, verdict: "PASS", note }, ADA)).submitReview).toMatchObject({
          outcome: "PASS",
          reviewNote: note,
        });
        expect(
          (await ok(REVIEW, { reviewId: olgas.reviewId, verdict: "FAIL", note: "Not equivalent" }, arbiter("bea"))).submitReview,
        ).toMatchObject({ outcome: "FAIL", reviewer: "bea" });
      });
    });

    it("writes a judge job for the run, and nudges the relay once, only with the run's last review; the job then decides the run with the human verdicts", async () => {
      const target = await hybridRoutingAgent("bea");
      const { runId, uncertain, uncertainIdOf } = await judgedRun(
        "bea",
        target,
        routingCases("last", [
          ["exact", 2],
          ["synonym", 2],
          ["split", 1],
          ["wrong", 1],
        ]),
      );
      expect(uncertain).toHaveLength(3);
      expect((await runRow(runId)).status).toBe("AWAITING_REVIEW");
      const outboxBefore = await harness.count("outbox_messages");
      const enqueuedBefore = (await runRow(runId)).enqueuedAt;

      for (const [caseId, verdict] of [
        ["last-synonym-0", "PASS"],
        ["last-split-0", "FAIL"],
      ] as const) {
        await ok(REVIEW, { reviewId: uncertainIdOf(caseId), verdict, note: `Reviewed ${caseId}` }, ADA);
        expect(await harness.count("outbox_messages")).toBe(outboxBefore);
        expect(outboxNotifications).toBe(0);
      }
      expect((await runRow(runId)).enqueuedAt).toEqual(enqueuedBefore);

      await ok(REVIEW, { reviewId: uncertainIdOf("last-synonym-1"), verdict: "PASS", note: "Reviewed last-synonym-1" }, arbiter("otto"));

      expect(await harness.count("outbox_messages")).toBe(outboxBefore + 1);
      const message = await lastOutbox();
      expect(message?.topic).toBe("judge");
      expect(JSON.parse(message?.body ?? "null")).toEqual({ kind: "evaluation-run", runId, slice: null });
      expect(outboxNotifications).toBe(1);
      expect((await runRow(runId)).enqueuedAt.getTime()).toBeGreaterThan(enqueuedBefore.getTime());

      await processJudgeJob(harness.dataSource, judgeJob(runId, null), PANEL, async () => {});

      const judged = (await ok(RUN_RESULT, { id: runId }, BEA)).evaluationRun;
      // Routed right: 2 exact + 2 synonyms upheld by arbiters; wrong: the split one and the phishing one.
      expect(judged).toMatchObject({ status: "COMPLETED", passedCount: 4, failedCount: 2 });
      // 6 cases reach the clause's minimum (1 at the default confidence 0.1: ln 0.9 / ln 0.9), so the verdict counts.
      expect(judged.clauseResults.find((r: Data) => r.clauseKey === "routing-accuracy")).toMatchObject({
        method: "HYBRID",
        outcome: "FAILED",
        sampleSize: 6,
        minSampleSize: 1,
      });
      expect(judged.clauseResults.find((r: Data) => r.clauseKey === "routing-accuracy").observed).toBeCloseTo(4 / 6, 9);
      // The builder sees the human decisions, not which arbiter made them; arbiters do.
      expect(
        judged.juryVerdicts
          .filter((v: Data) => v.decidedBy === "HUMAN")
          .map((v: Data) => [v.caseId, v.outcome, v.reviewer])
          .sort(),
      ).toEqual([
        ["last-split-0", "FAIL", null],
        ["last-synonym-0", "PASS", null],
        ["last-synonym-1", "PASS", null],
      ]);
      const seenByArbiter = (await ok(RUN_RESULT, { id: runId }, { role: "arbiter", subject: "ada" })).evaluationRun;
      expect(
        seenByArbiter.juryVerdicts
          .filter((v: Data) => v.decidedBy === "HUMAN")
          .map((v: Data) => [v.caseId, v.reviewer])
          .sort(),
      ).toEqual([
        ["last-split-0", "ada"],
        ["last-synonym-0", "ada"],
        ["last-synonym-1", "otto"],
      ]);
    });

    it("writes no judge job for the last review of a run whose other slices the jury has not judged yet; the last slice decides the run", async () => {
      const target = await hybridRoutingAgent("bea");
      // 60 cases at 50 a slice: two slices of 30; the one uncertain case is in the first.
      const cases = routingCases("sliced", [
        ["synonym", 1],
        ["exact", 59],
      ]);
      const { runId, sliceCount, uncertainIdOf } = await judgedRun("bea", target, cases, { slices: [0] });
      expect(sliceCount).toBe(2);
      expect((await runRow(runId)).status).toBe("QUEUED");
      const outboxBefore = await harness.count("outbox_messages");

      const reviewed = (
        await ok(REVIEW, { reviewId: uncertainIdOf("sliced-synonym-0"), verdict: "PASS", note: "Equivalent playbook" }, ADA)
      ).submitReview;

      expect(reviewed).toMatchObject({ outcome: "PASS", run: { id: runId, status: "QUEUED" } });
      expect(await harness.count("outbox_messages")).toBe(outboxBefore);
      expect(outboxNotifications).toBe(0);

      await processJudgeJob(harness.dataSource, judgeJob(runId, 1), PANEL, async () => {});

      expect((await ok(RUN_RESULT, { id: runId }, BEA)).evaluationRun).toMatchObject({
        status: "COMPLETED",
        passedCount: 60,
        failedCount: 0,
      });
    });
  });

  describe("EvaluationRun.juryVerdicts", () => {
    let runId: string;
    let cases: ReturnType<typeof routingCases>;
    beforeAll(async () => {
      cases = routingCases("visible", [
        ["exact", 1],
        ["synonym", 1],
      ]);
      ({ runId } = await judgedRun("bea", await hybridRoutingAgent("bea"), cases));
    });

    for (const [who, identity] of [
      ["an arbiter", ADA],
      ["an arbiter who does not own the agent either", arbiter("olga")],
      ["the builder who submitted the run", BEA],
    ] as const) {
      it(`shows the verdicts with their evidence to ${who}`, async () => {
        const run = (await ok(RUN_VERDICTS, { id: runId }, identity)).evaluationRun;

        expect(
          run.juryVerdicts
            .map(({ caseId, outcome, decidedBy, evidence }: Data) => ({ caseId, outcome, decidedBy, evidence }))
            .sort((a: Data, b: Data) => a.caseId.localeCompare(b.caseId)),
        ).toEqual([
          {
            caseId: "visible-exact-0",
            outcome: "PASS",
            decidedBy: "JURY",
            evidence: { input: cases[0]!.input, expected: cases[0]!.expected, output: cases[0]!.output, timings: cases[0]!.timings },
          },
          {
            caseId: "visible-synonym-0",
            outcome: "UNCERTAIN",
            decidedBy: null,
            evidence: { input: cases[1]!.input, expected: cases[1]!.expected, output: cases[1]!.output, timings: cases[1]!.timings },
          },
        ]);
      });
    }

    for (const [who, identity] of [
      ["another builder", builder("mallory")],
      ["a buyer with the submitter's subject", { role: "buyer", subject: "bea" }],
      ["an anonymous caller", ANONYMOUS],
    ] as const) {
      it(`gives ${who} null verdicts, and so no evidence, while the run itself is readable`, async () => {
        const response = await harness.call(RUN_VERDICTS, { id: runId }, identity as Identity);

        expect(response.errors).toBeUndefined();
        expect(response.data).toEqual({ evaluationRun: { id: runId, status: "AWAITING_REVIEW", juryVerdicts: null } });
      });
    }
  });

  describe("two last reviews at once", () => {
    it("decide the run exactly once: one of them writes the judge job, whichever commits second", async () => {
      const owner = "cleo";
      const target = await hybridRoutingAgent(owner);
      const { runId, uncertain } = await judgedRun(
        owner,
        target,
        routingCases("race", [
          ["exact", 2],
          ["synonym", 2],
        ]),
      );
      expect(uncertain).toHaveLength(2);
      expect((await runRow(runId)).status).toBe("AWAITING_REVIEW");
      const jobsBefore = await harness.count("outbox_messages");

      // Each transaction must see the other's review, or both count one pending and the run is stuck.
      const responses = await Promise.all(
        uncertain.map((item, i) =>
          harness.call(
            REVIEW,
            { reviewId: item.id, verdict: "PASS", note: `same playbook ${i}` },
            { role: "arbiter", subject: `arb-${i}` },
          ),
        ),
      );

      expect(responses.map((r) => r.errors)).toEqual([undefined, undefined]);
      expect(await harness.count("outbox_messages")).toBe(jobsBefore + 1);
      expect(JSON.parse((await lastOutbox())!.body)).toEqual({ kind: "evaluation-run", runId, slice: null });
    });
  });
});
