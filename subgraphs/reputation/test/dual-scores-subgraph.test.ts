import type { JudgedRun } from "../../../lib/contracts/judged-run.js";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentDomain } from "../../../lib/contracts/agent-domain.js";
import { ConsequenceAction } from "../../../lib/contracts/consequence.js";
import { inTransaction } from "../../../lib/platform/database.js";
import { ANONYMOUS, type Identity } from "../../../lib/platform/identity.js";
import { DATABASE_KINDS } from "../../../test/support/databases.js";
import { dataOf } from "../../../test/support/graphql-client.js";
import { errorOf, startSubgraphHarness, type Data, type SubgraphHarness } from "../../../test/support/subgraph-harness.js";
import { DEFAULT_LADDER, DEFAULT_ROUTE } from "../../../test/support/contexts.js";
import { reputationSubgraph } from "../index.js";
import { isoWeekOf, weeksEnding } from "../scorecard.math.js";
import { DisputeState, EligibilityChange, Escalation, ScoreHistoryEntry } from "../trust-history.entity.js";
import { TrustProfile } from "../trust.entity.js";
import type { DisputeStateReport } from "../../../lib/contracts/dispute-state.js";
import { recordDisputeState, recordEvaluation } from "../trust.record.js";

/*
 * Dual scores (composite + reputation), the consequence ladder, the histories and search, driven
 * through the real service functions (recordEvaluation / recordDisputeState in inTransaction, as
 * the judge and the disputes context call them) and the real subgraph over HTTP, on both engines.
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const SEV = "SEVERITY_CLASSIFICATION_ACCURACY";
const FP = "FALSE_POSITIVE_RATE";
/** The escalation owner in every pact below; 45 minutes so that ackDueAt visibly comes from the terms. */
const OWNER = { team: "soc-tier2", contact: "tier2@soc.example", ackDeadlineMinutes: 45 };

type Terms = JudgedRun["terms"];
const termsFor = (pactId: string, pactVersion = 1): Terms => ({
  pactId,
  pactVersion,
  ladder: DEFAULT_LADDER,
  route: DEFAULT_ROUTE,
  owner: OWNER,
});

interface RunSpec {
  /** submittedAt */
  at: number;
  /** judgedAt; one minute after submission unless told */
  judgedAt?: number;
  /** [passed, failed] per clause */
  sev: [number, number];
  fp: [number, number];
  passed: boolean;
  critical?: string[];
  weights?: [number, number];
  pactId?: string;
  pactVersion?: number;
  runId?: string;
}

/** An JudgedRun as the judge builds it: per-clause evidence and the pact's consequence terms. */
function outcome(agentId: string, spec: RunSpec): JudgedRun {
  const [sevWeight, fpWeight] = spec.weights ?? [0.6, 0.4];
  const cases = Math.max(spec.sev[0] + spec.sev[1], spec.fp[0] + spec.fp[1]);
  const casesFailed = Math.min(cases, spec.sev[1] + spec.fp[1]);
  const pactId = spec.pactId ?? "00000000-0000-4000-8000-00000000aaaa";
  return {
    runId: spec.runId ?? randomUUID(),
    agentId,
    pactId,
    pactVersion: spec.pactVersion ?? 1,
    casesPassed: cases - casesFailed,
    casesFailed,
    runPassed: spec.passed,
    failedCriticalClauses: spec.critical ?? [],
    clauses: [
      { metric: SEV, weight: sevWeight, passed: spec.sev[0], failed: spec.sev[1] },
      { metric: FP, weight: fpWeight, passed: spec.fp[0], failed: spec.fp[1] },
    ],
    terms: termsFor(pactId, spec.pactVersion ?? 1),
    submittedAt: new Date(spec.at),
    judgedAt: new Date(spec.judgedAt ?? spec.at + MINUTE),
  };
}

/** A run that met its pact, and one that breached it (one severity miss: the composite barely moves). */
const PASS = (at: number, judgedAt?: number): RunSpec => ({ at, judgedAt, sev: [40, 0], fp: [40, 0], passed: true });
const FAIL = (at: number, judgedAt?: number): RunSpec => ({ at, judgedAt, sev: [39, 1], fp: [40, 0], passed: false });

const BUYER = (subject: string): Identity => ({ role: "buyer", subject });
const BUILDER = (subject: string): Identity => ({ role: "builder", subject });
const ARBITER: Identity = { role: "arbiter", subject: "ada" };

const SUBMIT = `mutation($input: KpiReportInput!) { submitKpiReport(input: $input) }`;
const RECOMPUTE = `mutation($agentId: ID!) { recomputeTrust(agentId: $agentId) { compositeScore compositeConfidence reputationScore reputationConfidence tier eligible } }`;
const LIFT = `mutation($agentId: ID!, $reason: String!) { liftConsequence(agentId: $agentId, reason: $reason) { consequence consequenceSince eligible reasons } }`;
const ACK = `mutation($id: ID!) { acknowledgeEscalation(escalationId: $id) { id acknowledgedAt action direction } }`;
const TRUST = `query($representations: [_Any!]!) { _entities(representations: $representations) { ... on Agent { id trust {
  compositeScore compositeConfidence reputationScore reputationConfidence tier eligible reasons consequence consequenceSince driftAlarm openCriticalDisputes passingStreak
} } } }`;
const NODE_FIELDS = {
  scoreHistory: "id compositeScore compositeConfidence reputationScore reputationConfidence cause causeId recordedAt",
  eligibilityHistory: "id eligible tier consequence reasons policyVersion cause causeId decidedAt",
  escalations: "id agentId pactId action direction notify ownerTeam ownerContact reason cause causeId createdAt ackDueAt acknowledgedAt",
} as const;
type HistoryField = keyof typeof NODE_FIELDS;
const HISTORY = (field: HistoryField) => `query($representations: [_Any!]!, $first: Int, $after: String) {
  _entities(representations: $representations) { ... on Agent { id ${field}(first: $first, after: $after) { edges { cursor node { ${NODE_FIELDS[field]} } } pageInfo { hasNextPage endCursor } } } }
}`;
const ALL_HISTORIES = `query($representations: [_Any!]!, $first: Int) {
  _entities(representations: $representations) { ... on Agent { id
    scoreHistory(first: $first) { edges { cursor node { id cause } } pageInfo { hasNextPage endCursor } }
    eligibilityHistory(first: $first) { edges { cursor node { id eligible } } pageInfo { hasNextPage endCursor } }
    escalations(first: $first) { edges { cursor node { id action } } pageInfo { hasNextPage endCursor } }
  } }
}`;
const SEARCH = `query($filter: AgentSearchFilter, $orderBy: AgentSortKey, $first: Int, $after: String) {
  searchAgents(filter: $filter, orderBy: $orderBy, first: $first, after: $after) { edges { cursor node { id } } pageInfo { hasNextPage endCursor } }
}`;

/** A weekly report's KPIs; quality with these defaults (see score.math.ts reportQuality):
 *  .25·.9 (severity) + .25·.9 (escalation) + .2·(1−.1) (false positives) + .15·1 (45 ≤ 240 min) + .15·(1 − 200/1000) (overrides) = 0.9 */
const kpis = (agentId: string, week: string, overrides: Partial<Record<string, number>> = {}) => ({
  agentId,
  week,
  alertsHandled: 1000,
  timeToContainmentMinutes: 45,
  falsePositiveLoad: 0.1,
  severityAccuracy: 0.9,
  escalationQuality: 0.9,
  humanOverrides: 200,
  ...overrides,
});

/** Consequence-ladder escalations only (steps taken or lifted), not listing changes. */
const ladderOnly = <T extends { direction: string }>(rows: T[]) =>
  rows.filter((row) => row.direction === "FIRED" || row.direction === "LIFTED");

/** The rows of a history, newest first (time, then id, descending): the order the API promises. */
const newestFirst = <T extends { id: string }>(rows: T[], time: (row: T) => Date) =>
  [...rows].sort((a, b) => time(b).getTime() - time(a).getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));

