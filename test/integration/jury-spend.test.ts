import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { AgentDomain } from "../../lib/contracts/agent-domain.js";
import { loadConfig } from "../../lib/platform/config.js";
import { inTransaction, insertInChunks } from "../../lib/platform/database.js";
import type { Identity } from "../../lib/platform/identity.js";
import { Agent } from "../../subgraphs/agents/agent.entity.js";
import { insertVersion } from "../../subgraphs/pacts/authoring/pact.lifecycle.js";
import { PactClause, type Pact } from "../../subgraphs/pacts/authoring/pact.entity.js";
import { PACT_TEMPLATES } from "../../subgraphs/pacts/authoring/pact.templates.js";
import { checkPactTerms } from "../../subgraphs/pacts/authoring/pact.validation.js";
import { EvaluationCase, EvaluationRun } from "../../subgraphs/pacts/evaluation/evaluation-run.entity.js";
import { judgeJob } from "../../subgraphs/pacts/evaluation/judge-job.message.js";
import { processJudgeJob } from "../../subgraphs/pacts/evaluation/judge-job.process.js";
import type { CaseFacts } from "../../subgraphs/pacts/evaluation/judging/evaluation-case.facts.js";
import type { JuryPolicy } from "../../subgraphs/pacts/evaluation/jury/jury.convene.js";
import type { JuryBudgetSettings, JuryPanel } from "../../subgraphs/pacts/evaluation/jury/jury.panel.js";
import { ModelCallError, type JuryQuestion, type ModelAnswer, type ModelJudge } from "../../subgraphs/pacts/evaluation/jury/model.juror.js";
import { sliceCountFor } from "../../subgraphs/pacts/evaluation/jury-slice.deliberate.js";
import { builderSpend, SPEND_CAP_REACHED, spendOf, spendPeriod } from "../../subgraphs/pacts/evaluation/jury-spend.reserve.js";
import { JuryVerdict } from "../../subgraphs/pacts/evaluation/jury-verdict.entity.js";
import { CaseOutcome, EvaluationMethod, EvaluationRunStatus, PactStatus } from "../../subgraphs/pacts/pact.enums.js";
import { pactsSubgraph } from "../../subgraphs/pacts/index.js";
import { recordEvaluation } from "../../subgraphs/reputation/trust.record.js";
import { DATABASE_KINDS } from "../support/databases.js";
import { workflowCases } from "../support/fixtures.js";
import { dataOf } from "../support/graphql-client.js";
import { useMigratedDatabase } from "../support/migrated-database.js";
import { agentFixture } from "../support/seed.js";
import { errorOf, startSubgraphHarness, type SubgraphHarness } from "../support/subgraph-harness.js";

const NOW = new Date("2026-11-20T12:00:00.000Z");
const PERIOD = "2026-11";
const POLICY: JuryPolicy = { timeoutMs: 2_000, retries: 1, backoffMs: 0, quorum: 2, minAgreement: 0.75, minConfidence: 0.6 };

type Act = "PASS" | Error;

/** A paid juror: each call costs `costUsd` (at most `maxCostUsd`), or acts as `act` says. Counts its calls. */
class PaidJuror implements ModelJudge {
  calls = 0;
  constructor(
    readonly name: string,
    readonly maxCostUsd: number,
    private readonly costUsd: number,
    private readonly act: (call: number) => Act | Promise<Act> = () => "PASS",
  ) {}
  async judge(_question: JuryQuestion): Promise<ModelAnswer> {
    this.calls += 1;
    const act = await this.act(this.calls);
    if (act instanceof Error) throw act;
    return { vote: { verdict: act, confidence: 0.9, rationale: "fine" }, inputTokens: 100, outputTokens: 20, costUsd: this.costUsd };
  }
}

const budget = (capUsd: number | null, whenCapped: JuryBudgetSettings["whenCapped"] = "review"): JuryBudgetSettings => ({
  capUsd,
  maxCallUsd: 0.01,
  whenCapped,
});
const panelOf = (jurors: ModelJudge[], settings: JuryBudgetSettings, concurrency = 4): JuryPanel => ({
  jurors,
  policy: POLICY,
  concurrency,
  budget: settings,
});
const callsOf = (jurors: PaidJuror[]) => jurors.reduce((sum, j) => sum + j.calls, 0);
const cents = (usd: number) => Math.round(usd * 1e6) / 1e6;

