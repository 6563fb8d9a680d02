import { randomUUID } from "node:crypto";
import { describe, expect, it, vi } from "vitest";
import { handler } from "../../functions/judge.js";
import { AgentDomain } from "../../lib/contracts/agent-domain.js";
import { inTransaction, insertInChunks } from "../../lib/platform/database.js";
import { OutboxMessage, enqueue } from "../../lib/platform/outbox.js";
import { Agent } from "../../subgraphs/agents/agent.entity.js";
import { CaseVerdict, ClauseResult, EvaluationCase, EvaluationRun } from "../../subgraphs/pacts/evaluation/evaluation-run.entity.js";
import { judgeJob, parseJudgeJob, type JudgeJob } from "../../subgraphs/pacts/evaluation/judge-job.message.js";
import { requeueStaleRuns } from "../../subgraphs/pacts/evaluation/judge-job.process.js";
import { processJudgeJob } from "../../subgraphs/pacts/evaluation/judge-job.process.js";
import { sliceBounds, sliceCountFor } from "../../subgraphs/pacts/evaluation/jury-slice.deliberate.js";
import type { CaseFacts, CaseTimings } from "../../subgraphs/pacts/evaluation/judging/evaluation-case.facts.js";
import { fleissKappa, type JuryPolicy } from "../../subgraphs/pacts/evaluation/jury/jury.convene.js";
import { ModelCallError, type JuryQuestion, type ModelAnswer, type ModelJudge } from "../../subgraphs/pacts/evaluation/jury/model.juror.js";
import type { JuryPanel } from "../../subgraphs/pacts/evaluation/jury/jury.panel.js";
import { JudgeFailure, JudgedSlice, JuryVerdict } from "../../subgraphs/pacts/evaluation/jury-verdict.entity.js";
import { PactClause, type Pact } from "../../subgraphs/pacts/authoring/pact.entity.js";
import { CaseOutcome, DecidedBy, EvaluationMethod, EvaluationRunStatus, PactStatus } from "../../subgraphs/pacts/pact.enums.js";
import { insertVersion } from "../../subgraphs/pacts/authoring/pact.lifecycle.js";
import { PACT_TEMPLATES } from "../../subgraphs/pacts/authoring/pact.templates.js";
import { checkPactTerms } from "../../subgraphs/pacts/authoring/pact.validation.js";
import { EligibilityChange, Escalation, ScoreHistoryEntry } from "../../subgraphs/reputation/trust-history.entity.js";
import { EvaluationEvidence, TrustProfile } from "../../subgraphs/reputation/trust.entity.js";
import { recordEvaluation } from "../../subgraphs/reputation/trust.record.js";
import { DATABASE_KINDS } from "../support/databases.js";
import { workflowCases } from "../support/fixtures.js";
import { useMigratedDatabase } from "../support/migrated-database.js";
import { agentFixture } from "../support/seed.js";
import { sqsEvent, sqsRecordFactory } from "../support/sqs-record.js";

const NOW = new Date("2026-11-20T12:00:00.000Z");
const SUBMITTED = new Date(NOW.getTime() - 60_000);
const MINUTE = 60_000;

/** Small timeouts, no backoff: fake jurors answer at once. */
const POLICY: JuryPolicy = { timeoutMs: 2_000, retries: 1, backoffMs: 0, quorum: 2, minAgreement: 0.75, minConfidence: 0.6 };

type Act = "PASS" | "FAIL" | Error;

/** The position of a case in its run: workflowCases ids end in `-<i>`. */
const indexOf = (caseId: string) => Number(caseId.slice(caseId.lastIndexOf("-") + 1));

/** A juror that acts by a script over (case index, attempt on that case), recording every call. */
class ScriptedJuror implements ModelJudge {
  readonly calls: string[] = [];
  /** Shared with the other jurors of its panel, once in one. */
  log: string[] = [];
  constructor(
    readonly name: string,
    private readonly script: (index: number, attempt: number) => Act,
    private readonly costUsd = 0.001,
  ) {}
  async judge(question: JuryQuestion): Promise<ModelAnswer> {
    this.calls.push(question.caseId);
    this.log.push(question.caseId);
    const attempt = this.calls.filter((id) => id === question.caseId).length;
    const act = this.script(indexOf(question.caseId), attempt);
    if (act instanceof Error) throw act;
    return {
      vote: { verdict: act, confidence: 0.9, rationale: `${this.name}: ${act}` },
      inputTokens: 100,
      outputTokens: 20,
      costUsd: this.costUsd,
    };
  }
}

function panelOf(...jurors: ScriptedJuror[]): JuryPanel & { jurors: ScriptedJuror[]; calls(): string[] } {
  const log: string[] = [];
  for (const juror of jurors) juror.log = log;
  return { jurors, policy: POLICY, concurrency: 3, calls: () => [...log] };
}

/** Three jurors that agree with the deterministic check of a run whose first `misses` cases are misrouted. */
const agreeingPanel = (misses: number) =>
  panelOf(
    new ScriptedJuror("fake:a", (i) => (i < misses ? "FAIL" : "PASS"), 0.001),
    new ScriptedJuror("fake:b", (i) => (i < misses ? "FAIL" : "PASS"), 0.002),
    new ScriptedJuror("fake:c", (i) => (i < misses ? "FAIL" : "PASS"), 0.004),
  );

const sortedNumbers = (values: number[]) => [...values].sort((a, b) => a - b);
const round = (value: number | null) => (value === null ? null : Math.round(value * 1e9) / 1e9);