describe.each(DATABASE_KINDS)("dual scores through the reputation subgraph (%s)", (kind) => {
  let harness: SubgraphHarness;

  beforeAll(async () => {
    harness = await startSubgraphHarness(kind, reputationSubgraph);
  });
  afterAll(async () => {
    await harness?.stop();
  });

  const record = (agentId: string, spec: RunSpec) =>
    inTransaction(harness.dataSource, (manager) => recordEvaluation(manager, outcome(agentId, spec)));
  const recordOutcome = (judged: JudgedRun) => inTransaction(harness.dataSource, (manager) => recordEvaluation(manager, judged));
  /** A dispute's state, by a filer with a clean record unless the report says otherwise. */
  const dispute = (report: Omit<DisputeStateReport, "filerRecord"> & Partial<Pick<DisputeStateReport, "filerRecord">>) =>
    inTransaction(harness.dataSource, (manager) => recordDisputeState(manager, { filerRecord: { upheld: 0, rejected: 0 }, ...report }));
  const disputeRows = (agentId: string) =>
    harness.dataSource.getRepository(DisputeState).find({ where: { agentId }, order: { disputeId: "ASC" } });
  const profileOf = (agentId: string) => harness.dataSource.getRepository(TrustProfile).findOneByOrFail({ agentId });
  const scoreRows = (agentId: string) =>
    harness.dataSource.getRepository(ScoreHistoryEntry).find({ where: { agentId }, order: { recordedAt: "ASC", id: "ASC" } });
  const eligibilityRows = (agentId: string) =>
    harness.dataSource.getRepository(EligibilityChange).find({ where: { agentId }, order: { decidedAt: "ASC", id: "ASC" } });
  const escalationRows = (agentId: string) =>
    harness.dataSource.getRepository(Escalation).find({ where: { agentId }, order: { createdAt: "ASC", id: "ASC" } });
  const submit = (input: Data, identity: Identity) => harness.call(SUBMIT, { input }, identity);
  const trustOf = async (agentId: string, identity: Identity = ANONYMOUS) =>
    dataOf(await harness.call(TRUST, { representations: [{ __typename: "Agent", id: agentId }] }, identity))._entities[0].trust;
  /** Everything an erroneous call must leave alone. */
  const snapshot = async (agentId: string) => ({
    profile: await profileOf(agentId).catch(() => null),
    scores: (await scoreRows(agentId)).length,
    eligibility: (await eligibilityRows(agentId)).length,
    escalations: await escalationRows(agentId),
    disputes: await disputeRows(agentId),
    reports: await harness.count("kpi_reports"),
  });

  describe("recordEvaluation", () => {
    it("moves the composite by per-clause evidence, adds breaches to reputation, and appends the histories", async () => {
      const agent = await harness.seedAgent("rhea", [AgentDomain.ALERT_TRIAGE]);
      const T = Date.UTC(2026, 0, 5, 9);
      const runs = [
        // Run 1: severity 38/2, false positives 30/10, met its pact.
        //   severity (38+5)/(40+10) = .86, false positives (30+5)/50 = .70
        //   metric weights weightMass / (n + 10): severity .6·40/50 = .48, false positives .4·40/50 = .32 (total .8)
        //   composite = (.48·.86 + .32·.70) / .8 = .6368 / .8 = .796 → 796
        //   cases (.48·40 + .32·40) / .8 = 40 → confidence 40/(40+50) = .444
        //   (both metrics always see the same number of cases below, so their weights keep the ratio .6 : .4)
        //   reputation untouched: Beta(5,5) → 500, confidence 0.
        outcome(agent.id, { at: T, sev: [38, 2], fp: [30, 10], passed: true }),
        // Run 2, 90 days (one composite half-life) later: the earlier tallies halve to severity 19/1, fp 15/5.
        //   severity 15/5 → 34/6 → (34+5)/50 = .78; fp 20/0 → 35/5 → 40/50 = .80
        //   composite = .6·.78 + .4·.80 = .788 → 788; cases 40 → .444
        //   failed (no critical clause) → 5 bad: reputation (0+5)/(5+10) = .3333 → 333, confidence 5/45 = .111
        outcome(agent.id, { at: T + 90 * DAY, judgedAt: T + 90 * DAY + MINUTE, sev: [15, 5], fp: [20, 0], passed: false }),
        // Run 3, same instant, failed the critical clause: severity 10/10 → 44/16 → 49/70 = .70; fp 20/0 → 55/5 → 60/70 = .857142…
        //   composite = .42 + .342857 = .762857 → 763; cases 60 → 60/110 = .545
        //   15 more bad → 20: reputation 5/30 = .1667 → 167, confidence 20/60 = .333
        outcome(agent.id, {
          at: T + 90 * DAY,
          judgedAt: T + 90 * DAY + 2 * MINUTE,
          sev: [10, 10],
          fp: [20, 0],
          passed: false,
          critical: ["severity-accuracy"],
        }),
        // Run 4, same instant, met its pact: severity 20/0 → 64/16 → 69/90 = .7667; fp 20/0 → 75/5 → 80/90 = .8889
        //   composite = .46 + .355556 = .815556 → 816; cases 80 → 80/130 = .615; reputation unchanged.
        outcome(agent.id, { at: T + 90 * DAY, judgedAt: T + 90 * DAY + 3 * MINUTE, sev: [20, 0], fp: [20, 0], passed: true }),
      ];
      const expected = [
        { compositeScore: 796, compositeConfidence: 0.444, reputationScore: 500, reputationConfidence: 0 },
        { compositeScore: 788, compositeConfidence: 0.444, reputationScore: 333, reputationConfidence: 0.111 },
        { compositeScore: 763, compositeConfidence: 0.545, reputationScore: 167, reputationConfidence: 0.333 },
        { compositeScore: 816, compositeConfidence: 0.615, reputationScore: 167, reputationConfidence: 0.333 },
      ];

      const bad: number[] = [];
      for (const [i, run] of runs.entries()) {
        expect(await recordOutcome(run), `run ${i + 1}`).toMatchObject(expected[i]!);
        bad.push((await profileOf(agent.id)).scoringState.bad);
        if (i === 2) {
          // The replayed run changes nothing anywhere.
          const before = await snapshot(agent.id);
          const evidence = await harness.count("trust_evaluation_evidence");
          expect(await recordOutcome(run)).toBeNull();
          expect(await snapshot(agent.id)).toEqual(before);
          expect(await harness.count("trust_evaluation_evidence")).toBe(evidence);
        }
      }

      // Breach evidence: 0, +5 (failed run), +15 (failed critical clause), 0 (passed).
      expect(bad).toEqual([0, 5, 20, 20]);
      const profile = await profileOf(agent.id);
      // Each metric's weightMass is Σ pact weight × cases, halved with the cases at run 2:
      //   severity .6·40·½ + .6·20 + .6·20 + .6·20 = 48 (= .6 × its 80 cases); false positives .4 × 80 = 32.
      // Every run gave both metrics the same cases, so their weights, 48/90 and 32/90, keep the pact's .6 : .4.
      expect(profile.scoringState.metrics[SEV]).toMatchObject({ passed: 64, failed: 16 });
      expect(profile.scoringState.metrics[FP]).toMatchObject({ passed: 75, failed: 5 });
      expect(profile.scoringState.metrics[SEV]!.weightMass).toBeCloseTo(48, 9);
      expect(profile.scoringState.metrics[FP]!.weightMass).toBeCloseTo(32, 9);
      expect(profile.scoringState).toMatchObject({ asOf: T + 90 * DAY, good: 0, bad: 20 });
      expect(profile).toMatchObject({
        casesPassed: expect.any(Number),
        evaluationRuns: 4,
        passingStreak: 1,
        consequence: "REQUIRE_HUMAN_REVIEW",
        tier: "UNRATED",
        eligible: false,
      });

      // One score-history row per run, caused by it, at its judging time.
      expect(
        (await scoreRows(agent.id)).map(
          ({ compositeScore, compositeConfidence, reputationScore, reputationConfidence, cause, causeId, recordedAt }) => ({
            compositeScore,
            compositeConfidence,
            reputationScore,
            reputationConfidence,
            cause,
            causeId,
            recordedAt: recordedAt.getTime(),
          }),
        ),
      ).toEqual(
        runs.map((run, i) => ({ ...expected[i], cause: "EVALUATION_RUN", causeId: run.runId, recordedAt: run.judgedAt.getTime() })),
      );

      // Eligibility history only when eligible, tier or consequence changed: runs 1–3, not run 4.
      const eligibility = await eligibilityRows(agent.id);
      expect(
        eligibility.map(({ eligible, tier, consequence, cause, causeId }) => ({ eligible, tier, consequence, cause, causeId })),
      ).toEqual([
        { eligible: true, tier: "BRONZE", consequence: null, cause: "EVALUATION_RUN", causeId: runs[0]!.runId },
        // A breach without a critical clause is the ladder's business; the WARN is what changed.
        { eligible: true, tier: "BRONZE", consequence: "WARN", cause: "EVALUATION_RUN", causeId: runs[1]!.runId },
        { eligible: false, tier: "UNRATED", consequence: "REQUIRE_HUMAN_REVIEW", cause: "EVALUATION_RUN", causeId: runs[2]!.runId },
      ]);
      expect(eligibility[1]!.reasons).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^latest evaluation run did not meet its pact's pass threshold/),
          "consequence ladder stands at WARN",
        ]),
      );
      expect(eligibility[2]!.reasons).toEqual(
        expect.arrayContaining([
          "unrated: reputation score 167 is below the 450 that BRONZE needs",
          "production reputation 167 trails demonstrated capability 763 by 596 points",
          "latest evaluation run failed critical clause(s): severity-accuracy",
          "consequence ladder stands at REQUIRE_HUMAN_REVIEW",
        ]),
      );
      expect(eligibility.every((row) => row.policyVersion === "listing-2026.12-1")).toBe(true);
    });
  });

  describe("incremental updates and a full recompute", () => {
    it("agree after runs out of order, KPI reports, two pacts' weights, and disputes upheld, reversed, replayed and reordered", async () => {
      const owner = "iris";
      const agent = await harness.seedAgent(owner, [AgentDomain.ALERT_TRIAGE]);
      const now = Date.now();
      const T = now - 40 * DAY;
      const pactV1 = "00000000-0000-4000-8000-000000000001";
      const pactV2 = "00000000-0000-4000-8000-000000000002";
      const d1 = { agentId: agent.id, disputeId: "d-1", severity: "MAJOR" as const, occurredAt: new Date(T + 5 * DAY) };
      const d2 = { agentId: agent.id, disputeId: "d-2", severity: "MINOR" as const, occurredAt: new Date(T + 15 * DAY) };

      // In arrival order, which is not the order the evidence happened in.
      await dispute({ ...d1, version: 1, open: true, upheld: false, at: new Date() });
      await record(agent.id, {
        at: T + 20 * DAY,
        judgedAt: T + 20 * DAY + 5 * MINUTE,
        sev: [36, 4],
        fp: [38, 2],
        passed: true,
        pactId: pactV1,
      });
      expect(
        dataOf(
          await submit(
            kpis(agent.id, isoWeekOf(new Date(now - 14 * DAY)), {
              severityAccuracy: 0.93,
              escalationQuality: 0.88,
              falsePositiveLoad: 0.12,
              timeToContainmentMinutes: 300,
              alertsHandled: 800,
              humanOverrides: 40,
            }),
            BUYER("soc-a"),
          ),
        ),
      ).toEqual({ submitKpiReport: true });
      await record(agent.id, {
        at: T,
        judgedAt: T + 21 * DAY,
        sev: [20, 20],
        fp: [30, 10],
        passed: false,
        critical: ["severity-accuracy"],
        pactId: pactV1,
      });
      await dispute({ ...d1, version: 2, open: false, upheld: true, at: new Date() });
      await record(agent.id, { at: T + 10 * DAY, judgedAt: T + 22 * DAY, sev: [35, 5], fp: [25, 15], passed: false, pactId: pactV1 });
      expect(
        dataOf(
          await submit(kpis(agent.id, isoWeekOf(new Date(now - 7 * DAY)), { severityAccuracy: 0.8, humanOverrides: 10 }), BUILDER(owner)),
        ),
      ).toEqual({ submitKpiReport: true });
      await dispute({ ...d1, version: 3, open: false, upheld: false, at: new Date() });
      // A redelivered upheld verdict after the reversal is stale: it must not count d-1 again.
      await dispute({ ...d1, version: 2, open: false, upheld: true, at: new Date() });
      // d-2's verdict overtakes its filing; the filing, arriving after, is stale.
      await dispute({ ...d2, version: 2, open: false, upheld: true, at: new Date() });
      await dispute({ ...d2, version: 1, open: true, upheld: false, at: new Date() });
      // The pact was amended (weights .7/.3); an older run of the first version (.5/.5) is judged after it.
      await record(agent.id, {
        at: T + 30 * DAY,
        judgedAt: T + 30 * DAY + HOUR,
        sev: [40, 0],
        fp: [37, 3],
        passed: true,
        weights: [0.7, 0.3],
        pactId: pactV2,
        pactVersion: 2,
      });
      await record(agent.id, {
        at: T + 25 * DAY,
        judgedAt: T + 31 * DAY,
        sev: [33, 7],
        fp: [39, 1],
        passed: true,
        weights: [0.5, 0.5],
        pactId: pactV1,
      });
      expect(dataOf(await submit(kpis(agent.id, isoWeekOf(new Date(now - 21 * DAY)), { escalationQuality: 0.7 }), BUYER("soc-b")))).toEqual(
        { submitKpiReport: true },
      );
      await dispute({
        agentId: agent.id,
        disputeId: "d-3",
        version: 1,
        severity: "CRITICAL",
        open: true,
        upheld: false,
        occurredAt: new Date(now - DAY),
        at: new Date(),
      });

      const incremental = await profileOf(agent.id);
      // Each metric's weight is its pact weights averaged over its evidence: Σ weight · cases · 2^(−age / 90 days).
      // Every run gave both clauses 40 cases, at T+20, T, T+10 (pact v1: .6/.4), T+30 (v2: .7/.3) and T+25 (v1 again: .5/.5).
      const age = (at: number) => 2 ** (-(incremental.scoringState.asOf - at) / (90 * DAY));
      const runs = [
        [T + 20 * DAY, 0.6, 0.4],
        [T, 0.6, 0.4],
        [T + 10 * DAY, 0.6, 0.4],
        [T + 30 * DAY, 0.7, 0.3],
        [T + 25 * DAY, 0.5, 0.5],
      ] as const;
      const sevMass = runs.reduce((sum, [at, sev]) => sum + sev * 40 * age(at), 0);
      const fpMass = runs.reduce((sum, [at, , fp]) => sum + fp * 40 * age(at), 0);
      const cases = runs.reduce((sum, [at]) => sum + 40 * age(at), 0);
      expect(incremental.scoringState.metrics[SEV]!.weightMass).toBeCloseTo(sevMass, 9);
      expect(incremental.scoringState.metrics[FP]!.weightMass).toBeCloseTo(fpMass, 9);
      // Blended: neither the newest pact's .7 nor the late-judged run's .5 alone.
      const sevWeight = sevMass / cases;
      expect(sevWeight).toBeGreaterThan(0.6);
      expect(sevWeight).toBeLessThan(0.7);
      expect(incremental.consequenceTerms?.pactId).toBe(pactV2);
      expect(incremental.openCriticalDisputes).toBe(1);
      expect(
        (await disputeRows(agent.id)).map(({ disputeId, version, severity, criticalOpen, upheld }) => ({
          disputeId,
          version,
          severity,
          criticalOpen,
          upheld,
        })),
      ).toEqual([
        { disputeId: "d-1", version: 3, severity: "MAJOR", criticalOpen: false, upheld: false },
        { disputeId: "d-2", version: 2, severity: "MINOR", criticalOpen: false, upheld: true },
        { disputeId: "d-3", version: 1, severity: "CRITICAL", criticalOpen: true, upheld: false },
      ]);

      for (const [identity, code] of [
        [BUILDER(owner), "FORBIDDEN"],
        [BUYER("soc-a"), "FORBIDDEN"],
        [ANONYMOUS, "UNAUTHENTICATED"],
      ] as const) {
        expect(errorOf(await harness.call(RECOMPUTE, { agentId: agent.id }, identity))).toMatchObject({ code });
      }
      expect(errorOf(await harness.call(RECOMPUTE, { agentId: randomUUID() }, ARBITER))).toMatchObject({
        code: "NOT_FOUND",
        field: "agentId",
      });
      // 5 runs + 3 reports + 4 dispute reports that moved reputation or the open critical count: d-1's
      // MAJOR filing moved neither, and the 2 stale ones wrote nothing.
      expect((await scoreRows(agent.id)).length).toBe(12);
      expect((await scoreRows(agent.id)).filter((row) => row.cause === "DISPUTE").map((row) => row.causeId)).toEqual([
        "d-1",
        "d-1",
        "d-2",
        "d-3",
      ]);

      const recomputed = dataOf(await harness.call(RECOMPUTE, { agentId: agent.id }, ARBITER)).recomputeTrust;
      const stored = await profileOf(agent.id);

      const scores = (p: Data) => ({
        compositeScore: p.compositeScore,
        compositeConfidence: p.compositeConfidence,
        reputationScore: p.reputationScore,
        reputationConfidence: p.reputationConfidence,
      });
      expect(scores(recomputed)).toEqual(scores(incremental));
      expect(scores(stored)).toEqual(scores(incremental));
      const [a, b] = [incremental.scoringState, stored.scoringState];
      expect(b.asOf).toBe(a.asOf);
      expect(Object.keys(b.metrics).sort()).toEqual(Object.keys(a.metrics).sort());
      for (const metric of Object.keys(a.metrics)) {
        for (const field of ["passed", "failed", "weightMass"] as const) {
          expect(Math.abs(b.metrics[metric]![field] - a.metrics[metric]![field]), `${metric} ${field}`).toBeLessThan(1e-9);
        }
      }
      expect(Math.abs(b.good - a.good)).toBeLessThan(1e-9);
      expect(Math.abs(b.bad - a.bad)).toBeLessThan(1e-9);
      // The reversal cancelled d-1 but d-2 and two breaches still count.
      expect(a.bad).toBeGreaterThan(0);
      expect(stored).toMatchObject({ tier: incremental.tier, eligible: incremental.eligible, openCriticalDisputes: 1 });
      const last = (await scoreRows(agent.id)).at(-1)!;
      // The public history names the act, not the arbiter.
      expect(last).toMatchObject({ cause: "RECOMPUTE", ...scores(incremental) });
      expect(last.causeId).not.toContain(ARBITER.subject);
    });

    it("agree when a dispute is upheld and reversed at the instant of earlier bad evidence", async () => {
      const agent = await harness.seedAgent("ivan", [AgentDomain.ALERT_TRIAGE]);
      const T = Date.now() - 10 * DAY;
      // A breached run: 5 bad → reputation (0+5)/(5+5+5) = 333 at 5/45 = .111.
      await record(agent.id, FAIL(T));
      // A MAJOR dispute about the same moment, upheld (+20 bad: 5/35 → 143 at 25/65 = .385) then reversed (−20 bad): back to 333.
      const report = { agentId: agent.id, disputeId: "d-same-instant", severity: "MAJOR" as const, occurredAt: new Date(T), open: false };
      expect(await dispute({ ...report, version: 1, upheld: true, at: new Date() })).toMatchObject({
        reputationScore: 143,
        reputationConfidence: 0.385,
      });
      const incremental = await dispute({ ...report, version: 2, upheld: false, at: new Date() });
      expect(incremental).toMatchObject({ reputationScore: 333, reputationConfidence: 0.111 });

      const recomputed = dataOf(await harness.call(RECOMPUTE, { agentId: agent.id }, ARBITER)).recomputeTrust;

      // The fold sees the dispute's stored state, no longer upheld: the same 5 bad.
      expect({ reputationScore: recomputed.reputationScore, reputationConfidence: recomputed.reputationConfidence }).toEqual({
        reputationScore: 333,
        reputationConfidence: 0.111,
      });
      expect((await profileOf(agent.id)).scoringState.bad).toBeCloseTo(5, 9);
    });
  });

  describe("the consequence ladder (DEFAULT_LADDER and DEFAULT_ROUTE)", () => {
    const owner = "lena";
    let agentId: string;
    let lastEscalations = 0;
    const now = Date.now();
    const T = now - 120 * DAY;
    /** The consequence-ladder escalations (steps taken or lifted) written since the last call. */
    const newEscalations = async () => {
      const rows = ladderOnly(await escalationRows(agentId));
      const fresh = rows.slice(lastEscalations);
      lastEscalations = rows.length;
      return fresh;
    };

    beforeAll(async () => {
      agentId = (await harness.seedAgent(owner, [AgentDomain.ALERT_TRIAGE])).id;
      // Production evidence first (buyers' reports of a week ~3 weeks back), so that reputation
      // stays above BRONZE's bar through the breaches below: the suspension, not the tier, is then
      // what keeps the agent off the marketplace. No run yet, so no ladder runs for these.
      for (const soc of ["soc-1", "soc-2", "soc-3", "soc-4"]) {
        expect(dataOf(await submit(kpis(agentId, isoWeekOf(new Date(now - 21 * DAY)), { humanOverrides: 0 }), BUYER(soc)))).toEqual({
          submitKpiReport: true,
        });
      }
      expect(await escalationRows(agentId)).toEqual([]);
    });

    it("fires WARN on one breach, told to the route's recipients, owned and due by the pact's terms", async () => {
      await record(agentId, PASS(T));
      expect(await newEscalations()).toEqual([]);
      const breach = outcome(agentId, FAIL(T + DAY));

      await recordOutcome(breach);

      const [warn, ...others] = await newEscalations();
      expect(others).toEqual([]);
      expect(warn).toMatchObject({
        agentId,
        pactId: breach.pactId,
        action: "WARN",
        direction: "FIRED",
        notify: ["ESCALATION_OWNER"],
        ownerTeam: OWNER.team,
        ownerContact: OWNER.contact,
        reason: "1 breach(es) within 30 days (trigger: 1)",
        cause: "EVALUATION_RUN",
        causeId: breach.runId,
        acknowledgedAt: null,
      });
      expect(warn!.createdAt.getTime()).toBe(breach.judgedAt.getTime());
      expect(warn!.ackDueAt!.getTime()).toBe(breach.judgedAt.getTime() + 45 * MINUTE);
      expect(await profileOf(agentId)).toMatchObject({ consequence: "WARN", consequenceSince: breach.judgedAt });
      expect((await profileOf(agentId)).reasons).toContain("consequence ladder stands at WARN");
    });

    it("keeps WARN while the breach is inside its window, and lifts it after a passing run once it is not", async () => {
      await record(agentId, PASS(T + 10 * DAY));
      expect(await newEscalations()).toEqual([]);
      expect((await profileOf(agentId)).consequence).toBe("WARN");

      const recovery = outcome(agentId, PASS(T + 32 * DAY));
      await recordOutcome(recovery);

      const [lifted, ...others] = await newEscalations();
      expect(others).toEqual([]);
      expect(lifted).toMatchObject({
        action: "WARN",
        direction: "LIFTED",
        notify: ["ESCALATION_OWNER"],
        ackDueAt: null,
        causeId: recovery.runId,
        reason: expect.stringMatching(/^recovered: \d+ consecutive passing run\(s\)$/),
      });
      expect(await profileOf(agentId)).toMatchObject({ consequence: null, consequenceSince: null, eligible: true });
    });

    it("fires REQUIRE_HUMAN_REVIEW on the second breach, and lifts it after its three passing runs", async () => {
      await record(agentId, FAIL(T + 40 * DAY));
      expect((await newEscalations()).map((e) => [e.action, e.direction])).toEqual([["WARN", "FIRED"]]);
      const second = outcome(agentId, FAIL(T + 40 * DAY + HOUR));
      await recordOutcome(second);
      const [review] = await newEscalations();
      expect(review).toMatchObject({
        action: "REQUIRE_HUMAN_REVIEW",
        direction: "FIRED",
        notify: ["ESCALATION_OWNER", "BUILDER"],
        reason: "2 breach(es) within 30 days (trigger: 2)",
        causeId: second.runId,
      });
      expect(review!.ackDueAt!.getTime()).toBe(second.judgedAt.getTime() + 45 * MINUTE);

      // Out of the breach window, but only the third consecutive passing run opens the way back.
      await record(agentId, PASS(T + 71 * DAY));
      await record(agentId, PASS(T + 71 * DAY + HOUR));
      expect(await newEscalations()).toEqual([]);
      expect((await profileOf(agentId)).consequence).toBe("REQUIRE_HUMAN_REVIEW");
      await record(agentId, PASS(T + 71 * DAY + 2 * HOUR));
      expect((await newEscalations()).map((e) => [e.action, e.direction, e.reason])).toEqual([
        ["REQUIRE_HUMAN_REVIEW", "LIFTED", "recovered: 3 consecutive passing run(s)"],
      ]);
      expect((await profileOf(agentId)).consequence).toBeNull();
    });

    it("climbs to SUSPEND_LISTING on five breaches, which keeps the agent off the marketplace even after a passing run", async () => {
      const base = T + 100 * DAY;
      const steps: (string | null)[] = [];
      const breaches = Array.from({ length: 5 }, (_, i) => outcome(agentId, FAIL(base + i * HOUR)));
      for (const breach of breaches) {
        await recordOutcome(breach);
        const fresh = await newEscalations();
        steps.push(fresh.length ? `${fresh[0]!.action} ${fresh[0]!.direction}` : null);
        expect(fresh.length).toBeLessThanOrEqual(1);
      }
      expect(steps).toEqual(["WARN FIRED", "REQUIRE_HUMAN_REVIEW FIRED", "THROTTLE FIRED", null, "SUSPEND_LISTING FIRED"]);
      // The suspension takes the listing away: that is told as well, beside the ladder's step.
      expect(await profileOf(agentId)).toMatchObject({ consequence: "SUSPEND_LISTING", eligible: false });
      expect(
        (await escalationRows(agentId))
          .filter((e) => e.causeId === breaches[4]!.runId)
          .map((e) => e.direction)
          .sort(),
      ).toEqual(["FIRED", "UNLISTED"]);
      const suspension = ladderOnly(await escalationRows(agentId)).at(-1)!;
      expect(suspension.notify).toEqual(["ESCALATION_OWNER", "BUILDER", "ARBITERS", "BUYERS"]);
      expect(suspension.reason).toBe("5 breach(es) within 30 days (trigger: 5)");

      await record(agentId, PASS(base + 5 * HOUR));

      expect(await newEscalations()).toEqual([]);
      const profile = await profileOf(agentId);
      expect(profile).toMatchObject({ consequence: "SUSPEND_LISTING", lastRunPassed: true, openCriticalDisputes: 0, eligible: false });
      // Everything else would list it: a tier, a passing latest run, no dispute.
      expect(profile.tier).not.toBe("UNRATED");
      expect(profile.reasons).toContain("consequence ladder stands at SUSPEND_LISTING");
      // The listing decision recorded when the suspension was taken (the KPI reports' rows were decided later, in real time).
      expect((await eligibilityRows(agentId)).find((row) => row.causeId === breaches[4]!.runId)).toMatchObject({
        eligible: false,
        consequence: "SUSPEND_LISTING",
        cause: "EVALUATION_RUN",
      });
    });

    it("reaches DELIST on the eighth breach; only an arbiter lifts it, and then old breaches no longer count", async () => {
      const base = T + 100 * DAY + 6 * HOUR;
      for (let i = 0; i < 3; i += 1) await record(agentId, FAIL(base + i * HOUR));
      expect((await newEscalations()).map((e) => `${e.action} ${e.direction}`)).toEqual(["DELIST FIRED"]);
      expect((await profileOf(agentId)).consequence).toBe("DELIST");

      const lifted = dataOf(await harness.call(LIFT, { agentId, reason: "remediated after review" }, ARBITER)).liftConsequence;

      expect(lifted).toMatchObject({ consequence: null, consequenceSince: null });
      const [liftRow] = await newEscalations();
      // The escalation (owner and arbiters only) names the arbiter; the public histories name only the act.
      expect(liftRow).toMatchObject({
        action: "DELIST",
        direction: "LIFTED",
        cause: "ARBITER",
        reason: `lifted by arbiter ${ARBITER.subject}: remediated after review`,
        ackDueAt: null,
      });
      const act = liftRow!.causeId;
      // The public act is a fresh UUID, never the arbiter: a substring check failed whenever the
      // random hex happened to spell the arbiter's name ("ada").
      expect(act).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect((await eligibilityRows(agentId)).at(-1)).toMatchObject({ consequence: null, cause: "ARBITER", causeId: act });
      expect((await scoreRows(agentId)).at(-1)).toMatchObject({ cause: "ARBITER", causeId: act });

      // A lift tells, but takes no acknowledgement: acknowledging it is a CONFLICT, for the owner
      // and for an arbiter alike, and writes nothing.
      const beforeAck = await snapshot(agentId);
      for (const identity of [BUILDER(owner), ARBITER]) {
        expect(errorOf(await harness.call(ACK, { id: liftRow!.id }, identity)), identity.role).toMatchObject({
          code: "CONFLICT",
          field: "escalationId",
        });
      }
      expect(await snapshot(agentId)).toEqual(beforeAck);
      expect((await harness.dataSource.getRepository(Escalation).findOneByOrFail({ id: liftRow!.id })).acknowledgedAt).toBeNull();

      // The eight breaches of the last three weeks are still inside the 30-day window, but the lift
      // reset the ladder: one new breach is one breach, a WARN, not a DELIST again.
      await record(agentId, FAIL(Date.now() + MINUTE));
      const fresh = await newEscalations();
      expect(fresh.map((e) => [e.action, e.direction, e.reason])).toEqual([["WARN", "FIRED", "1 breach(es) within 30 days (trigger: 1)"]]);
      expect((await profileOf(agentId)).consequence).toBe("WARN");
    });

    it("keeps DELIST through passing runs after its breaches age out; refuses non-arbiters and a lift with nothing standing, writing nothing", async () => {
      const persistentOwner = "milo";
      const agent = (await harness.seedAgent(persistentOwner, [AgentDomain.ALERT_TRIAGE])).id;
      const base = Date.now() - 100 * DAY;
      await record(agent, PASS(base));
      for (let i = 0; i < 8; i += 1) await record(agent, FAIL(base + DAY + i * HOUR));
      expect(ladderOnly(await escalationRows(agent)).map((e) => e.action)).toEqual([
        "WARN",
        "REQUIRE_HUMAN_REVIEW",
        "THROTTLE",
        "SUSPEND_LISTING",
        "DELIST",
      ]);
      // 40 days on, the breaches are out of every window and six runs passed: DELIST has no way back.
      for (let i = 0; i < 6; i += 1) await record(agent, PASS(base + 40 * DAY + i * HOUR));
      expect(ladderOnly(await escalationRows(agent)).map((e) => e.action)).toEqual([
        "WARN",
        "REQUIRE_HUMAN_REVIEW",
        "THROTTLE",
        "SUSPEND_LISTING",
        "DELIST",
      ]);
      expect(await profileOf(agent)).toMatchObject({ consequence: "DELIST", passingStreak: 6, eligible: false });

      const before = await snapshot(agent);
      for (const [identity, code] of [
        [BUILDER(persistentOwner), "FORBIDDEN"],
        [BUYER("soc-1"), "FORBIDDEN"],
        [ANONYMOUS, "UNAUTHENTICATED"],
      ] as const) {
        expect(errorOf(await harness.call(LIFT, { agentId: agent, reason: "please" }, identity)), identity.role).toMatchObject({ code });
      }
      expect(errorOf(await harness.call(LIFT, { agentId: agent, reason: "   " }, ARBITER))).toMatchObject({
        code: "BAD_USER_INPUT",
        field: "reason",
      });
      expect(errorOf(await harness.call(LIFT, { agentId: randomUUID(), reason: "unknown" }, ARBITER))).toMatchObject({
        code: "NOT_FOUND",
        field: "agentId",
      });
      // Its owner, acting as an arbiter, may not lift it.
      expect(
        errorOf(await harness.call(LIFT, { agentId: agent, reason: "mine" }, { role: "arbiter", subject: persistentOwner })),
      ).toMatchObject({
        code: "FORBIDDEN",
      });
      expect(await snapshot(agent)).toEqual(before);

      expect(dataOf(await harness.call(LIFT, { agentId: agent, reason: "appeal granted" }, ARBITER)).liftConsequence).toMatchObject({
        consequence: null,
      });
      const afterLift = await snapshot(agent);
      expect(errorOf(await harness.call(LIFT, { agentId: agent, reason: "again" }, ARBITER))).toMatchObject({
        code: "CONFLICT",
        field: "agentId",
      });
      expect(await snapshot(agent)).toEqual(afterLift);
      // No consequence stands any more; forty bad pseudo-observations from the breaches still keep its reputation (and so its tier) down.
      expect(afterLift.profile).toMatchObject({ consequence: null, consequenceSince: null });
      expect(afterLift.profile!.reasons.some((reason) => reason.startsWith("consequence ladder"))).toBe(false);
    });

    it("restarts the passing streak when a step fires: a REQUIRE_HUMAN_REVIEW fired by drift takes three passing runs after it, not before", async () => {
      const agent = (await harness.seedAgent("nils", [AgentDomain.ALERT_TRIAGE])).id;
      const base = Date.now() - 10 * DAY;
      // Every run below met its pact; only its share of passing cases moves, which is what the
      // evaluation CUSUM watches (k .02, h .06; a standing alarm clears only at h/2 = .03 or below).
      // The agent is younger than the 30-day score-drop window and never breaches: drift is the only trigger.
      const share = (i: number, passed: number): RunSpec => ({
        at: base + i * HOUR,
        sev: [passed, 40 - passed],
        fp: [40, 0],
        passed: true,
      });
      const ladderRows = async () => ladderOnly(await escalationRows(agent)).map((e) => [e.action, e.direction, e.reason]);

      // Four baseline runs at 38/40 = .95: baseline .95, four passing runs in a row.
      for (let i = 0; i < 4; i += 1) await record(agent, share(i, 38));
      expect(await profileOf(agent)).toMatchObject({ passingStreak: 4, driftAlarm: false, consequence: null });

      // Run 5 at 34/40 = .85: S = .95 − .85 − .02 = .08 > .06. The alarm fires REQUIRE_HUMAN_REVIEW, and
      // the streak (5 passing runs, all before the step) restarts at 0.
      const fifth = outcome(agent, share(4, 34));
      await recordOutcome(fifth);
      expect(await ladderRows()).toEqual([["REQUIRE_HUMAN_REVIEW", "FIRED", "drift detection raised an alarm"]]);
      expect(await profileOf(agent)).toMatchObject({
        passingStreak: 0,
        driftAlarm: true,
        driftRaisedAt: fifth.judgedAt,
        consequence: "REQUIRE_HUMAN_REVIEW",
      });

      // Run 6 at 39/40 = .975: S = .08 + .95 − .975 − .02 = .035, under h but not under h/2: the alarm
      // still stands, raised when it was. Streak 1.
      await record(agent, share(5, 39));
      expect(await profileOf(agent)).toMatchObject({
        passingStreak: 1,
        driftAlarm: true,
        driftRaisedAt: fifth.judgedAt,
        consequence: "REQUIRE_HUMAN_REVIEW",
      });

      // Run 7 at 40/40: S = max(0, .035 + .95 − 1 − .02) = 0: cleared, so the trigger no longer holds,
      // but the way back needs 3 passing runs after the step and has 2 (counting all, it would have 7).
      await record(agent, share(6, 40));
      expect(await profileOf(agent)).toMatchObject({
        passingStreak: 2,
        driftAlarm: false,
        driftRaisedAt: null,
        consequence: "REQUIRE_HUMAN_REVIEW",
      });
      expect(await ladderRows()).toHaveLength(1);

      // Run 8, the third passing run after the step, opens the way back.
      const eighth = outcome(agent, share(7, 40));
      await recordOutcome(eighth);
      expect(await ladderRows()).toEqual([
        ["REQUIRE_HUMAN_REVIEW", "FIRED", "drift detection raised an alarm"],
        ["REQUIRE_HUMAN_REVIEW", "LIFTED", "recovered: 3 consecutive passing run(s)"],
      ]);
      expect(ladderOnly(await escalationRows(agent)).at(-1)).toMatchObject({ causeId: eighth.runId, ackDueAt: null });
      expect(await profileOf(agent)).toMatchObject({ passingStreak: 3, consequence: null });
    });

    it("counts the passing streak in submission order: a late-judged older run neither extends nor breaks it", async () => {
      const agent = (await harness.seedAgent("otto", [AgentDomain.ALERT_TRIAGE])).id;
      const base = Date.now() - 10 * DAY;
      // One rung: a WARN on one breach within a day, lifted by three consecutive passing runs.
      const ladder = [{ action: ConsequenceAction.WARN, trigger: { breachCount: 1, breachWindowDays: 1 }, recovery: { passingRuns: 3 } }];
      const judged = (spec: RunSpec) => {
        const run = outcome(agent, spec);
        return { ...run, terms: { ...run.terms, ladder } };
      };
      const ladderRows = async () => ladderOnly(await escalationRows(agent)).map((e) => [e.action, e.direction, e.reason]);

      await recordOutcome(judged(FAIL(base)));
      expect(await ladderRows()).toEqual([["WARN", "FIRED", "1 breach(es) within 1 days (trigger: 1)"]]);
      // Two days on the breach has left its window; two passing runs of the three the way back needs.
      await recordOutcome(judged(PASS(base + 2 * DAY)));
      await recordOutcome(judged(PASS(base + 2 * DAY + HOUR)));
      expect(await profileOf(agent)).toMatchObject({ passingStreak: 2, consequence: "WARN" });

      // A passing run submitted a day before them, judged only now: evidence, but not the third in a row.
      const late = judged(PASS(base + DAY, base + 2 * DAY + 2 * HOUR));
      await recordOutcome(late);
      expect(await profileOf(agent)).toMatchObject({
        passingStreak: 2,
        consequence: "WARN",
        evaluationRuns: 4,
        lastRunSubmittedAt: new Date(base + 2 * DAY + HOUR),
      });
      expect(await ladderRows()).toHaveLength(1);

      // The next submitted run is the third.
      await recordOutcome(judged(PASS(base + 2 * DAY + 3 * HOUR)));
      expect(await ladderRows()).toEqual([
        ["WARN", "FIRED", "1 breach(es) within 1 days (trigger: 1)"],
        ["WARN", "LIFTED", "recovered: 3 consecutive passing run(s)"],
      ]);
      expect(await profileOf(agent)).toMatchObject({ passingStreak: 3, consequence: null });

      // A failing run submitted before all of them, judged now: a breach (5 bad, outside the one-day
      // window), but it breaks no streak of the newer runs and does not decide the listing.
      const before = await profileOf(agent);
      await recordOutcome(judged(FAIL(base - HOUR, base + 2 * DAY + 4 * HOUR)));
      const after = await profileOf(agent);
      expect(after).toMatchObject({
        passingStreak: 3,
        consequence: null,
        lastRunPassed: true,
        eligible: before.eligible,
        evaluationRuns: 6,
      });
      expect(after.scoringState.bad - before.scoringState.bad).toBeCloseTo(5 * 2 ** (-(2 * DAY + 4 * HOUR) / (60 * DAY)), 9);
      expect(await ladderRows()).toHaveLength(2);

      // A failing newest run breaks it.
      await recordOutcome(judged(FAIL(base + 2 * DAY + 5 * HOUR)));
      expect(await profileOf(agent)).toMatchObject({ passingStreak: 0, consequence: "WARN" });
    });

    it("keeps an arbiter's lift: the next passing run does not fall from a score from before the lift", async () => {
      const owner = "olaf";
      const agent = (await harness.seedAgent(owner, [AgentDomain.ALERT_TRIAGE])).id;
      const now = Date.now();
      // Run A, 40 days ago: 40/40 on both clauses → (40+5)/(40+10) = 900 at 40/90 = .444: BRONZE, listed
      // (a first listing is no news: nothing is told).
      await record(agent, { at: now - 40 * DAY, sev: [40, 0], fp: [40, 0], passed: true });
      expect(await profileOf(agent)).toMatchObject({ compositeScore: 900, compositeConfidence: 0.444, tier: "BRONZE", eligible: true });
      expect(await escalationRows(agent)).toEqual([]);

      // Run B, 5 days ago, breached: 10/40 on both clauses. A's cases decayed by 2^(−35/90) = .76355:
      //   30.542 passed + 10 → (40.542+5)/(70.542+10) = .5654 → 565 on both clauses, confidence 70.542/120.542 = .585.
      // Thirty days before it the score stood at 900 (run A): 335 points lower ≥ 200 takes SUSPEND_LISTING,
      // the harshest rung whose trigger holds (one breach alone is a WARN).
      const breach = outcome(agent, { at: now - 5 * DAY, sev: [10, 30], fp: [10, 30], passed: false });
      await recordOutcome(breach);
      expect(ladderOnly(await escalationRows(agent)).map((e) => [e.action, e.direction, e.reason])).toEqual([
        ["SUSPEND_LISTING", "FIRED", "composite score fell 335 points within 30 days (trigger: 200)"],
      ]);
      expect(await profileOf(agent)).toMatchObject({
        compositeScore: 565,
        compositeConfidence: 0.585,
        tier: "BRONZE",
        consequence: "SUSPEND_LISTING",
        eligible: false,
        passingStreak: 0,
      });
      const unlisted = (await escalationRows(agent)).find((e) => e.direction === "UNLISTED")!;
      expect(unlisted.ackDueAt!.getTime()).toBe(breach.judgedAt.getTime() + 45 * MINUTE);

      // The arbiter lifts it: BRONZE with a non-critical breach is listed again, and since the listing
      // had been lost, the regained listing is told. Neither the lift nor the listing takes an acknowledgement.
      expect(
        dataOf(await harness.call(LIFT, { agentId: agent, reason: "evaluation set was corrupted" }, ARBITER)).liftConsequence,
      ).toMatchObject({ consequence: null, eligible: true });
      const afterLift = await escalationRows(agent);
      const lift = afterLift.find((e) => e.direction === "LIFTED")!;
      const listed = afterLift.find((e) => e.direction === "LISTED")!;
      expect(lift).toMatchObject({ action: "SUSPEND_LISTING", cause: "ARBITER", ackDueAt: null });
      expect(listed).toMatchObject({
        action: null,
        cause: "ARBITER",
        reason: "eligible for listing again",
        notify: ["ESCALATION_OWNER", "BUILDER", "BUYERS"],
        ackDueAt: null,
      });
      // (Each pair shares its instant, so the rows' order within it is the ids'.)
      expect(afterLift.map((e) => e.direction).sort()).toEqual(["FIRED", "LIFTED", "LISTED", "UNLISTED"]);

      // Acknowledging the lift or the regained listing is a CONFLICT and writes nothing; the lost listing is acknowledged.
      const beforeAcks = await snapshot(agent);
      for (const row of [lift, listed]) {
        for (const identity of [BUILDER(owner), ARBITER]) {
          expect(errorOf(await harness.call(ACK, { id: row.id }, identity)), `${row.direction} by ${identity.role}`).toMatchObject({
            code: "CONFLICT",
            field: "escalationId",
          });
        }
      }
      expect(await snapshot(agent)).toEqual(beforeAcks);
      expect(dataOf(await harness.call(ACK, { id: unlisted.id }, BUILDER(owner))).acknowledgeEscalation).toMatchObject({
        direction: "UNLISTED",
        acknowledgedAt: expect.any(String),
      });

      // Run C, passing, after the lift. The state decays 5 days (2^(−5/90) = .96222):
      //   40.542·.96222 + 40 = 79.010 passed, 30·.96222 = 28.867 failed → (79.010+5)/(107.877+10) = .7127 → 713,
      //   confidence 107.877/157.877 = .683.
      // Thirty days before it the score stood at 900 again (run A): 187 points would hold THROTTLE's trigger
      // (100), but that score is from before the lift, where the ladder starts afresh.
      const later = Date.now();
      await record(agent, { at: later, judgedAt: later + MINUTE, sev: [40, 0], fp: [40, 0], passed: true });
      expect(await profileOf(agent)).toMatchObject({
        compositeScore: 713,
        compositeConfidence: 0.683,
        consequence: null,
        eligible: true,
        passingStreak: 1,
      });
      expect((await escalationRows(agent)).map((e) => e.direction).sort()).toEqual(["FIRED", "LIFTED", "LISTED", "UNLISTED"]);
    });

    it("keeps an arbiter's lift over a drift alarm raised before it, and acts on one raised after it", async () => {
      const agent = (await harness.seedAgent("petra", [AgentDomain.ALERT_TRIAGE])).id;
      const base = Date.now() - 10 * DAY;
      const share = (at: number, passed: number): RunSpec => ({ at, sev: [passed, 40 - passed], fp: [40, 0], passed: true });
      const ladderRows = async () => ladderOnly(await escalationRows(agent)).map((e) => [e.action, e.direction]);

      // Baseline .95 over four runs, then .85: S = .08 > .06, REQUIRE_HUMAN_REVIEW (as above).
      for (let i = 0; i < 4; i += 1) await record(agent, share(base + i * HOUR, 38));
      await record(agent, share(base + 4 * HOUR, 34));
      expect(await ladderRows()).toEqual([["REQUIRE_HUMAN_REVIEW", "FIRED"]]);

      expect(
        dataOf(await harness.call(LIFT, { agentId: agent, reason: "drift explained by a labelling change" }, ARBITER)).liftConsequence,
      ).toMatchObject({ consequence: null });
      const lifted = await profileOf(agent);
      expect(lifted).toMatchObject({ consequence: null, driftAlarm: true });
      expect(lifted.driftRaisedAt!.getTime()).toBeLessThan(lifted.ladderResetAt!.getTime());

      // A run at the baseline: S = .08 + .95 − .95 − .02 = .06, over h/2, so the alarm still stands,
      // but it was raised before the lift: nothing fires.
      const after = Date.now();
      await record(agent, share(after, 38));
      expect(await profileOf(agent)).toMatchObject({ consequence: null, driftAlarm: true });
      expect(await ladderRows()).toEqual([
        ["REQUIRE_HUMAN_REVIEW", "FIRED"],
        ["REQUIRE_HUMAN_REVIEW", "LIFTED"],
      ]);

      // 40/40: S = max(0, .06 + .95 − 1 − .02) = 0, cleared. Then .85 again: S = .08, raised after the lift: it fires.
      await record(agent, share(after + MINUTE, 40));
      expect(await profileOf(agent)).toMatchObject({ driftAlarm: false, driftRaisedAt: null });
      const again = outcome(agent, share(after + 2 * MINUTE, 34));
      await recordOutcome(again);
      expect(await ladderRows()).toEqual([
        ["REQUIRE_HUMAN_REVIEW", "FIRED"],
        ["REQUIRE_HUMAN_REVIEW", "LIFTED"],
        ["REQUIRE_HUMAN_REVIEW", "FIRED"],
      ]);
      expect(await profileOf(agent)).toMatchObject({
        consequence: "REQUIRE_HUMAN_REVIEW",
        driftAlarm: true,
        driftRaisedAt: again.judgedAt,
        passingStreak: 0,
      });
    });

    it("acts on a KPI drift alarm raised after an arbiter's lift, even while an evaluation alarm from before it still stands", async () => {
      const owner = "quincy";
      const agent = (await harness.seedAgent(owner, [AgentDomain.ALERT_TRIAGE])).id;
      const base = Date.now() - 10 * DAY;
      const share = (i: number, passed: number): RunSpec => ({
        at: base + i * HOUR,
        sev: [passed, 40 - passed],
        fp: [40, 0],
        passed: true,
      });
      const ladderRows = async () => ladderOnly(await escalationRows(agent)).map((e) => [e.action, e.direction, e.cause]);

      // The evaluation alarm: baseline .95 over four runs, then .85 → S = .08 > .06: REQUIRE_HUMAN_REVIEW.
      for (let i = 0; i < 4; i += 1) await record(agent, share(i, 38));
      await record(agent, share(4, 34));
      expect(await ladderRows()).toEqual([["REQUIRE_HUMAN_REVIEW", "FIRED", "EVALUATION_RUN"]]);
      // The arbiter lifts it (the evaluation alarm, S = .08, still stands, raised before the lift: it no longer counts).
      expect(
        dataOf(await harness.call(LIFT, { agentId: agent, reason: "evaluation drift explained" }, ARBITER)).liftConsequence,
      ).toMatchObject({ consequence: null });

      // After the lift, production slides: four pilot weeks at .95, then .94 and .93. The scorecard's CUSUM
      // (k .005, h .015) is .005 after .94 and .02 after .93: a KPI alarm raised in the sixth week, after the lift.
      // The ladder starts afresh after a lift, and this alarm is from after it: REQUIRE_HUMAN_REVIEW again.
      const weeks = weeksEnding(isoWeekOf(new Date()), 6);
      const accuracy = [0.95, 0.95, 0.95, 0.95, 0.94, 0.93];
      for (const [i, week] of weeks.entries()) {
        expect(dataOf(await submit(kpis(agent, week, { severityAccuracy: accuracy[i]!, humanOverrides: 0 }), BUYER("soc-q")))).toEqual({
          submitKpiReport: true,
        });
      }
      expect(await profileOf(agent)).toMatchObject({ kpiDriftAlarm: true, driftAlarm: true });
      expect(await ladderRows()).toEqual([
        ["REQUIRE_HUMAN_REVIEW", "FIRED", "EVALUATION_RUN"],
        ["REQUIRE_HUMAN_REVIEW", "LIFTED", "ARBITER"],
        ["REQUIRE_HUMAN_REVIEW", "FIRED", "KPI_REPORT"],
      ]);
      expect((await profileOf(agent)).consequence).toBe("REQUIRE_HUMAN_REVIEW");
    });
  });

  describe("KPI reports", () => {
    const thisWeek = isoWeekOf(new Date());

    it("move reputation by the reporter's weight: a buyer's report counts 10, a builder's own 5", async () => {
      const [byBuyer, byBuilder] = [
        await harness.seedAgent("nora", [AgentDomain.ALERT_TRIAGE]),
        await harness.seedAgent("omar", [AgentDomain.ALERT_TRIAGE]),
      ];

      expect(dataOf(await submit(kpis(byBuyer.id, thisWeek), BUYER("soc-k")))).toEqual({ submitKpiReport: true });
      expect(dataOf(await submit(kpis(byBuilder.id, thisWeek), BUILDER("omar")))).toEqual({ submitKpiReport: true });

      // Quality 0.9 (see kpis()). Buyer: 9 good, 1 bad → (9+5)/(10+10) = .70 → 700, confidence 10/50 = .2.
      const buyer = await profileOf(byBuyer.id);
      expect(buyer).toMatchObject({ reputationScore: 700, reputationConfidence: 0.2, compositeScore: 500, compositeConfidence: 0 });
      expect(buyer.scoringState.good).toBeCloseTo(9, 9);
      expect(buyer.scoringState.bad).toBeCloseTo(1, 9);
      // Builder: 4.5 good, .5 bad → 9.5/15 = .6333 → 633, confidence 5/45 = .111.
      const builder = await profileOf(byBuilder.id);
      expect(builder).toMatchObject({ reputationScore: 633, reputationConfidence: 0.111 });
      expect(builder.scoringState.good).toBeCloseTo(4.5, 9);
      expect(builder.scoringState.bad).toBeCloseTo(0.5, 9);

      const [report] = await harness.dataSource.query("SELECT id FROM kpi_reports WHERE agent_id = ?", [byBuyer.id]);
      expect((await scoreRows(byBuyer.id)).map(({ cause, causeId, reputationScore }) => ({ cause, causeId, reputationScore }))).toEqual([
        { cause: "KPI_REPORT", causeId: report.id, reputationScore: 700 },
      ]);
      expect(await trustOf(byBuyer.id)).toMatchObject({ reputationScore: 700, reputationConfidence: 0.2 });
    });

    it("refuses more human overrides than alerts handled as BAD_USER_INPUT on input.humanOverrides, writing nothing", async () => {
      const agent = await harness.seedAgent("pia", [AgentDomain.ALERT_TRIAGE]);
      const [reports, scores, profiles] = [
        await harness.count("kpi_reports"),
        await harness.count("trust_score_history"),
        await harness.count("trust_profiles"),
      ];

      const response = await submit(kpis(agent.id, thisWeek, { humanOverrides: 1001 }), BUYER("soc-k"));

      expect(errorOf(response)).toMatchObject({ code: "BAD_USER_INPUT", field: "input.humanOverrides" });
      expect([
        await harness.count("kpi_reports"),
        await harness.count("trust_score_history"),
        await harness.count("trust_profiles"),
      ]).toEqual([reports, scores, profiles]);
      // All of them handled by a human is allowed.
      expect(dataOf(await submit(kpis(agent.id, thisWeek, { humanOverrides: 1000 }), BUYER("soc-k")))).toEqual({ submitKpiReport: true });
    });

    it("raise the drift alarm on a sustained accuracy slide, which requires human review and nothing harsher", async () => {
      const owner = "quin";
      const agent = await harness.seedAgent(owner, [AgentDomain.ALERT_TRIAGE]);
      // A recent passing run gives the ladder its terms (recent, so that the decay the reports bring
      // to the composite stays far from the 50-point drop that would fire the same rung).
      await record(agent.id, PASS(Date.now() - 2 * DAY));
      const weeks = weeksEnding(thisWeek, 10);
      // Four pilot weeks at .95, then a point a week lower: CUSUM (k .005, h .015) is .005 after
      // .94 and .02 after .93, over the threshold in the sixth week.
      const accuracy = [0.95, 0.95, 0.95, 0.95, 0.94, 0.93, 0.92, 0.91, 0.9, 0.89];
      const alarms: boolean[] = [];
      for (const [i, week] of weeks.entries()) {
        expect(
          dataOf(await submit(kpis(agent.id, week, { severityAccuracy: accuracy[i]!, humanOverrides: 0 }), BUYER("soc-drift"))),
        ).toEqual({ submitKpiReport: true });
        alarms.push((await trustOf(agent.id)).driftAlarm);
      }

      expect(alarms).toEqual([false, false, false, false, false, true, true, true, true, true]);
      const escalations = ladderOnly(await escalationRows(agent.id));
      expect(escalations.map(({ action, direction, reason, cause, notify }) => ({ action, direction, reason, cause, notify }))).toEqual([
        {
          action: "REQUIRE_HUMAN_REVIEW",
          direction: "FIRED",
          reason: "drift detection raised an alarm",
          cause: "KPI_REPORT",
          notify: ["ESCALATION_OWNER", "BUILDER"],
        },
      ]);
      // Taken by the report of the sixth week, the one that raised the alarm.
      const [sixth] = await harness.dataSource.query("SELECT id FROM kpi_reports WHERE agent_id = ? AND week = ?", [agent.id, weeks[5]]);
      expect(escalations[0]!.causeId).toBe(sixth.id);
      expect(await trustOf(agent.id, BUILDER(owner))).toMatchObject({ driftAlarm: true, consequence: "REQUIRE_HUMAN_REVIEW" });
    });
  });

  describe("recordDisputeState", () => {
    it("counts an upheld critical dispute by the formula, blocks listing while it is open, and its reversal restores the exact reputation", async () => {
      const owner = "ruth";
      const agent = await harness.seedAgent(owner, [AgentDomain.ALERT_TRIAGE]);
      // The report first: without a judged run the agent is not listed yet.
      expect(dataOf(await submit(kpis(agent.id, isoWeekOf(new Date())), BUYER("soc-d")))).toEqual({ submitKpiReport: true });
      expect(await profileOf(agent.id)).toMatchObject({ eligible: false, evaluationRuns: 0 });
      await record(agent.id, PASS(Date.now() - 10 * DAY));
      // Its first listing is no news: it had never lost one, so nothing is told.
      expect(await profileOf(agent.id)).toMatchObject({ eligible: true, unlistedAt: null });
      expect(await escalationRows(agent.id)).toEqual([]);
      // The report (its week ends after now, so it counts as of its filing) decays the run's 40 cases by 10 days: 40·2^(−10/90) = 37.035 per metric →
      // composite (37.035+5)/(37.035+10) = .8937 → 894 at 37.035/87.035 = .4255 → .426 → BRONZE.
      // One buyer report of quality .9 → reputation (9+5)/(10+10) = 700 at 10/50 = .2.
      const listed = await profileOf(agent.id);
      expect(listed).toMatchObject({
        compositeScore: 894,
        compositeConfidence: 0.426,
        reputationScore: 700,
        reputationConfidence: 0.2,
        tier: "BRONZE",
        eligible: true,
      });
      const asOf = listed.scoringState.asOf;
      const dsp = { agentId: agent.id, disputeId: "dsp-1", severity: "CRITICAL" as const, occurredAt: new Date(asOf - 60 * DAY) };

      // Version 1: filed, open. Reputation does not move; the open critical dispute unlists the agent.
      const opened = await dispute({ ...dsp, version: 1, open: true, upheld: false, at: new Date() });
      expect(opened).toMatchObject({ eligible: false, reputationScore: 700, reputationConfidence: 0.2, openCriticalDisputes: 1 });
      expect(opened.reasons).toContain("1 open critical dispute(s)");
      expect((await eligibilityRows(agent.id)).at(-1)).toMatchObject({ eligible: false, cause: "DISPUTE", causeId: "dsp-1" });
      expect(await escalationRows(agent.id)).toEqual([
        expect.objectContaining({ direction: "UNLISTED", action: null, cause: "DISPUTE", causeId: "dsp-1", ackDueAt: expect.any(Date) }),
      ]);
      expect(await trustOf(agent.id)).toMatchObject({ eligible: false, openCriticalDisputes: 1 });

      // Version 2: closed, upheld, for behaviour 60 days (one reputation half-life) before the newest evidence:
      // 40 bad · ½ = 20 → good 9, bad 21 → (9+5)/(30+10) = .35 → 350, confidence 30/70 = .4286 → .429.
      const upheld = { ...dsp, version: 2, open: false, upheld: true };
      expect(await dispute({ ...upheld, at: new Date() })).toMatchObject({
        reputationScore: 350,
        reputationConfidence: 0.429,
        openCriticalDisputes: 0,
        tier: "UNRATED",
        eligible: false,
      });
      const afterUpheld = await profileOf(agent.id);
      expect(afterUpheld.scoringState.bad).toBeCloseTo(21, 9);
      expect(afterUpheld.reasons).toContain("unrated: reputation score 350 is below the 450 that BRONZE needs");

      // A replay of version 2, and version 1 ("open") delivered again after it: both stale. Each returns
      // the profile as it stands and writes nothing, not even the histories; the dispute is not reopened.
      const beforeStale = await snapshot(agent.id);
      expect(await dispute({ ...upheld, at: new Date() })).toEqual(beforeStale.profile);
      expect(await dispute({ ...dsp, version: 1, open: true, upheld: false, at: new Date() })).toEqual(beforeStale.profile);
      expect(await snapshot(agent.id)).toEqual(beforeStale);
      expect(beforeStale.profile).toMatchObject({ openCriticalDisputes: 0, reputationScore: 350 });

      // Version 3: reversed on appeal. Exactly the reputation before it, and listed again, which is told
      // (the listing had been lost) and takes no acknowledgement.
      const reversed = { ...dsp, version: 3, open: false, upheld: false };
      expect(await dispute({ ...reversed, at: new Date() })).toMatchObject({
        reputationScore: 700,
        reputationConfidence: 0.2,
        tier: "BRONZE",
        eligible: true,
        openCriticalDisputes: 0,
      });
      const restored = await profileOf(agent.id);
      expect(Math.abs(restored.scoringState.good - listed.scoringState.good)).toBeLessThan(1e-9);
      expect(Math.abs(restored.scoringState.bad - listed.scoringState.bad)).toBeLessThan(1e-9);
      const regained = (await escalationRows(agent.id)).at(-1)!;
      expect(regained).toMatchObject({ direction: "LISTED", action: null, cause: "DISPUTE", causeId: "dsp-1", ackDueAt: null });
      expect(errorOf(await harness.call(ACK, { id: regained.id }, BUILDER(owner)))).toMatchObject({
        code: "CONFLICT",
        field: "escalationId",
      });

      const afterReversal = await snapshot(agent.id);
      expect(await dispute({ ...reversed, at: new Date() })).toEqual(afterReversal.profile);
      expect(await dispute({ ...upheld, at: new Date() })).toEqual(afterReversal.profile);
      expect(await snapshot(agent.id)).toEqual(afterReversal);
      expect(
        afterReversal.disputes.map(({ disputeId, agentId, version, severity, criticalOpen, upheld: isUpheld, occurredAt }) => ({
          disputeId,
          agentId,
          version,
          severity,
          criticalOpen,
          upheld: isUpheld,
          occurredAt,
        })),
      ).toEqual([
        {
          disputeId: "dsp-1",
          agentId: agent.id,
          version: 3,
          severity: "CRITICAL",
          criticalOpen: false,
          upheld: false,
          occurredAt: dsp.occurredAt,
        },
      ]);
      // Dispute reports v1, v2, v3 each wrote one score-history row; the four stale ones none.
      expect((await scoreRows(agent.id)).filter((row) => row.cause === "DISPUTE")).toHaveLength(3);
    });

    it("ends in the same state whatever order a dispute's reports arrive in: a reversal delivered before the verdict it reverses", async () => {
      const T = Date.now() - 10 * DAY;
      const [inOrder, outOfOrder] = [
        (await harness.seedAgent("uma", [AgentDomain.ALERT_TRIAGE])).id,
        (await harness.seedAgent("vera", [AgentDomain.ALERT_TRIAGE])).id,
      ];
      // Each: one breach at T, 5 bad → (0+5)/(5+10) = 333 at 5/45 = .111.
      for (const agent of [inOrder, outOfOrder])
        expect(await record(agent, FAIL(T))).toMatchObject({ reputationScore: 333, reputationConfidence: 0.111 });
      const ids = { [inOrder]: randomUUID(), [outOfOrder]: randomUUID() };
      // Version 1 upholds a MAJOR dispute about behaviour 60 days before T; version 2 reverses it.
      const v1 = (agentId: string) => ({
        agentId,
        disputeId: ids[agentId]!,
        version: 1,
        severity: "MAJOR" as const,
        open: false,
        upheld: true,
        occurredAt: new Date(T - 60 * DAY),
        at: new Date(),
      });
      const v2 = (agentId: string) => ({ ...v1(agentId), version: 2, upheld: false, at: new Date() });

      // In order: 20 bad · 2^(−60/60) = 10 more → 5/(15+10) = 200 at 15/55 = .273; then exactly back.
      expect(await dispute(v1(inOrder))).toMatchObject({ reputationScore: 200, reputationConfidence: 0.273 });
      expect(await dispute(v2(inOrder))).toMatchObject({ reputationScore: 333, reputationConfidence: 0.111 });

      // Out of order: the reversal first, which has nothing to take back; the verdict after it is stale.
      expect(await dispute(v2(outOfOrder))).toMatchObject({ reputationScore: 333, reputationConfidence: 0.111 });
      const beforeLate = await snapshot(outOfOrder);
      expect(await dispute(v1(outOfOrder))).toEqual(beforeLate.profile);
      expect(await snapshot(outOfOrder)).toEqual(beforeLate);

      const [a, b] = [await profileOf(inOrder), await profileOf(outOfOrder)];
      const state = (p: TrustProfile) => ({
        compositeScore: p.compositeScore,
        compositeConfidence: p.compositeConfidence,
        reputationScore: p.reputationScore,
        reputationConfidence: p.reputationConfidence,
        tier: p.tier,
        eligible: p.eligible,
        openCriticalDisputes: p.openCriticalDisputes,
        asOf: p.scoringState.asOf,
      });
      expect(state(b)).toEqual(state(a));
      expect(Math.abs(a.scoringState.bad - 5)).toBeLessThan(1e-9);
      expect(Math.abs(b.scoringState.bad - 5)).toBeLessThan(1e-9);
      const row = (r: DisputeState) => ({
        version: r.version,
        severity: r.severity,
        criticalOpen: r.criticalOpen,
        upheld: r.upheld,
        occurredAt: r.occurredAt,
      });
      expect((await disputeRows(outOfOrder)).map(row)).toEqual((await disputeRows(inOrder)).map(row));
      expect((await disputeRows(inOrder)).map(row)).toEqual([
        { version: 2, severity: "MAJOR", criticalOpen: false, upheld: false, occurredAt: new Date(T - 60 * DAY) },
      ]);
    });

    it("applies a change of severity or of the behaviour's time between versions as the difference, and a reversal takes back what was stored", async () => {
      const agent = (await harness.seedAgent("wes", [AgentDomain.ALERT_TRIAGE])).id;
      const T = Date.now() - 10 * DAY;
      // One breach at T: 5 bad → 333 at .111.
      await record(agent, FAIL(T));
      const base = { agentId: agent, disputeId: "dsp-regraded", open: false, upheld: true };

      // v1, MINOR, behaviour at T: +5 → 5/(10+10) = 250 at 10/50 = .2.
      expect(await dispute({ ...base, version: 1, severity: "MINOR", occurredAt: new Date(T), at: new Date() })).toMatchObject({
        reputationScore: 250,
        reputationConfidence: 0.2,
      });
      // v2, regraded MAJOR: −5 + 20, bad 25 (not 30) → 5/35 = .1429 → 143 at 25/65 = .385.
      expect(await dispute({ ...base, version: 2, severity: "MAJOR", occurredAt: new Date(T), at: new Date() })).toMatchObject({
        reputationScore: 143,
        reputationConfidence: 0.385,
      });
      expect((await profileOf(agent)).scoringState.bad).toBeCloseTo(25, 9);
      // v3, the behaviour re-dated 60 days earlier: −20 at T, +20·½ = 10 at T − 60 days → bad 15 → 5/25 = 200 at 15/55 = .273.
      expect(await dispute({ ...base, version: 3, severity: "MAJOR", occurredAt: new Date(T - 60 * DAY), at: new Date() })).toMatchObject({
        reputationScore: 200,
        reputationConfidence: 0.273,
      });
      expect((await profileOf(agent)).scoringState.bad).toBeCloseTo(15, 9);
      // v4 reverses it, reporting the behaviour at T again: what is taken back is what is stored (10, from
      // T − 60 days), not 20 at T → bad 5 → 333 at .111.
      expect(
        await dispute({ ...base, version: 4, upheld: false, severity: "MAJOR", occurredAt: new Date(T), at: new Date() }),
      ).toMatchObject({ reputationScore: 333, reputationConfidence: 0.111 });
      expect((await profileOf(agent)).scoringState.bad).toBeCloseTo(5, 9);

      // The fold agrees: the dispute no longer counts.
      const recomputed = dataOf(await harness.call(RECOMPUTE, { agentId: agent }, ARBITER)).recomputeTrust;
      expect(recomputed).toMatchObject({ reputationScore: 333, reputationConfidence: 0.111 });
      expect((await profileOf(agent)).scoringState.bad).toBeCloseTo(5, 9);
    });

    it("counts open critical disputes per dispute, up and down with each one's state; a stale 'open' does not reopen a closed one", async () => {
      const agent = (await harness.seedAgent("xena", [AgentDomain.ALERT_TRIAGE])).id;
      // 40/40 on both clauses: 900 at .444, BRONZE, listed.
      await record(agent, PASS(Date.now() - DAY));
      expect(await profileOf(agent)).toMatchObject({ compositeScore: 900, tier: "BRONZE", eligible: true, openCriticalDisputes: 0 });
      const report = (disputeId: string, version: number, severity: DisputeStateReport["severity"], open: boolean): DisputeStateReport => ({
        agentId: agent,
        disputeId,
        version,
        severity,
        open,
        upheld: false,
        filerRecord: { upheld: 0, rejected: 0 },
        occurredAt: new Date(Date.now() - 2 * DAY),
        at: new Date(),
      });

      const steps: [string, DisputeStateReport, number, boolean, boolean][] = [
        // label, report, open critical disputes after it, eligible after it, whether it is stale
        ["A filed critical", report("crit-a", 1, "CRITICAL", true), 1, false, false],
        ["B filed critical", report("crit-b", 1, "CRITICAL", true), 2, false, false],
        ["A's filing replayed", report("crit-a", 1, "CRITICAL", true), 2, false, true],
        ["A regraded MAJOR, still open", report("crit-a", 2, "MAJOR", true), 1, false, false],
        ["B closed, not upheld", report("crit-b", 2, "CRITICAL", false), 0, true, false],
        ["B's 'open' delivered late", report("crit-b", 1, "CRITICAL", true), 0, true, true],
        ["A regraded CRITICAL again", report("crit-a", 3, "CRITICAL", true), 1, false, false],
        ["A closed, not upheld", report("crit-a", 4, "CRITICAL", false), 0, true, false],
      ];
      for (const [label, state, open, eligible, stale] of steps) {
        const before = await snapshot(agent);
        const after = await dispute(state);
        expect(after, label).toMatchObject({ openCriticalDisputes: open, eligible, reputationScore: 500 });
        expect(await trustOf(agent), label).toMatchObject({ openCriticalDisputes: open, eligible });
        if (open > 0) expect(after.reasons, label).toContain(`${open} open critical dispute(s)`);
        if (stale) expect(await snapshot(agent), label).toEqual(before);
        else expect((await scoreRows(agent)).length, label).toBe(before.scores + 1);
      }
      expect(
        (await disputeRows(agent)).map(({ disputeId, version, severity, criticalOpen }) => ({
          disputeId,
          version,
          severity,
          criticalOpen,
        })),
      ).toEqual([
        { disputeId: "crit-a", version: 4, severity: "CRITICAL", criticalOpen: false },
        { disputeId: "crit-b", version: 2, severity: "CRITICAL", criticalOpen: false },
      ]);
      // The listing was lost twice and regained twice.
      const listings = (await escalationRows(agent)).map((e) => e.direction).sort();
      expect(listings).toEqual(["LISTED", "LISTED", "UNLISTED", "UNLISTED"]);
    });
  });

  describe("histories and escalations over GraphQL", () => {
    const owner = "sami";
    let agentId: string;

    beforeAll(async () => {
      agentId = (await harness.seedAgent(owner, [AgentDomain.ALERT_TRIAGE])).id;
      const T = Date.now() - 50 * DAY;
      // Pairs judged at the same instant, so pages must break ties by id.
      const runs: RunSpec[] = [
        PASS(T),
        FAIL(T + DAY, T + DAY + MINUTE),
        FAIL(T + DAY + HOUR, T + DAY + MINUTE),
        FAIL(T + 2 * DAY, T + 2 * DAY + MINUTE),
        FAIL(T + 2 * DAY + HOUR, T + 2 * DAY + MINUTE),
        FAIL(T + 3 * DAY),
        PASS(T + 4 * DAY),
        FAIL(T + 5 * DAY, T + 5 * DAY + MINUTE),
        FAIL(T + 5 * DAY + HOUR, T + 5 * DAY + MINUTE),
        FAIL(T + 6 * DAY),
      ];
      for (const run of runs) await record(agentId, run);
    });

    const page = async (field: HistoryField, variables: Data, identity: Identity = ARBITER) =>
      harness.call(HISTORY(field), { representations: [{ __typename: "Agent", id: agentId }], ...variables }, identity);
    const pageThrough = async (field: HistoryField, size: number, identity: Identity = ARBITER) => {
      const ids: string[] = [];
      const sizes: number[] = [];
      let after: string | null = null;
      do {
        const connection: Data = dataOf(await page(field, { first: size, after }, identity))._entities[0][field];
        ids.push(...connection.edges.map((edge: Data) => edge.node.id as string));
        sizes.push(connection.edges.length);
        after = connection.pageInfo.hasNextPage ? connection.pageInfo.endCursor : null;
      } while (after && sizes.length < 50);
      return { ids, sizes };
    };

    it("pages scoreHistory, eligibilityHistory and escalations newest first, without gaps or duplicates across ties", async () => {
      const expected = {
        scoreHistory: newestFirst(await scoreRows(agentId), (row) => row.recordedAt).map((row) => row.id),
        eligibilityHistory: newestFirst(await eligibilityRows(agentId), (row) => row.decidedAt).map((row) => row.id),
        escalations: newestFirst(await escalationRows(agentId), (row) => row.createdAt).map((row) => row.id),
      };
      expect(expected.scoreHistory).toHaveLength(10);
      // WARN and REQUIRE_HUMAN_REVIEW were taken at the same instant.
      expect(
        ladderOnly(await escalationRows(agentId))
          .map((e) => e.action)
          .sort(),
      ).toEqual(["DELIST", "REQUIRE_HUMAN_REVIEW", "SUSPEND_LISTING", "THROTTLE", "WARN"]);
      expect(expected.escalations.length).toBeGreaterThanOrEqual(5);
      expect(expected.eligibilityHistory.length).toBeGreaterThanOrEqual(4);

      for (const field of ["scoreHistory", "eligibilityHistory", "escalations"] as const) {
        const whole: Data = dataOf(await page(field, { first: 100 }))._entities[0][field];
        expect(
          whole.edges.map((edge: Data) => edge.node.id),
          field,
        ).toEqual(expected[field]);
        expect(whole.pageInfo.hasNextPage).toBe(false);
        for (const size of [1, 2, 3]) {
          const { ids, sizes } = await pageThrough(field, size);
          expect(ids, `${field} by ${size}`).toEqual(expected[field]);
          expect(sizes).toHaveLength(Math.ceil(expected[field].length / size));
        }
      }

      const newest: Data = dataOf(await page("scoreHistory", { first: 1 }))._entities[0].scoreHistory.edges[0].node;
      expect(newest).toMatchObject({ cause: "EVALUATION_RUN", compositeScore: expect.any(Number), recordedAt: expect.any(String) });
      const escalation: Data = dataOf(await page("escalations", { first: 100 }))
        ._entities[0].escalations.edges.map((edge: Data) => edge.node)
        .find((node: Data) => node.action === "DELIST");
      expect(escalation).toMatchObject({
        agentId,
        action: "DELIST",
        direction: "FIRED",
        notify: ["ESCALATION_OWNER", "BUILDER", "ARBITERS", "BUYERS"],
        ownerTeam: OWNER.team,
        ownerContact: OWNER.contact,
        acknowledgedAt: null,
      });
      expect(new Date(escalation.ackDueAt).getTime() - new Date(escalation.createdAt).getTime()).toBe(45 * MINUTE);
    });

    it("refuses a cursor it did not issue as BAD_USER_INPUT on `after`, and a bad page size on `first`", async () => {
      for (const field of ["scoreHistory", "eligibilityHistory", "escalations"] as const) {
        for (const after of [
          "bm90LWEtY3Vyc29y",
          Buffer.from(JSON.stringify(["COMPOSITE_SCORE", 500, agentId])).toString("base64url"),
          Buffer.from(JSON.stringify([1.5, "x"])).toString("base64url"),
        ]) {
          expect(errorOf(await page(field, { first: 2, after })), `${field} ${after}`).toMatchObject({
            code: "BAD_USER_INPUT",
            field: "after",
          });
        }
        expect(errorOf(await page(field, { first: 101 })), field).toMatchObject({ code: "BAD_USER_INPUT", field: "first" });
      }
    });

    it("shows escalations to the agent's builder and arbiters only", async () => {
      for (const identity of [BUILDER(owner), ARBITER]) {
        expect(dataOf(await page("escalations", { first: 5 }, identity))._entities[0].escalations.edges).toHaveLength(5);
      }
      for (const [identity, code] of [
        [BUILDER("someone-else"), "FORBIDDEN"],
        [BUYER("soc-1"), "FORBIDDEN"],
        [ANONYMOUS, "UNAUTHENTICATED"],
      ] as const) {
        expect(errorOf(await page("escalations", { first: 5 }, identity)), `${identity.role} ${identity.subject}`).toMatchObject({ code });
      }
      // The histories are public.
      expect(dataOf(await page("scoreHistory", { first: 5 }, ANONYMOUS))._entities[0].scoreHistory.edges).toHaveLength(5);
      expect(dataOf(await page("eligibilityHistory", { first: 1 }, ANONYMOUS))._entities[0].eligibilityHistory.edges).toHaveLength(1);
    });

    it("acknowledges an escalation once, for its owner or an arbiter", async () => {
      const [first, second, third] = await escalationRows(agentId);
      const acknowledged = async (id: string) =>
        (await harness.dataSource.getRepository(Escalation).findOneByOrFail({ id })).acknowledgedAt;

      for (const [identity, code] of [
        [BUILDER("someone-else"), "FORBIDDEN"],
        [BUYER("soc-1"), "FORBIDDEN"],
        [ANONYMOUS, "UNAUTHENTICATED"],
      ] as const) {
        expect(errorOf(await harness.call(ACK, { id: first!.id }, identity)), identity.role).toMatchObject({ code });
      }
      expect(await acknowledged(first!.id)).toBeNull();
      expect(errorOf(await harness.call(ACK, { id: randomUUID() }, BUILDER(owner)))).toMatchObject({
        code: "NOT_FOUND",
        field: "escalationId",
      });

      const byOwner = dataOf(await harness.call(ACK, { id: first!.id }, BUILDER(owner))).acknowledgeEscalation;
      expect(byOwner).toMatchObject({
        id: first!.id,
        action: first!.action,
        direction: first!.direction,
        acknowledgedAt: expect.any(String),
      });
      const at = await acknowledged(first!.id);
      expect(at?.getTime()).toBe(new Date(byOwner.acknowledgedAt).getTime());

      expect(errorOf(await harness.call(ACK, { id: first!.id }, BUILDER(owner)))).toMatchObject({
        code: "CONFLICT",
        field: "escalationId",
      });
      expect(errorOf(await harness.call(ACK, { id: first!.id }, ARBITER))).toMatchObject({ code: "CONFLICT", field: "escalationId" });
      expect((await acknowledged(first!.id))?.getTime()).toBe(at?.getTime());

      expect(dataOf(await harness.call(ACK, { id: second!.id }, ARBITER)).acknowledgeEscalation.acknowledgedAt).toEqual(expect.any(String));
      expect(await acknowledged(third!.id)).toBeNull();
      const shown: Data[] = dataOf(await page("escalations", { first: 10 }, BUILDER(owner)))._entities[0].escalations.edges.map(
        (edge: Data) => edge.node,
      );
      expect(
        shown
          .filter((node) => node.acknowledgedAt !== null)
          .map((node) => node.id)
          .sort(),
      ).toEqual([first!.id, second!.id].sort());
    });

    it("reads a page of agents' histories with the same number of SQL statements for 2 agents and for 10", async () => {
      const agents: string[] = [];
      for (let i = 0; i < 10; i += 1) {
        const id = (await harness.seedAgent(`tao-${i}`, [AgentDomain.ALERT_TRIAGE])).id;
        await record(id, PASS(Date.now() - 5 * DAY));
        await record(id, FAIL(Date.now() - 4 * DAY));
        agents.push(id);
      }
      const query = (ids: string[]) =>
        harness.statementsFor(ALL_HISTORIES, { representations: ids.map((id) => ({ __typename: "Agent", id })), first: 5 }, ARBITER);

      const two = await query(agents.slice(0, 2));
      const ten = await query(agents);

      const entities: Data[] = dataOf(ten.response)._entities;
      const stored = await Promise.all(
        agents.map(async (id) => [(await scoreRows(id)).length, (await eligibilityRows(id)).length, (await escalationRows(id)).length]),
      );
      expect(stored.every(([scores, eligibility, escalations]) => scores === 2 && eligibility! >= 2 && escalations! >= 1)).toBe(true);
      expect(
        entities.map((entity) => [
          entity.scoreHistory.edges.length,
          entity.eligibilityHistory.edges.length,
          entity.escalations.edges.length,
        ]),
      ).toEqual(stored);
      expect(dataOf(two.response)._entities).toHaveLength(2);
      expect(ten.statements).toBe(two.statements);
      // Two statements per history (page ids, then rows) and one for the owners.
      expect(ten.statements).toBe(7);
    });

    it("serves one request for 600 agents' histories: SQLite's 500-member compound SELECT and parameter limits are split", async () => {
      const [first] = await harness.dataSource.getRepository(ScoreHistoryEntry).find({ order: { recordedAt: "ASC" }, take: 1 });
      const unknown = Array.from({ length: 599 }, () => randomUUID());
      const response = await harness.call(
        HISTORY("scoreHistory"),
        { representations: [first!.agentId, ...unknown].map((id) => ({ __typename: "Agent", id })), first: 100 },
        ANONYMOUS,
      );
      const entities: Data[] = dataOf(response)._entities;
      expect(entities).toHaveLength(600);
      expect(entities[0]!.scoreHistory.edges.length).toBeGreaterThan(0);
      expect(entities.slice(1).every((entity) => entity.scoreHistory.edges.length === 0)).toBe(true);
    });
  });
});

