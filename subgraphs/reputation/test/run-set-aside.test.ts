import type { JudgedRun } from "../../../lib/contracts/judged-run.js";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentDomain } from "../../../lib/contracts/agent-domain.js";
import { inTransaction } from "../../../lib/platform/database.js";
import { DATABASE_KINDS } from "../../../test/support/databases.js";
import { dataOf } from "../../../test/support/graphql-client.js";
import { startSubgraphHarness, type SubgraphHarness } from "../../../test/support/subgraph-harness.js";
import { DEFAULT_LADDER, DEFAULT_ROUTE } from "../../../test/support/contexts.js";
import { reputationSubgraph } from "../index.js";
import { sweepDecay } from "../decay.sweep.js";
import { ScoreHistoryEntry, TrustCause } from "../trust-history.entity.js";
import { EvaluationEvidence, TrustProfile } from "../trust.entity.js";
import { recordEvaluation, setAsideRun } from "../trust.record.js";

/*
 * A granted appeal of a run's verdict sets the run aside (setAsideRun): the agent's trust must then
 * be what it would have been without the run. Each test builds the agent twice, once with the run
 * and once without, and compares everything the run fed, on both engines.
 */

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const PACT = "00000000-0000-4000-8000-00000000bbbb";
const ARBITER = { role: "arbiter" as const, subject: "ada" };
const RECOMPUTE = `mutation($agentId: ID!) { recomputeTrust(agentId: $agentId) { compositeScore compositeConfidence reputationScore reputationConfidence } }`;

interface RunSpec {
  runId: string;
  at: number;
  /** [passed, failed] cases of the severity (weight .6) and false-positive (weight .4) clauses */
  sev: [number, number];
  fp: [number, number];
  passed: boolean;
  critical?: string[];
}

const run = (at: number, sev: [number, number], fp: [number, number], passed: boolean, critical: string[] = []): RunSpec => ({
  runId: randomUUID(),
  at,
  sev,
  fp,
  passed,
  critical,
});

/** The first two rungs of the default ladder: the profile keeps two breaches. */
const SHORT_LADDER = DEFAULT_LADDER.slice(0, 2);

function outcome(agentId: string, spec: RunSpec, ladder = DEFAULT_LADDER): JudgedRun {
  const cases = Math.max(spec.sev[0] + spec.sev[1], spec.fp[0] + spec.fp[1]);
  const casesFailed = Math.min(cases, spec.sev[1] + spec.fp[1]);
  return {
    runId: spec.runId,
    agentId,
    pactId: PACT,
    pactVersion: 1,
    casesPassed: cases - casesFailed,
    casesFailed,
    runPassed: spec.passed,
    failedCriticalClauses: spec.critical ?? [],
    clauses: [
      { metric: "SEVERITY_CLASSIFICATION_ACCURACY", weight: 0.6, passed: spec.sev[0], failed: spec.sev[1] },
      { metric: "FALSE_POSITIVE_RATE", weight: 0.4, passed: spec.fp[0], failed: spec.fp[1] },
    ],
    terms: {
      pactId: PACT,
      pactVersion: 1,
      ladder,
      route: DEFAULT_ROUTE,
      owner: { team: "soc", contact: "soc@example.com", ackDeadlineMinutes: 30 },
    },
    submittedAt: new Date(spec.at),
    judgedAt: new Date(spec.at + MINUTE),
  };
}

/** What a set-aside run must leave as if it never came: everything but the drift statistic and the ladder's standing. */
const fed = (profile: TrustProfile) => ({
  compositeScore: profile.compositeScore,
  compositeConfidence: profile.compositeConfidence,
  reputationScore: profile.reputationScore,
  reputationConfidence: profile.reputationConfidence,
  tier: profile.tier,
  eligible: profile.eligible,
  casesPassed: profile.casesPassed,
  casesFailed: profile.casesFailed,
  evaluationRuns: profile.evaluationRuns,
  lastRunPassed: profile.lastRunPassed,
  lastRunFailedCriticalClauses: profile.lastRunFailedCriticalClauses,
  lastRunSubmittedAt: profile.lastRunSubmittedAt?.getTime() ?? null,
  recentBreaches: profile.recentBreaches,
});