// The `jurySpend` query reads the budget from the process's configuration, which is read once per
// test file: the variables are set before anything reads it. The tests above pass their budget in.
vi.stubEnv("JURY_BUDGET_USD_PER_BUILDER", "1");
vi.stubEnv("JURY_WHEN_CAPPED", "wait");
afterAll(() => vi.unstubAllEnvs());

describe("spend configuration", () => {
  it("has no cap unless JURY_BUDGET_USD_PER_BUILDER is set, sends capped cases to review by default, and refuses other modes", () => {
    expect(loadConfig({}).jury.budget).toEqual({ capUsd: null, maxCallUsd: 0.05, whenCapped: "review" });
    expect(loadConfig({ JURY_BUDGET_USD_PER_BUILDER: "25", JURY_MAX_CALL_USD: "0.02", JURY_WHEN_CAPPED: "wait" }).jury.budget).toEqual({
      capUsd: 25,
      maxCallUsd: 0.02,
      whenCapped: "wait",
    });
    expect(() => loadConfig({ JURY_WHEN_CAPPED: "later" })).toThrow(/JURY_WHEN_CAPPED must be review or wait/);
    expect(() => loadConfig({ JURY_BUDGET_USD_PER_BUILDER: "-1" })).toThrow(/JURY_BUDGET_USD_PER_BUILDER/);
  });

  it("budgets by calendar month in UTC", () => {
    expect(spendPeriod(new Date("2026-11-30T23:59:59.999Z"))).toBe("2026-11");
    expect(spendPeriod(new Date("2026-12-01T00:00:00.000Z"))).toBe("2026-12");
  });
});