describe.each(DATABASE_KINDS)("searchAgents by either score (%s)", (kind) => {
  let harness: SubgraphHarness;
  /** Every agent of this database, by label. */
  const agents: Record<string, string> = {};

  interface Row {
    agentId: string;
    composite: number;
    reputation: number;
    tierRank: number;
    eligible: boolean;
  }
  /** What search must rank: each agent's stored trust, or the newcomer prior. */
  const rows = async (): Promise<Row[]> => {
    const profiles = await harness.dataSource.getRepository(TrustProfile).find();
    const byAgent = new Map(profiles.map((p) => [p.agentId, p]));
    return Object.values(agents).map((agentId) => {
      const p = byAgent.get(agentId);
      return {
        agentId,
        composite: p?.compositeScore ?? 500,
        reputation: p?.reputationScore ?? 500,
        tierRank: p?.tierRank ?? 0,
        eligible: p?.eligible ?? false,
      };
    });
  };
  const ranked = async (key: "composite" | "reputation", keep: (row: Row) => boolean) =>
    (await rows())
      .filter(keep)
      .sort((a, b) => b[key] - a[key] || (a.agentId < b.agentId ? 1 : a.agentId > b.agentId ? -1 : 0))
      .map((row) => row.agentId);
  const search = async (variables: Data) => {
    const connection = dataOf(await harness.call(SEARCH, variables)).searchAgents;
    return {
      ids: connection.edges.map((edge: Data) => edge.node.id as string),
      pageInfo: connection.pageInfo as Data,
      cursors: connection.edges.map((edge: Data) => edge.cursor as string),
    };
  };
  const pageThrough = async (variables: Data, size: number) => {
    const ids: string[] = [];
    let after: string | null = null;
    let pages = 0;
    do {
      const page = await search({ ...variables, first: size, after });
      ids.push(...page.ids);
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
      pages += 1;
    } while (after && pages < 50);
    return { ids, pages };
  };

  beforeAll(async () => {
    harness = await startSubgraphHarness(kind, reputationSubgraph);
    const record = (agentId: string, spec: RunSpec) =>
      inTransaction(harness.dataSource, (manager) => recordEvaluation(manager, outcome(agentId, spec)));
    const week = isoWeekOf(new Date());
    const T = Date.now() - 20 * DAY;
    const seed = async (label: string) =>
      (agents[label] = (await harness.seedAgent(`owner-${label}`, [AgentDomain.ALERT_TRIAGE], `Search ${label}`)).id);

    // Strong runs and good production: eligible, high on both.
    await seed("star");
    await record(agents.star!, PASS(T));
    await record(agents.star!, PASS(T + DAY));
    dataOf(await harness.call(SUBMIT, { input: kpis(agents.star!, week, { humanOverrides: 0 }) }, BUYER("soc-s")));
    // Passing runs only: eligible, reputation exactly at the 500 prior (ties with the unscored).
    await seed("steady");
    await record(agents.steady!, PASS(T));
    await seed("modest");
    await record(agents.modest!, { at: T, sev: [30, 10], fp: [30, 10], passed: true });
    // A breach (no critical clause): reputation 333.
    await seed("breached");
    await record(agents.breached!, PASS(T));
    await record(agents.breached!, FAIL(T + DAY));
    // Production evidence only: a trust row at the composite prior 500, reputation 700, unlisted.
    await seed("reported");
    dataOf(await harness.call(SUBMIT, { input: kpis(agents.reported!, week) }, BUYER("soc-s")));
    // An upheld MINOR dispute only: composite prior 500, reputation 5/15 → 333, tied with "breached".
    await seed("disputed");
    await inTransaction(harness.dataSource, (manager) =>
      recordDisputeState(manager, {
        agentId: agents.disputed!,
        disputeId: "s-1",
        version: 1,
        severity: "MINOR",
        open: false,
        upheld: true,
        filerRecord: { upheld: 0, rejected: 0 },
        occurredAt: new Date(T),
        at: new Date(),
      }),
    );
    // No trust row at all: ranked at the prior, 500 on both scores.
    for (const label of ["new-1", "new-2", "new-3", "new-4"]) await seed(label);
  });
  afterAll(async () => {
    await harness?.stop();
  });

  it("seeds what the cases below need: ties at the prior on both scores, across stored and unstored agents", async () => {
    const all = await rows();
    const stored = await harness.count("trust_profiles");
    expect(stored).toBe(6);
    expect(all.filter((row) => row.reputation === 500).length).toBeGreaterThanOrEqual(6);
    expect(all.filter((row) => row.composite === 500).length).toBe(6);
    expect(
      all
        .filter((row) => row.reputation === 333)
        .map((row) => row.agentId)
        .sort(),
    ).toEqual([agents.breached, agents.disputed].sort());
  });

  it("orders by REPUTATION_SCORE, listed agents only by default", async () => {
    expect((await search({ orderBy: "REPUTATION_SCORE", first: 100 })).ids).toEqual(await ranked("reputation", (row) => row.eligible));
    expect((await search({ orderBy: "COMPOSITE_SCORE", first: 100 })).ids).toEqual(await ranked("composite", (row) => row.eligible));
    expect((await search({ first: 100 })).ids).toEqual(await ranked("composite", (row) => row.eligible));
  });

  it("merges agents without a trust row at the prior when eligibleOnly is false, in two statements", async () => {
    for (const [orderBy, key] of [
      ["REPUTATION_SCORE", "reputation"],
      ["COMPOSITE_SCORE", "composite"],
    ] as const) {
      const { response, statements } = await harness.statementsFor(SEARCH, { filter: { eligibleOnly: false }, orderBy, first: 100 });
      expect(
        dataOf(response).searchAgents.edges.map((edge: Data) => edge.node.id),
        orderBy,
      ).toEqual(await ranked(key, () => true));
      expect(statements).toBe(2);
    }
    const listed = await harness.statementsFor(SEARCH, { orderBy: "REPUTATION_SCORE", first: 100 });
    expect(listed.statements).toBe(1);
  });

  it("keeps agents at or above minReputationScore, the prior counting for agents without a trust row", async () => {
    for (const min of [333, 334, 500, 501, 700]) {
      const { ids } = await search({ filter: { eligibleOnly: false, minReputationScore: min }, orderBy: "REPUTATION_SCORE", first: 100 });
      expect(ids, `min ${min}`).toEqual(await ranked("reputation", (row) => row.reputation >= min));
    }
    const above = await search({ filter: { eligibleOnly: false, minReputationScore: 501 }, orderBy: "REPUTATION_SCORE", first: 100 });
    expect(above.ids).not.toContain(agents["new-1"]);
    expect(errorOf(await harness.call(SEARCH, { filter: { minReputationScore: 1001 } }))).toMatchObject({
      code: "BAD_USER_INPUT",
      field: "filter.minReputationScore",
    });
  });

  it("keeps agents at or above minTier, never the unrated prior", async () => {
    const tiers = ["UNRATED", "BRONZE", "SILVER", "GOLD", "PLATINUM"];
    for (const [rank, minTier] of tiers.entries()) {
      for (const orderBy of ["REPUTATION_SCORE", "COMPOSITE_SCORE"] as const) {
        const { ids } = await search({ filter: { eligibleOnly: false, minTier }, orderBy, first: 100 });
        expect(ids, `${minTier} by ${orderBy}`).toEqual(
          await ranked(orderBy === "REPUTATION_SCORE" ? "reputation" : "composite", (row) => row.tierRank >= rank),
        );
      }
    }
    const bronze = await search({ filter: { eligibleOnly: false, minTier: "BRONZE" }, first: 100 });
    expect(bronze.ids.length).toBeGreaterThanOrEqual(3);
    expect(bronze.ids).not.toContain(agents["new-1"]);
  });

  it("refuses a cursor of one ordering for the other as BAD_USER_INPUT on `after`", async () => {
    const byReputation = await search({ filter: { eligibleOnly: false }, orderBy: "REPUTATION_SCORE", first: 2 });
    const byComposite = await search({ filter: { eligibleOnly: false }, orderBy: "COMPOSITE_SCORE", first: 2 });

    expect(
      errorOf(
        await harness.call(SEARCH, {
          filter: { eligibleOnly: false },
          orderBy: "COMPOSITE_SCORE",
          first: 2,
          after: byReputation.pageInfo.endCursor,
        }),
      ),
    ).toMatchObject({ code: "BAD_USER_INPUT", field: "after" });
    expect(
      errorOf(
        await harness.call(SEARCH, {
          filter: { eligibleOnly: false },
          orderBy: "REPUTATION_SCORE",
          first: 2,
          after: byComposite.pageInfo.endCursor,
        }),
      ),
    ).toMatchObject({ code: "BAD_USER_INPUT", field: "after" });
    // The default ordering is COMPOSITE_SCORE.
    expect(
      errorOf(await harness.call(SEARCH, { filter: { eligibleOnly: false }, first: 2, after: byReputation.pageInfo.endCursor })),
    ).toMatchObject({ code: "BAD_USER_INPUT", field: "after" });
    expect(
      dataOf(await harness.call(SEARCH, { filter: { eligibleOnly: false }, first: 2, after: byComposite.pageInfo.endCursor })).searchAgents
        .edges,
    ).toHaveLength(2);
  });

  it("pages across the boundary between stored agents and those at the prior without gaps or duplicates", async () => {
    for (const [orderBy, key] of [
      ["REPUTATION_SCORE", "reputation"],
      ["COMPOSITE_SCORE", "composite"],
    ] as const) {
      const expected = await ranked(key, () => true);
      for (const size of [1, 2, 3, 4]) {
        const { ids, pages } = await pageThrough({ filter: { eligibleOnly: false }, orderBy }, size);
        expect(ids, `${orderBy} by ${size}`).toEqual(expected);
        expect(new Set(ids).size).toBe(ids.length);
        expect(pages).toBe(Math.ceil(expected.length / size));
      }
    }
  });
});