describe.each(DATABASE_KINDS)("setting a judged run aside (%s)", (kind) => {
  let harness: SubgraphHarness;

  beforeAll(async () => {
    harness = await startSubgraphHarness(kind, reputationSubgraph);
  });
  afterAll(async () => {
    await harness?.stop();
  });

  const profileOf = (agentId: string) => harness.dataSource.getRepository(TrustProfile).findOneByOrFail({ agentId });
  const record = (agentId: string, spec: RunSpec, ladder = DEFAULT_LADDER) =>
    inTransaction(harness.dataSource, (manager) => recordEvaluation(manager, outcome(agentId, spec, ladder)));
  const setAside = (runId: string, appealId = randomUUID()) =>
    inTransaction(harness.dataSource, (manager) =>
      setAsideRun(manager, runId, { cause: TrustCause.DISPUTE, causeId: appealId, at: new Date() }),
    );

  /** The agent with every run, and its twin without `skipped`; then `skipped` set aside on the first. */
  async function twins(runs: RunSpec[], skipped: RunSpec, ladder = DEFAULT_LADDER) {
    const withRun = (await harness.seedAgent("iris", [AgentDomain.ALERT_TRIAGE])).id;
    const without = (await harness.seedAgent("iris", [AgentDomain.ALERT_TRIAGE])).id;
    for (const spec of runs) {
      await record(withRun, spec, ladder);
      // The twin's runs need ids of their own: evidence is keyed by run.
      if (spec !== skipped) await record(without, { ...spec, runId: randomUUID() }, ladder);
    }
    return { withRun, without };
  }

  /**
   * Scores are stored as of an agent's newest evidence, and the set-aside run may have been the
   * newest: both twins are aged to one instant first, as the decay sweep would.
   */
  async function expectSame(withRun: string, without: string) {
    await sweepDecay(harness.dataSource, { staleAfterMs: -DAY, limit: 1000 }, new Date(Date.now() + MINUTE));
    const [actual, expected] = [await profileOf(withRun), await profileOf(without)];
    expect(fed(actual)).toEqual(fed(expected));
    // The aggregates themselves, to the float: taking a run back out is exact up to rounding.
    expect(actual.scoringState.good).toBeCloseTo(expected.scoringState.good, 9);
    expect(actual.scoringState.bad).toBeCloseTo(expected.scoringState.bad, 9);
    for (const [metric, tally] of Object.entries(expected.scoringState.metrics)) {
      expect(actual.scoringState.metrics[metric]!.passed).toBeCloseTo(tally.passed, 9);
      expect(actual.scoringState.metrics[metric]!.failed).toBeCloseTo(tally.failed, 9);
      expect(actual.scoringState.metrics[metric]!.weightMass).toBeCloseTo(tally.weightMass, 9);
    }
  }

  it("takes the newest run, a critical breach, out of both scores, the breach count and eligibility", async () => {
    const T = Date.now() - 20 * DAY;
    const breached = run(T + 10 * DAY, [20, 20], [40, 0], false, ["severity-accuracy"]);
    const runs = [run(T, [40, 0], [38, 2], true), run(T + 5 * DAY, [39, 1], [40, 0], true), breached];
    const { withRun, without } = await twins(runs, breached);
    const before = await profileOf(withRun);
    expect(before).toMatchObject({ lastRunPassed: false, eligible: false, evaluationRuns: 3 });
    expect(before.recentBreaches).toEqual([breached.at]);

    const appealId = randomUUID();
    const after = await setAside(breached.runId, appealId);
    expect(after).toMatchObject({ lastRunPassed: true, evaluationRuns: 2, recentBreaches: [] });
    // The change is in the score history, caused by the appeal.
    const newest = await harness.dataSource
      .getRepository(ScoreHistoryEntry)
      .find({ where: { agentId: withRun }, order: { recordedAt: "DESC", id: "DESC" }, take: 1 });
    expect(newest[0]).toMatchObject({ cause: TrustCause.DISPUTE, causeId: appealId });
    await expectSame(withRun, without);
    expect(
      (await harness.dataSource.getRepository(EvaluationEvidence).findOneByOrFail({ runId: breached.runId })).setAsideAt,
    ).not.toBeNull();
  });

  it("brings back the breach a set-aside one had pushed out of a full list, so the ladder counts as without it", async () => {
    const T = Date.now() - 20 * DAY;
    const breach = (day: number) => run(T + day * DAY, [36, 4], [40, 0], false);
    const newest = breach(2);
    const { withRun, without } = await twins([breach(0), breach(1), newest], newest, SHORT_LADDER);
    // Two kept of three: days 2 and 1.
    expect((await profileOf(withRun)).recentBreaches).toEqual([T + 2 * DAY, T + DAY]);
    await setAside(newest.runId);
    expect((await profileOf(withRun)).recentBreaches).toEqual([T + DAY, T]);
    await expectSame(withRun, without);
  });

  it("takes an older passing run out without touching the latest run's standing", async () => {
    const T = Date.now() - 30 * DAY;
    const older = run(T + 3 * DAY, [40, 0], [40, 0], true);
    const runs = [run(T, [36, 4], [40, 0], false), older, run(T + 9 * DAY, [38, 2], [39, 1], true)];
    const { withRun, without } = await twins(runs, older);
    await setAside(older.runId);
    await expectSame(withRun, without);
  });

  it("counts once: a second set-aside and a redelivered verdict of the run change nothing, and an unknown run is none", async () => {
    const T = Date.now() - 10 * DAY;
    const contested = run(T + DAY, [30, 10], [40, 0], false);
    const { withRun, without } = await twins([run(T, [40, 0], [40, 0], true), contested], contested);
    await setAside(contested.runId);
    const settled = await profileOf(withRun);

    expect(await setAside(contested.runId)).toBeNull();
    expect(await record(withRun, contested)).toBeNull();
    expect(await setAside(randomUUID())).toBeNull();
    expect(fed(await profileOf(withRun))).toEqual(fed(settled));
    expect((await profileOf(withRun)).updatedAt).toEqual(settled.updatedAt);
    await expectSame(withRun, without);
  });

  it("is what a recompute from all evidence gives: the fold leaves set-aside runs out", async () => {
    const T = Date.now() - 15 * DAY;
    const contested = run(T + 4 * DAY, [25, 15], [30, 10], false, ["severity-accuracy"]);
    const { withRun } = await twins([run(T, [40, 0], [40, 0], true), contested, run(T + 8 * DAY, [39, 1], [40, 0], true)], contested);
    await setAside(contested.runId);
    const incremental = await profileOf(withRun);
    const recomputed = dataOf(await harness.call(RECOMPUTE, { agentId: withRun }, ARBITER)).recomputeTrust;
    expect(recomputed).toEqual({
      compositeScore: incremental.compositeScore,
      compositeConfidence: incremental.compositeConfidence,
      reputationScore: incremental.reputationScore,
      reputationConfidence: incremental.reputationConfidence,
    });
  });
});