describe.each(DATABASE_KINDS)("jury spend under a cap (%s)", (kind) => {
  const db = useMigratedDatabase(kind, { provide: true });
  const repo = <T extends object>(entity: new () => T) => db.dataSource.getRepository(entity);
  const judge = (runId: string, slice: number, panel: JuryPanel) =>
    processJudgeJob(db.dataSource, judgeJob(runId, slice), panel, recordEvaluation, { now: NOW });

  /** A playbook-routing run of `total` cases by `builder`, its routing clause judged by the jury, in slices of `sliceCases`. */
  async function seedRun(builder: string, total: number, sliceCases: number): Promise<EvaluationRun> {
    const template = PACT_TEMPLATES["playbook-routing"]!;
    return inTransaction(db.dataSource, async (manager) => {
      const agent = agentFixture(builder, [AgentDomain.PLAYBOOK_ROUTING]);
      await manager.insert(Agent, agent);
      const clauses = template.clauses.map((c) => (c.key === "routing-accuracy" ? { ...c, method: EvaluationMethod.JURY } : c));
      const terms = checkPactTerms(AgentDomain.PLAYBOOK_ROUTING, { ...template, clauses }, "test");
      const pact: Pact = await insertVersion(
        manager,
        {
          agentId: agent.id,
          workflow: AgentDomain.PLAYBOOK_ROUTING,
          template: template.name,
          status: PactStatus.ACTIVE,
          amendsPactId: null,
          terms,
          escalation: { team: "soc", contact: "soc@example.com", ackDeadlineMinutes: 60 },
          createdBy: builder,
        },
        NOW,
      );
      const cases = workflowCases("PLAYBOOK_ROUTING", total, `${builder}-case`);
      const run = manager.create(EvaluationRun, {
        id: randomUUID(),
        agentId: agent.id,
        pactId: pact.id,
        pactVersion: pact.version,
        workflow: pact.workflow,
        status: EvaluationRunStatus.QUEUED,
        caseCount: total,
        passedCount: null,
        failedCount: null,
        passed: null,
        weightedPassShare: null,
        submittedBy: builder,
        submittedAt: NOW,
        completedAt: null,
        enqueuedAt: NOW,
        requeues: 0,
        failureReason: null,
        sliceCount: sliceCountFor(total, await manager.find(PactClause, { where: { pactId: pact.id } }), sliceCases),
        juryAgreement: null,
        juryCostUsd: null,
      });
      await manager.insert(EvaluationRun, run);
      await insertInChunks(
        manager,
        EvaluationCase,
        cases.map((c, position) =>
          Object.assign(new EvaluationCase(), {
            runId: run.id,
            agentId: agent.id,
            caseId: c.caseId,
            position,
            input: c.input,
            expected: c.expected as CaseFacts,
            output: c.output as CaseFacts,
            timings: null,
            groundedIndicators: null,
          }),
        ),
      );
      return run;
    });
  }

  it("lets through, of 200 concurrent reservations, exactly those that fit under the cap", async () => {
    const guard = builderSpend(db.dataSource, "conc", PERIOD, 1);
    const granted = await Promise.all(Array.from({ length: 200 }, () => guard.reserve(0.03)));
    expect(granted.filter(Boolean)).toHaveLength(33);
    expect(await spendOf(db.dataSource, "conc", PERIOD)).toEqual({ reservedUsd: 0.99, spentUsd: 0, calls: 0, refused: 167 });
    // Settling at the real cost frees what the maximum held back, for later calls.
    await Promise.all(Array.from({ length: 33 }, () => guard.settle(0.03, 0.01)));
    expect(await spendOf(db.dataSource, "conc", PERIOD)).toMatchObject({ reservedUsd: 0.33, spentUsd: 0.33, calls: 33 });
    expect(await guard.reserve(0.67)).toBe(true);
    expect(await guard.reserve(0.000001)).toBe(false);
    // Another period, another builder: budgets of their own.
    expect(await builderSpend(db.dataSource, "conc", "2026-12", 1).reserve(1)).toBe(true);
    expect(await builderSpend(db.dataSource, "other", PERIOD, 1).reserve(1)).toBe(true);
  });

  it("never spends past the cap with many slices judged at once, counts lost races, and sends the rest to humans with the reason", async () => {
    // 40 cases in 20 slices; two paid jurors at most 0.01 (billed 0.004) a call; a cap of 0.25 lets at
    // most 25 calls be in flight or made. Every slice is delivered twice, at once: the copy that loses
    // the race to store still paid for its calls.
    const run = await seedRun("carla", 40, 2);
    expect(run.sliceCount).toBe(20);
    const jurors = [new PaidJuror("paid:a", 0.01, 0.004), new PaidJuror("paid:b", 0.01, 0.004)];
    const panel = panelOf(jurors, budget(0.25));
    await Promise.all(Array.from({ length: 40 }, (_, i) => judge(run.id, i % 20, panel)));

    const spend = await spendOf(db.dataSource, "carla", PERIOD);
    expect(spend.reservedUsd).toBeLessThanOrEqual(0.25);
    expect(spend.spentUsd).toBeLessThanOrEqual(0.25);
    expect(spend.calls).toBe(callsOf(jurors));
    expect(cents(spend.spentUsd)).toBe(cents(callsOf(jurors) * 0.004));
    expect(spend.refused).toBeGreaterThan(0);

    const verdicts = await repo(JuryVerdict).findBy({ runId: run.id });
    expect(verdicts).toHaveLength(40);
    const capped = verdicts.filter((v) => v.uncertainBecause === SPEND_CAP_REACHED);
    expect(capped.length).toBeGreaterThan(0);
    expect(capped.every((v) => v.outcome === CaseOutcome.UNCERTAIN)).toBe(true);
    // Stored verdicts record less than was paid: lost races' calls are counted only in the spend.
    const stored = verdicts.reduce((sum, v) => sum + v.costUsd, 0);
    expect(cents(spend.spentUsd)).toBeGreaterThanOrEqual(cents(stored));
    expect((await repo(EvaluationRun).findOneByOrFail({ id: run.id })).status).toBe(EvaluationRunStatus.AWAITING_REVIEW);
  });

  it("judges as before under the cap, and not at all against the budget for free jurors", async () => {
    // Two slices of three: the run stays undecided, this is about the calls alone.
    const run = await seedRun("dora", 6, 2);
    const free = new PaidJuror("free:x", 0, 0);
    const jurors = [new PaidJuror("paid:a", 0.01, 0.002), new PaidJuror("paid:b", 0.01, 0.002)];
    const panel = panelOf([...jurors, free], budget(1));
    for (const slice of [0, 1]) await judge(run.id, slice, panel);
    expect(await spendOf(db.dataSource, "dora", PERIOD)).toEqual({ reservedUsd: 0.016, spentUsd: 0.016, calls: 8, refused: 0 });
    const verdicts = await repo(JuryVerdict).findBy({ runId: run.id });
    expect(verdicts.map((v) => v.outcome)).toEqual([CaseOutcome.PASS, CaseOutcome.PASS, CaseOutcome.PASS, CaseOutcome.PASS]);
  });

  it("counts unusable replies as billed, and failures whose cost is unknown at their maximum", async () => {
    const run = await seedRun("emil", 2, 2);
    const jurors = [
      new PaidJuror("paid:ok", 0.01, 0.002),
      new PaidJuror("paid:garbled", 0.01, 0.002, () => new ModelCallError("paid:garbled gave no vote", false, 0.003)),
      new PaidJuror("paid:down", 0.01, 0.002, () => new Error("socket hang up")),
    ];
    await judge(run.id, 0, panelOf(jurors, budget(1)));
    // 2 cases: ok 2 × 0.002, garbled 2 × 0.003, down 2 attempts each (retried once) × 0.01.
    expect(await spendOf(db.dataSource, "emil", PERIOD)).toEqual({ reservedUsd: 0.05, spentUsd: 0.05, calls: 8, refused: 0 });
  });

  it("counts the calls of a deliberation cut by its deadline: reserved before the cut, settled when they end", async () => {
    const run = await seedRun("fred", 2, 2);
    let release: () => void = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let started = 0;
    let allStarted: () => void = () => {};
    const everyCallStarted = new Promise<void>((resolve) => {
      allStarted = resolve;
    });
    const hanging = () => {
      started += 1;
      if (started === 4) allStarted();
      return released.then(() => "PASS" as const);
    };
    const jurors = [new PaidJuror("paid:a", 0.01, 0.002, hanging), new PaidJuror("paid:b", 0.01, 0.002, hanging)];
    const job = processJudgeJob(db.dataSource, judgeJob(run.id, 0), panelOf(jurors, budget(1)), recordEvaluation, {
      now: NOW,
      deadlineAt: 0,
    });
    await expect(job).rejects.toThrow(/deadline/);
    await everyCallStarted;
    expect(await spendOf(db.dataSource, "fred", PERIOD)).toMatchObject({ reservedUsd: 0.04, spentUsd: 0, calls: 0 });
    release();
    await expect.poll(async () => (await spendOf(db.dataSource, "fred", PERIOD)).calls).toBe(4);
    expect(await spendOf(db.dataSource, "fred", PERIOD)).toEqual({ reservedUsd: 0.008, spentUsd: 0.008, calls: 4, refused: 0 });
    expect(await repo(JuryVerdict).countBy({ runId: run.id })).toBe(0);
  });

  it("waits instead, when so configured: the slice fails with the reason and stores nothing", async () => {
    const run = await seedRun("gina", 2, 2);
    const jurors = [new PaidJuror("paid:a", 0.01, 0.002), new PaidJuror("paid:b", 0.01, 0.002)];
    await expect(judge(run.id, 0, panelOf(jurors, budget(0.01, "wait")))).rejects.toThrow(SPEND_CAP_REACHED);
    expect(await repo(JuryVerdict).countBy({ runId: run.id })).toBe(0);
    expect((await repo(EvaluationRun).findOneByOrFail({ id: run.id })).status).toBe(EvaluationRunStatus.QUEUED);
    expect((await spendOf(db.dataSource, "gina", PERIOD)).spentUsd).toBeLessThanOrEqual(0.01);
  });
});