describe.each(DATABASE_KINDS)("jury pipeline: slices, verdicts, reviews, poison and requeues (%s)", (kind) => {
  const db = useMigratedDatabase(kind, { provide: true });
  const repo = <T extends object>(entity: new () => T) => db.dataSource.getRepository(entity);
  const runOf = (id: string) => repo(EvaluationRun).findOneByOrFail({ id });
  const verdictsOf = (runId: string) => repo(JuryVerdict).find({ where: { runId }, order: { caseId: "ASC" } });
  const verdictOf = async (runId: string, index: number) => (await verdictsOf(runId)).find((v) => indexOf(v.caseId) === index)!;
  const judge = (job: JudgeJob, panel: JuryPanel) => processJudgeJob(db.dataSource, job, panel, recordEvaluation, { now: NOW });

  /** A playbook-routing agent and pact; the routing-accuracy clause judged by `method`. */
  async function routingPact(method: EvaluationMethod): Promise<Pact> {
    const template = PACT_TEMPLATES["playbook-routing"]!;
    return inTransaction(db.dataSource, async (manager) => {
      const agent = agentFixture("bruno", [AgentDomain.PLAYBOOK_ROUTING]);
      await manager.insert(Agent, agent);
      const clauses = template.clauses.map((clause) => (clause.key === "routing-accuracy" ? { ...clause, method } : clause));
      const terms = checkPactTerms(AgentDomain.PLAYBOOK_ROUTING, { ...template, clauses }, "test");
      return insertVersion(
        manager,
        {
          agentId: agent.id,
          workflow: AgentDomain.PLAYBOOK_ROUTING,
          template: template.name,
          status: PactStatus.ACTIVE,
          amendsPactId: null,
          terms,
          escalation: { team: "soc", contact: "soc@example.com", ackDeadlineMinutes: 60 },
          createdBy: "bruno",
        },
        SUBMITTED,
      );
    });
  }

  /** A QUEUED run as submitEvaluationRun writes it: sliced by sliceCountFor, optionally with its jobs in the outbox. */
  async function seedRun(
    pact: Pact,
    cases: ReturnType<typeof workflowCases>,
    options: { sliceCases: number; enqueuedAt?: Date; outbox?: boolean },
  ): Promise<EvaluationRun> {
    return inTransaction(db.dataSource, async (manager) => {
      const clauses = await manager.find(PactClause, { where: { pactId: pact.id } });
      const sliceCount = sliceCountFor(cases.length, clauses, options.sliceCases);
      const run = manager.create(EvaluationRun, {
        id: randomUUID(),
        agentId: pact.agentId,
        pactId: pact.id,
        pactVersion: pact.version,
        workflow: pact.workflow,
        status: EvaluationRunStatus.QUEUED,
        caseCount: cases.length,
        passedCount: null,
        failedCount: null,
        passed: null,
        weightedPassShare: null,
        submittedBy: pact.createdBy,
        submittedAt: SUBMITTED,
        completedAt: null,
        enqueuedAt: options.enqueuedAt ?? SUBMITTED,
        requeues: 0,
        failureReason: null,
        sliceCount,
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
            agentId: pact.agentId,
            caseId: c.caseId,
            position,
            input: c.input,
            expected: c.expected as CaseFacts,
            output: c.output as CaseFacts,
            timings: (c as { timings?: CaseTimings }).timings ?? null,
            groundedIndicators: null,
          }),
        ),
      );
      if (options.outbox) for (let slice = 0; slice < sliceCount; slice += 1) await enqueue(manager, "judge", judgeJob(run.id, slice));
      return run;
    });
  }

  /** Everything judging a run leaves behind, in a form two runs of identical cases can be compared by. */
  async function outcomeOf(runId: string, agentId: string) {
    const run = await runOf(runId);
    const profile = await repo(TrustProfile).findOneBy({ agentId });
    return {
      run: {
        status: run.status,
        sliceCount: run.sliceCount,
        passedCount: run.passedCount,
        failedCount: run.failedCount,
        passed: run.passed,
        weightedPassShare: run.weightedPassShare,
        completedAt: run.completedAt,
        juryAgreement: round(run.juryAgreement),
        juryCostUsd: round(run.juryCostUsd),
      },
      clauses: (await repo(ClauseResult).find({ where: { runId }, order: { position: "ASC" } })).map(({ runId: _, ...rest }) => rest),
      caseVerdicts: (await repo(CaseVerdict).find({ where: { runId }, order: { caseId: "ASC" } })).map(({ runId: _, ...rest }) => rest),
      juryVerdicts: (await verdictsOf(runId)).map((v) => ({
        caseId: v.caseId,
        metric: v.metric,
        clauseKey: v.clauseKey,
        method: v.method,
        deterministicOutcome: v.deterministicOutcome,
        juryOutcome: v.juryOutcome,
        outcome: v.outcome,
        decidedBy: v.decidedBy,
        uncertainBecause: v.uncertainBecause,
        majorityShare: v.majorityShare,
        costUsd: round(v.costUsd),
        votes: v.votes.map(({ latencyMs: _, ...vote }) => vote),
      })),
      slices: await repo(JudgedSlice).countBy({ runId }),
      evidence: await repo(EvaluationEvidence).countBy({ runId }),
      // Each agent has its own pact: the terms the ladder runs on must be this run's pact's, and
      // otherwise identical.
      profile:
        profile &&
        (({ agentId: _, consequenceTerms, ...rest }) => ({
          ...rest,
          consequenceTerms: consequenceTerms && {
            ...consequenceTerms,
            pactId: consequenceTerms.pactId === run.pactId ? "the run's pact" : consequenceTerms.pactId,
          },
        }))(profile),
      // The histories the run left, their cause named relative to the run (run ids differ by agent).
      scoreHistory: (await repo(ScoreHistoryEntry).find({ where: { agentId }, order: { recordedAt: "ASC", id: "ASC" } })).map(
        ({ id: _, agentId: __, causeId, ...rest }) => ({ ...rest, causeId: causeId === runId ? "the run" : causeId }),
      ),
      eligibilityHistory: (await repo(EligibilityChange).find({ where: { agentId }, order: { decidedAt: "ASC", id: "ASC" } })).map(
        ({ id: _, agentId: __, causeId, ...rest }) => ({ ...rest, causeId: causeId === runId ? "the run" : causeId }),
      ),
      escalations: await repo(Escalation).countBy({ agentId }),
    };
  }

  describe("slicing", () => {
    it("cuts 10 cases at 4 a slice into [0,4), [4,8), [8,10), and decides the run only with the third slice", async () => {
      const pact = await routingPact(EvaluationMethod.HYBRID);
      // One misroute (case 0): routing accuracy 9/10 = 0.9 ≥ 0.9.
      const run = await seedRun(pact, workflowCases("PLAYBOOK_ROUTING", 10, "clean", 1), { sliceCases: 4 });
      expect(run.sliceCount).toBe(3);
      expect([0, 1, 2].map((slice) => sliceBounds(10, 3, slice))).toEqual([
        { from: 0, to: 4 },
        { from: 4, to: 8 },
        { from: 8, to: 10 },
      ]);
      const panel = agreeingPanel(1);

      const heard: number[][] = [];
      for (const slice of [0, 1]) {
        const before = panel.calls().length;
        await judge(judgeJob(run.id, slice), panel);
        heard.push([...new Set(panel.calls().slice(before).map(indexOf))].sort((a, b) => a - b));
        // Not every slice is in: nothing is decided, no trust moves.
        expect((await runOf(run.id)).status).toBe("QUEUED");
        expect(await repo(ClauseResult).countBy({ runId: run.id })).toBe(0);
        expect(await repo(TrustProfile).findOneBy({ agentId: pact.agentId })).toBeNull();
      }
      const before = panel.calls().length;
      await judge(judgeJob(run.id, 2), panel);
      heard.push([...new Set(panel.calls().slice(before).map(indexOf))].sort((a, b) => a - b));

      expect(heard).toEqual([
        [0, 1, 2, 3],
        [4, 5, 6, 7],
        [8, 9],
      ]);
      // Each case asked of each of the 3 jurors once: 30 calls.
      expect(panel.calls()).toHaveLength(30);
      const outcome = await outcomeOf(run.id, pact.agentId);
      expect(outcome.run).toMatchObject({
        status: "COMPLETED",
        passedCount: 9,
        failedCount: 1,
        passed: true,
        weightedPassShare: 1,
        completedAt: NOW,
        // Every item unanimous: kappa 1. Cost 10 cases × (0.001 + 0.002 + 0.004) = 0.07.
        juryAgreement: 1,
        juryCostUsd: 0.07,
      });
      // Containment 900, 910, …, 990 s: nearest-rank p50 is the 5th (940), p90 the 9th (980).
      expect(
        outcome.clauses.map(({ clauseKey, observed, sampleSize, outcome: result }) => ({ clauseKey, observed, sampleSize, result })),
      ).toEqual([
        { clauseKey: "routing-accuracy", observed: 0.9, sampleSize: 10, result: "PASSED" },
        { clauseKey: "containment-p50", observed: 940, sampleSize: 10, result: "PASSED" },
        { clauseKey: "containment-p90", observed: 980, sampleSize: 10, result: "PASSED" },
      ]);
      // One verdict per case × one jury-judged metric; the agreeing jury decided every one.
      expect(outcome.juryVerdicts).toHaveLength(10);
      expect(
        outcome.juryVerdicts.every((v) => v.decidedBy === "JURY" && v.outcome === v.deterministicOutcome && v.votes.length === 3),
      ).toBe(true);
      expect(outcome.slices).toBe(3);
      expect(outcome.evidence).toBe(1);
      expect(outcome.profile).toMatchObject({ casesPassed: 9, casesFailed: 1, evaluationRuns: 1, lastRunPassed: true });
    });

    it("ends the same whatever order and however often the slices arrive, or if they arrive at once", async () => {
      const cases = (prefix: string) => workflowCases("PLAYBOOK_ROUTING", 10, prefix, 1);
      // Three agents with the same case ids (ids are unique per agent), so their outcomes compare.
      const cleanPact = await routingPact(EvaluationMethod.HYBRID);
      const clean = await seedRun(cleanPact, cases("r"), { sliceCases: 4 });
      const messyPact = await routingPact(EvaluationMethod.HYBRID);
      const messy = await seedRun(messyPact, cases("r"), { sliceCases: 4 });
      const racingPact = await routingPact(EvaluationMethod.HYBRID);
      const racing = await seedRun(racingPact, cases("r"), { sliceCases: 4 });

      for (const slice of [0, 1, 2]) await judge(judgeJob(clean.id, slice), agreeingPanel(1));

      // Out of order (2, 0, 1), each delivered three times, redeliveries before and after the decision.
      const messyPanel = agreeingPanel(1);
      const deliveries = [2, 2, 0, 2, 0, 1, 0, 1, 1];
      for (const [n, slice] of deliveries.entries()) {
        await judge(judgeJob(messy.id, slice), messyPanel);
        // The first delivery of slice 1 (the 6th) is the one that completes the set.
        expect((await runOf(messy.id)).status).toBe(n < 5 ? "QUEUED" : "COMPLETED");
      }
      // A stored slice is skipped before any juror is asked: 10 cases × 3 jurors, as for the clean pass.
      expect(messyPanel.calls()).toHaveLength(30);

      // The same slice three times at once is stored once.
      await Promise.all([0, 0, 0].map((slice) => judge(judgeJob(racing.id, slice), agreeingPanel(1))));
      expect(await repo(JudgedSlice).countBy({ runId: racing.id })).toBe(1);
      expect(await repo(JuryVerdict).countBy({ runId: racing.id })).toBe(4);
      // The last two slices, twice each, at once: decided and scored once.
      await Promise.all([1, 2, 1, 2].map((slice) => judge(judgeJob(racing.id, slice), agreeingPanel(1))));

      const expected = await outcomeOf(clean.id, cleanPact.agentId);
      expect(expected.run.status).toBe("COMPLETED");
      expect(expected.juryVerdicts).toHaveLength(10);
      // Per-metric Beta(5,5) means weighted by the pact: routing accuracy (0.6) 9 of 10, (9+5)/(10+10)
      // = 0.7; both containment clauses (0.2 each) met by all 10 cases (900–990 s), 15/20 = 0.75.
      // 0.6·0.7 + 0.4·0.75 = 0.72 → 720, on 10 cases: confidence 10 / (10 + 50) = 0.167.
      expect(expected.profile).toMatchObject({
        casesPassed: 9,
        casesFailed: 1,
        evaluationRuns: 1,
        compositeScore: 720,
        compositeConfidence: 0.167,
      });
      // Scored once: one score history entry, one listing decision, and a passing run escalates nothing.
      expect(expected.scoreHistory).toEqual([expect.objectContaining({ compositeScore: 720, causeId: "the run", recordedAt: NOW })]);
      expect(expected.eligibilityHistory).toHaveLength(1);
      expect(expected.escalations).toBe(0);
      expect(await outcomeOf(messy.id, messyPact.agentId)).toEqual(expected);
      expect(await outcomeOf(racing.id, racingPact.agentId)).toEqual(expected);
    });
  });

  describe("HYBRID clauses and human review", () => {
    it("sends contradicted and split cases to review, then decides the run with the reviewers' verdicts, once", async () => {
      const pact = await routingPact(EvaluationMethod.HYBRID);
      // Cases 0 and 1 are misrouted (deterministic FAIL), 2–9 routed right (PASS).
      const run = await seedRun(pact, workflowCases("PLAYBOOK_ROUTING", 10, "hy", 2), { sliceCases: 4 });
      // Case 0: the jury says PASS against the check's FAIL. Case 1: FAIL, agreeing. Case 2: 2 PASS, 1 FAIL.
      const vote =
        (juror: string) =>
        (i: number): Act =>
          i === 0 ? "PASS" : i === 1 ? "FAIL" : i === 2 && juror === "c" ? "FAIL" : "PASS";
      const panel = panelOf(
        new ScriptedJuror("fake:a", vote("a")),
        new ScriptedJuror("fake:b", vote("b")),
        new ScriptedJuror("fake:c", vote("c")),
      );

      await judge(judgeJob(run.id, 0), panel);
      // Uncertain cases are in, but slices are missing: the run waits for them, not yet for humans.
      expect((await runOf(run.id)).status).toBe("QUEUED");
      await judge(judgeJob(run.id, 1), panel);
      await judge(judgeJob(run.id, 2), panel);

      expect(await runOf(run.id)).toMatchObject({
        status: "AWAITING_REVIEW",
        passedCount: null,
        failedCount: null,
        passed: null,
        completedAt: null,
        juryAgreement: null,
        juryCostUsd: null,
      });
      expect(await repo(ClauseResult).countBy({ runId: run.id })).toBe(0);
      expect(await repo(CaseVerdict).countBy({ runId: run.id })).toBe(0);
      expect(await repo(EvaluationEvidence).countBy({ runId: run.id })).toBe(0);
      expect(await repo(TrustProfile).findOneBy({ agentId: pact.agentId })).toBeNull();

      const contradicted = await verdictOf(run.id, 0);
      expect(contradicted).toMatchObject({
        method: "HYBRID",
        deterministicOutcome: "FAIL",
        juryOutcome: "PASS",
        outcome: "UNCERTAIN",
        decidedBy: null,
        majorityShare: 1,
        uncertainBecause: "the deterministic check says FAIL, the jury PASS",
      });
      expect(await verdictOf(run.id, 1)).toMatchObject({
        deterministicOutcome: "FAIL",
        juryOutcome: "FAIL",
        outcome: "FAIL",
        decidedBy: "JURY",
        uncertainBecause: null,
      });
      const split = await verdictOf(run.id, 2);
      expect(split).toMatchObject({
        deterministicOutcome: "PASS",
        juryOutcome: "UNCERTAIN",
        outcome: "UNCERTAIN",
        decidedBy: null,
        uncertainBecause: "the jurors disagree: 2 of 3 say PASS",
      });
      expect(split.majorityShare).toBeCloseTo(2 / 3, 10);
      expect(await verdictOf(run.id, 5)).toMatchObject({
        deterministicOutcome: "PASS",
        juryOutcome: "PASS",
        outcome: "PASS",
        decidedBy: "JURY",
      });

      // Reviews as submitReview records them; after the first, one is still pending.
      const review = (id: string, outcome: CaseOutcome) =>
        inTransaction(db.dataSource, (manager) =>
          manager.update(
            JuryVerdict,
            { id },
            { outcome, decidedBy: DecidedBy.HUMAN, reviewer: "olga", reviewNote: "checked the runbook", reviewedAt: NOW },
          ),
        );
      await review(contradicted.id, CaseOutcome.PASS);
      await judge(judgeJob(run.id, null), panel);
      expect((await runOf(run.id)).status).toBe("AWAITING_REVIEW");
      expect(await repo(EvaluationEvidence).countBy({ runId: run.id })).toBe(0);

      await review(split.id, CaseOutcome.PASS);
      const callsBefore = panel.calls().length;
      await judge(judgeJob(run.id, null), panel);

      // Finalizing asks no juror again.
      expect(panel.calls()).toHaveLength(callsBefore);
      const done = await outcomeOf(run.id, pact.agentId);
      // Only case 1 fails: the human PASS on case 0 counts as routed right, case 2 PASS too.
      expect(done.run).toMatchObject({
        status: "COMPLETED",
        passedCount: 9,
        failedCount: 1,
        passed: true,
        weightedPassShare: 1,
        completedAt: NOW,
      });
      // Routing accuracy 9/10 with the reviews; the deterministic check alone would say 8/10 and fail the critical clause.
      expect(done.clauses[0]).toMatchObject({ clauseKey: "routing-accuracy", observed: 0.9, sampleSize: 10, outcome: "PASSED" });
      expect(done.caseVerdicts.filter((c) => !c.passed).map((c) => c.caseId)).toEqual(["hy-1"]);
      expect(done.caseVerdicts.find((c) => c.caseId === "hy-0")!.checks).toEqual({
        "routing-accuracy": true,
        "containment-p50": true,
        "containment-p90": true,
      });
      // Kappa over the jury's own votes (not the reviews): 9 unanimous items (P=1) and one 2–1 (P=1/3),
      // mean 14/15; PASS share 26/30, chance (13/15)² + (2/15)² = 173/225; (14/15 − 173/225) / (52/225) = 37/52.
      expect(done.run.juryAgreement).toBeCloseTo(37 / 52, 9);
      expect(done.run.juryAgreement).toBeCloseTo(
        fleissKappa([
          ...Array(9)
            .fill(null)
            .map((_, i) => (i === 1 ? { pass: 0, fail: 3 } : { pass: 3, fail: 0 })),
          { pass: 2, fail: 1 },
        ])!,
        9,
      );
      // 10 cases × 3 jurors × 0.001.
      expect(done.run.juryCostUsd).toBeCloseTo(0.03, 9);
      expect(done.profile).toMatchObject({ casesPassed: 9, casesFailed: 1, evaluationRuns: 1, lastRunPassed: true });
      expect(done.evidence).toBe(1);
      expect(await verdictOf(run.id, 0)).toMatchObject({ outcome: "PASS", decidedBy: "HUMAN", juryOutcome: "PASS", reviewer: "olga" });

      // The finalize job again, and a stale slice job: nothing changes.
      await judge(judgeJob(run.id, null), panel);
      await judge(judgeJob(run.id, 1), panel);
      expect(await outcomeOf(run.id, pact.agentId)).toEqual(done);
      expect(panel.calls()).toHaveLength(callsBefore);
    });

    it("under a JURY clause, counts the jury's outcome instead of the deterministic value", async () => {
      const pact = await routingPact(EvaluationMethod.JURY);
      // Cases 0 and 1 misrouted; the jury unanimously passes them and unanimously fails case 9, routed right.
      const run = await seedRun(pact, workflowCases("PLAYBOOK_ROUTING", 10, "jy", 2), { sliceCases: 50 });
      expect(run.sliceCount).toBe(1);
      const vote = (i: number): Act => (i === 9 ? "FAIL" : "PASS");
      const panel = panelOf(new ScriptedJuror("fake:a", vote), new ScriptedJuror("fake:b", vote), new ScriptedJuror("fake:c", vote));

      await judge(judgeJob(run.id, 0), panel);

      expect(await verdictOf(run.id, 0)).toMatchObject({
        method: "JURY",
        deterministicOutcome: null,
        juryOutcome: "PASS",
        outcome: "PASS",
        decidedBy: "JURY",
        uncertainBecause: null,
      });
      expect(await verdictOf(run.id, 9)).toMatchObject({
        method: "JURY",
        deterministicOutcome: null,
        juryOutcome: "FAIL",
        outcome: "FAIL",
        decidedBy: "JURY",
      });
      const done = await outcomeOf(run.id, pact.agentId);
      // Jury: 9/10 right → PASSED (deterministically 8/10 → FAILED, critical, run failed).
      expect(done.clauses[0]).toMatchObject({ clauseKey: "routing-accuracy", observed: 0.9, sampleSize: 10, outcome: "PASSED" });
      expect(done.run).toMatchObject({ status: "COMPLETED", passedCount: 9, failedCount: 1, passed: true });
      expect(done.caseVerdicts.filter((c) => !c.passed).map((c) => c.caseId)).toEqual(["jy-9"]);
      expect(done.profile).toMatchObject({
        casesPassed: 9,
        casesFailed: 1,
        evaluationRuns: 1,
        lastRunPassed: true,
        lastRunFailedCriticalClauses: [],
      });
    });
  });

  describe("abstentions, votes as evidence, agreement and cost", () => {
    it("counts a failing juror as abstaining, keeps every vote with its error, and sums cost and kappa over the votes", async () => {
      const pact = await routingPact(EvaluationMethod.HYBRID);
      const run = await seedRun(pact, workflowCases("PLAYBOOK_ROUTING", 4, "ab", 0), { sliceCases: 10 });
      const alpha = new ScriptedJuror("fake:alpha", () => "PASS", 0.002);
      const broken = new ScriptedJuror("fake:broken", () => new ModelCallError("quota exhausted for this key", false), 0.5);
      const flaky = new ScriptedJuror(
        "fake:flaky",
        (i) => (i === 0 ? new ModelCallError("the reply holds no JSON object", false) : "PASS"),
        0.003,
      );
      // Throttled on its first try at every case, answers on the retry; FAIL on case 3.
      const retrier = new ScriptedJuror(
        "fake:retrier",
        (i, attempt) => (attempt === 1 ? new ModelCallError("throttled", true) : i === 3 ? "FAIL" : "PASS"),
        0.001,
      );
      const panel: JuryPanel = { jurors: [alpha, broken, flaky, retrier], policy: { ...POLICY, quorum: 3 }, concurrency: 2 };

      await judge(judgeJob(run.id, 0), panel);

      // Non-retryable errors are tried once; the throttled juror twice per case.
      expect([alpha.calls.length, broken.calls.length, flaky.calls.length, retrier.calls.length]).toEqual([4, 4, 4, 8]);
      const noQuorum = await verdictOf(run.id, 0);
      // Case 0: alpha and retrier answer, broken and flaky abstain: 2 of 4 < quorum 3.
      expect(noQuorum).toMatchObject({
        outcome: "UNCERTAIN",
        juryOutcome: "UNCERTAIN",
        decidedBy: null,
        majorityShare: 1,
        uncertainBecause: "only 2 of 4 jurors answered; 3 needed",
      });
      expect(
        noQuorum.votes.map(({ juror, verdict, confidence, error, attempts, costUsd }) => ({
          juror,
          verdict,
          confidence,
          error,
          attempts,
          costUsd,
        })),
      ).toEqual([
        { juror: "fake:alpha", verdict: "PASS", confidence: 0.9, error: null, attempts: 1, costUsd: 0.002 },
        { juror: "fake:broken", verdict: "ABSTAIN", confidence: null, error: "quota exhausted for this key", attempts: 1, costUsd: 0 },
        { juror: "fake:flaky", verdict: "ABSTAIN", confidence: null, error: "the reply holds no JSON object", attempts: 1, costUsd: 0 },
        { juror: "fake:retrier", verdict: "PASS", confidence: 0.9, error: null, attempts: 2, costUsd: 0.001 },
      ]);
      expect(noQuorum.costUsd).toBeCloseTo(0.003, 12);
      // Cases 1 and 2: 3 PASS of 3 answering (broken abstains) → PASS.
      expect(await verdictOf(run.id, 1)).toMatchObject({ outcome: "PASS", decidedBy: "JURY" });
      expect((await verdictOf(run.id, 1)).votes.map((v) => v.verdict)).toEqual(["PASS", "ABSTAIN", "PASS", "PASS"]);
      // Case 3: 2 PASS, 1 FAIL → 2/3 below 0.75.
      const split = await verdictOf(run.id, 3);
      expect(split).toMatchObject({ outcome: "UNCERTAIN", uncertainBecause: "the jurors disagree: 2 of 3 say PASS" });
      expect((await runOf(run.id)).status).toBe("AWAITING_REVIEW");

      for (const { id } of [noQuorum, split]) {
        await inTransaction(db.dataSource, (manager) =>
          manager.update(
            JuryVerdict,
            { id },
            { outcome: CaseOutcome.PASS, decidedBy: DecidedBy.HUMAN, reviewer: "olga", reviewNote: "fine", reviewedAt: NOW },
          ),
        );
      }
      await judge(judgeJob(run.id, null), panel);

      const done = await runOf(run.id);
      expect(done).toMatchObject({ status: "COMPLETED", passedCount: 4, failedCount: 0, passed: true });
      // alpha 4 × 0.002 + flaky 3 × 0.003 + retrier 4 × 0.001 + abstentions 0 = 0.008 + 0.009 + 0.004 = 0.021.
      expect(done.juryCostUsd).toBeCloseTo(0.021, 12);
      // Items (abstentions left out): case 0 {2 PASS}, cases 1–2 {3 PASS}, case 3 {2 PASS, 1 FAIL}.
      // P_i = 1, 1, 1, 1/3 → mean 5/6; PASS share 10/11, chance 101/121;
      // kappa = (5/6 − 101/121) / (20/121) = (−1/726) / (20/121) = −1/120.
      expect(done.juryAgreement).toBeCloseTo(-1 / 120, 12);
      expect(done.juryAgreement).toBeCloseTo(
        fleissKappa([
          { pass: 2, fail: 0 },
          { pass: 3, fail: 0 },
          { pass: 3, fail: 0 },
          { pass: 2, fail: 1 },
        ])!,
        12,
      );
    });
  });

  describe("poison messages through the Lambda handler", () => {
    it("fails exactly the bad messages of a batch, records why by message, and updates the record on a second failure", async () => {
      // The handler's panel comes from configuration: a deterministic-only pact needs none.
      const pact = await routingPact(EvaluationMethod.DETERMINISTIC);
      const run = await seedRun(pact, workflowCases("PLAYBOOK_ROUTING", 10, "ps", 1), { sliceCases: 4 });
      expect(run.sliceCount).toBe(1);
      const missingRunId = randomUUID();
      const withCount = (body: string, count: string) => {
        const record = sqsRecordFactory(body);
        return { ...record, attributes: { ...record.attributes, ApproximateReceiveCount: count } };
      };
      const valid = withCount(JSON.stringify(judgeJob(run.id, 0)), "1");
      const missing = withCount(JSON.stringify(judgeJob(missingRunId, 0)), "2");
      const badSlice = withCount(JSON.stringify(judgeJob(run.id, 1)), "3");
      const notJson = withCount("{not json", "4");

      const response = await handler(sqsEvent(valid, missing, badSlice, notJson));

      expect(response.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(
        [missing.messageId, badSlice.messageId, notJson.messageId].sort(),
      );
      expect(await runOf(run.id)).toMatchObject({ status: "COMPLETED", passedCount: 9, failedCount: 1, passed: true });
      expect(await repo(TrustProfile).findOneBy({ agentId: pact.agentId })).toMatchObject({
        casesPassed: 9,
        casesFailed: 1,
        evaluationRuns: 1,
      });
      const failures = await repo(JudgeFailure).find({ order: { receiveCount: "ASC" } });
      const ours = failures.filter((f) => [valid, missing, badSlice, notJson].some((r) => r.messageId === f.messageId));
      expect(ours.map(({ messageId, body, reason, receiveCount }) => ({ messageId, body, reason, receiveCount }))).toEqual([
        {
          messageId: missing.messageId,
          body: missing.body,
          reason: `Error: evaluation run ${missingRunId} does not exist`,
          receiveCount: 2,
        },
        {
          messageId: badSlice.messageId,
          body: badSlice.body,
          reason: `Error: evaluation run ${run.id} has 1 slices, not slice 1`,
          receiveCount: 3,
        },
        { messageId: notJson.messageId, body: "{not json", reason: "Error: judge job is not JSON", receiveCount: 4 },
      ]);
      const first = ours.find((f) => f.messageId === notJson.messageId)!;
      expect(first.lastFailedAt.getTime()).toBe(first.firstFailedAt.getTime());

      // The second failure must be recorded at a later millisecond than the first: wait until the clock has moved past it.
      await vi.waitUntil(() => Date.now() > first.lastFailedAt.getTime());
      const again = await handler(sqsEvent({ ...notJson, attributes: { ...notJson.attributes, ApproximateReceiveCount: "5" } }));

      expect(again.batchItemFailures).toEqual([{ itemIdentifier: notJson.messageId }]);
      const rows = await repo(JudgeFailure).findBy({ messageId: notJson.messageId });
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ receiveCount: 5, reason: "Error: judge job is not JSON", firstFailedAt: first.firstFailedAt });
      expect(rows[0]!.lastFailedAt.getTime()).toBeGreaterThan(first.lastFailedAt.getTime());
      expect(await repo(JudgeFailure).count()).toBe(failures.length);
    });
  });

  describe("requeueStaleRuns with jury runs", () => {
    // Long before anything else in this database: only this describe's runs are stale at STALE_NOW.
    const OLD = new Date("2020-01-01T00:00:00.000Z");
    const STALE_NOW = new Date(OLD.getTime() + 20 * MINUTE);
    const POLICY_15 = { staleAfterMs: 15 * MINUTE };
    // Slices stored back then: a stored slice is progress, and refreshes the run's enqueuedAt.
    const judgeLongAgo = (job: JudgeJob, panel: JuryPanel) => processJudgeJob(db.dataSource, job, panel, recordEvaluation, { now: OLD });
    const jobsFor = async (runId: string) =>
      (await repo(OutboxMessage).find({ order: { id: "ASC" } })).map((row) => parseJudgeJob(row.body)).filter((job) => job.runId === runId);

    it("requeues every slice of a QUEUED run missing one, and the second judging does only that slice's jury work", async () => {
      const pact = await routingPact(EvaluationMethod.HYBRID);
      const run = await seedRun(pact, workflowCases("PLAYBOOK_ROUTING", 10, "rq", 1), { sliceCases: 4, enqueuedAt: OLD });
      // Slices 0 and 2 judged; slice 1's job lost.
      await judgeLongAgo(judgeJob(run.id, 0), agreeingPanel(1));
      await judgeLongAgo(judgeJob(run.id, 2), agreeingPanel(1));

      expect(await requeueStaleRuns(db.dataSource, POLICY_15, STALE_NOW)).toEqual({ requeued: 1, failed: 0 });

      const jobs = await jobsFor(run.id);
      expect(sortedNumbers(jobs.map((job) => job.slice!))).toEqual([0, 1, 2]);
      expect(await runOf(run.id)).toMatchObject({ status: "QUEUED", enqueuedAt: STALE_NOW, requeues: 0 });
      const panel = agreeingPanel(1);
      for (const job of jobs) await judge(job, panel);
      // Slice 1 is cases 4–7: 4 cases × 3 jurors.
      expect(panel.calls()).toHaveLength(12);
      expect(sortedNumbers([...new Set(panel.calls().map(indexOf))])).toEqual([4, 5, 6, 7]);
      expect(await runOf(run.id)).toMatchObject({ status: "COMPLETED", passedCount: 9, failedCount: 1, passed: true });
      expect(await repo(JuryVerdict).countBy({ runId: run.id })).toBe(10);
    });

    it("leaves an AWAITING_REVIEW run with pending reviews alone, and sends a finalize job for one whose reviews are in", async () => {
      // Case 0 misrouted, the jury passes it: contradiction, so a review is pending.
      const vote = (): Act => "PASS";
      const contradicting = () =>
        panelOf(new ScriptedJuror("fake:a", vote), new ScriptedJuror("fake:b", vote), new ScriptedJuror("fake:c", vote));
      const pendingPact = await routingPact(EvaluationMethod.HYBRID);
      const pending = await seedRun(pendingPact, workflowCases("PLAYBOOK_ROUTING", 6, "pe", 1), { sliceCases: 10, enqueuedAt: OLD });
      await judgeLongAgo(judgeJob(pending.id, 0), contradicting());
      const reviewedPact = await routingPact(EvaluationMethod.HYBRID);
      const reviewed = await seedRun(reviewedPact, workflowCases("PLAYBOOK_ROUTING", 6, "rv", 1), { sliceCases: 10, enqueuedAt: OLD });
      await judgeLongAgo(judgeJob(reviewed.id, 0), contradicting());
      expect([(await runOf(pending.id)).status, (await runOf(reviewed.id)).status]).toEqual(["AWAITING_REVIEW", "AWAITING_REVIEW"]);

      // Both wait for humans: neither is stale. maxRequeues 0 would fail any run it picked.
      expect(await requeueStaleRuns(db.dataSource, { ...POLICY_15, maxRequeues: 0 }, STALE_NOW)).toEqual({ requeued: 0, failed: 0 });
      for (const run of [pending, reviewed]) {
        expect(await runOf(run.id)).toMatchObject({ status: "AWAITING_REVIEW", failureReason: null, requeues: 0, enqueuedAt: OLD });
        expect(await jobsFor(run.id)).toEqual([]);
      }

      // The review of `reviewed` is in, but its finalize job was lost.
      const item = await verdictOf(reviewed.id, 0);
      await inTransaction(db.dataSource, (manager) =>
        manager.update(
          JuryVerdict,
          { id: item.id },
          { outcome: CaseOutcome.FAIL, decidedBy: DecidedBy.HUMAN, reviewer: "olga", reviewNote: "wrong playbook", reviewedAt: NOW },
        ),
      );

      expect(await requeueStaleRuns(db.dataSource, POLICY_15, STALE_NOW)).toEqual({ requeued: 1, failed: 0 });
      expect(await runOf(pending.id)).toMatchObject({ status: "AWAITING_REVIEW", enqueuedAt: OLD });
      expect(await jobsFor(pending.id)).toEqual([]);
      expect(await runOf(reviewed.id)).toMatchObject({ status: "AWAITING_REVIEW", enqueuedAt: STALE_NOW });
      const finalize = await jobsFor(reviewed.id);
      expect(finalize).toEqual([{ kind: "evaluation-run", runId: reviewed.id, slice: null }]);

      const panel = contradicting();
      await judge(finalize[0]!, panel);
      expect(panel.calls()).toHaveLength(0);
      // The human FAIL on case 0: 5/6 routed right, below 0.9, critical clause failed.
      expect(await runOf(reviewed.id)).toMatchObject({ status: "COMPLETED", passedCount: 5, failedCount: 1, passed: false });
      const routing = await repo(ClauseResult).findOneByOrFail({ runId: reviewed.id, clauseKey: "routing-accuracy" });
      expect(routing).toMatchObject({ sampleSize: 6, outcome: "FAILED" });
      expect(routing.observed).toBeCloseTo(5 / 6, 12);
      expect(await repo(TrustProfile).findOneBy({ agentId: reviewedPact.agentId })).toMatchObject({
        casesPassed: 5,
        casesFailed: 1,
        evaluationRuns: 1,
        lastRunPassed: false,
      });
      expect(await repo(TrustProfile).findOneBy({ agentId: pendingPact.agentId })).toBeNull();
    });

    // A QUEUED run holding uncertain cases waits for its missing slice, not for humans.
    it("requeues a QUEUED run missing a slice even when a stored slice holds an uncertain case", async () => {
      const vote = (): Act => "PASS";
      const panel = () => panelOf(new ScriptedJuror("fake:a", vote), new ScriptedJuror("fake:b", vote), new ScriptedJuror("fake:c", vote));
      const pact = await routingPact(EvaluationMethod.HYBRID);
      // 8 cases at 4 a slice: 2 slices. Case 0 misrouted and passed by the jury: uncertain, in slice 0.
      const run = await seedRun(pact, workflowCases("PLAYBOOK_ROUTING", 8, "uq", 1), { sliceCases: 4, enqueuedAt: OLD });
      expect(run.sliceCount).toBe(2);
      await judgeLongAgo(judgeJob(run.id, 0), panel());
      // Slice 1's job is lost: the run stays QUEUED, it cannot become AWAITING_REVIEW without slice 1.
      expect((await runOf(run.id)).status).toBe("QUEUED");
      expect((await verdictOf(run.id, 0)).outcome).toBe("UNCERTAIN");

      const result = await requeueStaleRuns(db.dataSource, POLICY_15, STALE_NOW);

      // Expected: the run is stale (nobody is waiting on humans to judge slice 1) and gets its jobs again.
      expect({ result, slices: sortedNumbers((await jobsFor(run.id)).map((job) => job.slice!)) }).toEqual({
        result: { requeued: 1, failed: 0 },
        slices: [0, 1],
      });
    });
  });

  describe("an invocation's deadline", () => {
    it("abandons a jury still deliberating at the deadline, storing nothing, and the slice is judged in full later", async () => {
      const pact = await routingPact(EvaluationMethod.HYBRID);
      const run = await seedRun(pact, workflowCases("PLAYBOOK_ROUTING", 4, "dl"), { sliceCases: 10 });
      // A juror slower than the invocation has left: answers only when its own timeout fires.
      const slow: ModelJudge = {
        name: "fake:slow",
        judge: (_question, signal) =>
          new Promise<ModelAnswer>((_, reject) => signal.addEventListener("abort", () => reject(new ModelCallError("timed out", false)))),
      };

      await expect(
        processJudgeJob(db.dataSource, judgeJob(run.id, 0), { jurors: [slow], policy: POLICY, concurrency: 3 }, recordEvaluation, {
          now: NOW,
          deadlineAt: Date.now() + 50,
        }),
      ).rejects.toThrow("the jury did not finish before the invocation's deadline");
      expect(await repo(JudgedSlice).countBy({ runId: run.id })).toBe(0);
      expect(await repo(JuryVerdict).countBy({ runId: run.id })).toBe(0);

      await judge(judgeJob(run.id, 0), agreeingPanel(0));
      expect(await runOf(run.id)).toMatchObject({ status: "COMPLETED", passedCount: 4 });
    });
  });
});