const JURY_SPEND = `query($period: String, $builder: String) {
  jurySpend(period: $period, builder: $builder) { builder period capUsd spentUsd reservedUsd remainingUsd calls refusedCalls capped whenCapped }
}`;

describe.each(DATABASE_KINDS)("jury spend in the API (%s)", (kind) => {
  let harness: SubgraphHarness;
  beforeAll(async () => {
    harness = await startSubgraphHarness(kind, (dataSource) => pactsSubgraph(dataSource));
  });
  afterAll(() => harness?.stop());

  const hana: Identity = { role: "builder", subject: "hana" };
  const arbiter: Identity = { role: "arbiter", subject: "ada" };
  const spendAs = async (identity: Identity, variables: Record<string, unknown>) => {
    const { response, statements } = await harness.statementsFor(JURY_SPEND, variables, identity);
    return { spend: dataOf(response).jurySpend, statements };
  };

  it("shows a builder zeros before any call, for this month when no period is named, in one statement", async () => {
    expect(await spendAs(hana, { period: PERIOD })).toEqual({
      spend: {
        builder: "hana",
        period: PERIOD,
        capUsd: 1,
        spentUsd: 0,
        reservedUsd: 0,
        remainingUsd: 1,
        calls: 0,
        refusedCalls: 0,
        capped: false,
        whenCapped: "WAIT",
      },
      statements: 1,
    });
    expect((await spendAs(hana, {})).spend).toMatchObject({ builder: "hana", period: spendPeriod(new Date()), calls: 0 });
  });

  it("shows the guard's numbers exactly, to the builder and to an arbiter naming the builder", async () => {
    // Three calls of at most $0.30 reserved, a fourth refused, one settled at $0.10: $0.70 held,
    // $0.30 left (not the 0.30000000000000004 that 1 - 0.7 is in floating point).
    const guard = builderSpend(harness.dataSource, "hana", PERIOD, 1);
    const granted: boolean[] = [];
    for (let call = 0; call < 4; call++) granted.push(await guard.reserve(0.3));
    expect(granted).toEqual([true, true, true, false]);
    await guard.settle(0.3, 0.1);
    const expected = {
      builder: "hana",
      period: PERIOD,
      capUsd: 1,
      spentUsd: 0.1,
      reservedUsd: 0.7,
      remainingUsd: 0.3,
      calls: 1,
      refusedCalls: 1,
      capped: true,
      whenCapped: "WAIT",
    };
    expect(await spendAs(hana, { period: PERIOD })).toEqual({ spend: expected, statements: 1 });
    expect(await spendAs(hana, { period: PERIOD, builder: "hana" })).toEqual({ spend: expected, statements: 1 });
    expect(await spendAs(arbiter, { period: PERIOD, builder: "hana" })).toEqual({ spend: expected, statements: 1 });
    // Another month is a budget of its own.
    expect((await spendAs(hana, { period: "2026-12" })).spend).toMatchObject({ reservedUsd: 0, remainingUsd: 1, capped: false });
  });

  it("floors what remains at zero when calls in flight hold more than the cap", async () => {
    // A cap lowered since the reservations were made: reserved can exceed the cap now in force.
    const guard = builderSpend(harness.dataSource, "ivan", PERIOD, 2);
    expect(await guard.reserve(1.5)).toBe(true);
    expect((await spendAs({ role: "builder", subject: "ivan" }, { period: PERIOD })).spend).toMatchObject({
      reservedUsd: 1.5,
      remainingUsd: 0,
      capped: false,
    });
  });

  it("refuses everyone else, and a period that is not a month, before any SQL", async () => {
    const refusals: [string, Identity, Record<string, unknown>, string, string | undefined][] = [
      ["anonymous", { role: "anonymous", subject: null }, {}, "UNAUTHENTICATED", undefined],
      ["a buyer", { role: "buyer", subject: "hana" }, {}, "FORBIDDEN", undefined],
      ["a partner", { role: "partner", subject: "hana" }, { builder: "hana" }, "FORBIDDEN", undefined],
      ["a builder reading another's", hana, { builder: "ivan" }, "FORBIDDEN", undefined],
      ["an arbiter naming nobody", arbiter, { period: PERIOD }, "BAD_USER_INPUT", "builder"],
      ["an arbiter naming no possible subject", arbiter, { builder: "not a subject" }, "BAD_USER_INPUT", "builder"],
      ...["2026-13", "2026-00", "2026-1", "26-11", "2026-11-01", "november", ""].map(
        (period): [string, Identity, Record<string, unknown>, string, string] => [
          `period "${period}"`,
          hana,
          { period },
          "BAD_USER_INPUT",
          "period",
        ],
      ),
      ["a bad period, from an arbiter", arbiter, { builder: "hana", period: "2026/11" }, "BAD_USER_INPUT", "period"],
    ];
    for (const [label, identity, variables, code, field] of refusals) {
      const { response, statements } = await harness.statementsFor(JURY_SPEND, variables, identity);
      const error = errorOf(response);
      expect({ label, code: error.code, field: error.field, data: response.data, statements }).toEqual({
        label,
        code,
        field,
        data: null,
        statements: 0,
      });
      if (field) expect(error.message).toMatch(new RegExp(`^${field}: `));
    }
  });
});
