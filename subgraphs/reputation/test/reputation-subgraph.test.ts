import type { JudgedRun } from "../../../lib/contracts/judged-run.js";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentDomain } from "../../../lib/contracts/agent-domain.js";
import { inTransaction } from "../../../lib/platform/database.js";
import { encodeCursor } from "../../../lib/platform/pagination.js";
import {
  errorOf,
  expectOnlyGatewayRequests,
  startSubgraphHarness,
  type Data,
  type SubgraphHarness,
} from "../../../test/support/subgraph-harness.js";
import { DATABASE_KINDS } from "../../../test/support/databases.js";
import { dataOf } from "../../../test/support/graphql-client.js";
import { reputationSubgraph } from "../index.js";
import { DEFAULT_LADDER, DEFAULT_ROUTE } from "../../../test/support/contexts.js";
import { TrustTier, tierRank } from "../score.math.js";
import { TrustProfile } from "../trust.entity.js";
import { recordEvaluation } from "../trust.record.js";
import { priorProfile } from "../trust.settle.js";

const SEARCH = `query Search($filter: AgentSearchFilter, $first: Int, $after: String) {
  searchAgents(filter: $filter, first: $first, after: $after) { edges { cursor node { id } } pageInfo { hasNextPage endCursor } }
}`;
const TRUST = `query Entities($representations: [_Any!]!) {
  _entities(representations: $representations) { ... on Agent { id trust { compositeScore compositeConfidence tier eligible reasons } } }
}`;

interface Seeded {
  id: string;
  score: number | null;
  eligible: boolean;
  domain: AgentDomain;
}

describe.each(DATABASE_KINDS)("reputation subgraph alone (%s)", (kind) => {
  let harness: SubgraphHarness;
  // Other tests in this file add agents too, so search assertions look only at this set.
  const seeded: Record<string, Seeded> = {};

  async function seed(key: string, domain: AgentDomain, score: number | null, eligible = false): Promise<void> {
    const agent = await harness.seedAgent(`owner-${key}`, [domain], key);
    if (score !== null) {
      // The newcomer's defaults for every column, then the seeded score and listing.
      const tier = eligible ? TrustTier.SILVER : TrustTier.UNRATED;
      const profile = Object.assign(priorProfile(agent.id), {
        compositeScore: score,
        compositeConfidence: 0.5,
        tier,
        tierRank: tierRank(tier),
        eligible,
        reasons: [`seeded at ${score}`],
        policyVersion: "test",
        casesPassed: 0,
        casesFailed: 0,
        evaluationRuns: 1,
        lastRunPassed: eligible,
        lastRunFailedCriticalClauses: [],
        updatedAt: new Date(),
      });
      await inTransaction(harness.dataSource, (manager) => manager.insert(TrustProfile, profile));
    }
    seeded[key] = { id: agent.id, score, eligible, domain };
  }

  /** The seeded agents in the order search must rank them: score (prior 500 when none), then id descending. */
  const ranked = (keep: (agent: Seeded) => boolean) =>
    Object.values(seeded)
      .filter(keep)
      .sort((a, b) => (b.score ?? 500) - (a.score ?? 500) || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
      .map((agent) => agent.id);
  const mine = (ids: string[]) => {
    const own = new Set(Object.values(seeded).map((agent) => agent.id));
    return ids.filter((id) => own.has(id));
  };
  const search = async (variables: Record<string, unknown>) => {
    const connection = dataOf(await harness.call(SEARCH, variables)).searchAgents;
    return { ids: connection.edges.map((edge: Data) => edge.node.id as string), pageInfo: connection.pageInfo };
  };

  beforeAll(async () => {
    harness = await startSubgraphHarness(kind, reputationSubgraph);
    await seed("top", AgentDomain.PLAYBOOK_ROUTING, 950, true);
    await seed("high", AgentDomain.ALERT_TRIAGE, 900, true);
    await seed("tie-1", AgentDomain.ALERT_TRIAGE, 880, true);
    await seed("tie-2", AgentDomain.ALERT_TRIAGE, 880, true);
    await seed("unlisted", AgentDomain.ALERT_TRIAGE, 700, false);
    await seed("low", AgentDomain.ALERT_TRIAGE, 450, false);
    // Several newcomers share the 500 prior, so paging must break ties by id.
    await seed("new-1", AgentDomain.ALERT_TRIAGE, null);
    await seed("new-2", AgentDomain.INCIDENT_ESCALATION, null);
    await seed("new-3", AgentDomain.ALERT_TRIAGE, null);
    await seed("new-4", AgentDomain.THREAT_INTEL_SYNTHESIS, null);
  });
  afterAll(async () => {
    await harness?.stop();
  });

  it("refuses requests that did not come through the gateway", async () => {
    await expectOnlyGatewayRequests(harness.url, "reputation", "disputes");
  });

  describe("searchAgents", () => {
    it("lists only eligible agents by default, highest composite score first, ties by id descending", async () => {
      const { ids } = await search({ first: 100 });

      expect(mine(ids)).toEqual(ranked((agent) => agent.eligible));
    });

    it("treats an explicit null eligibleOnly like the default", async () => {
      const { ids } = await search({ filter: { eligibleOnly: null }, first: 100 });

      expect(mine(ids)).toEqual(ranked((agent) => agent.eligible));
    });

    it("includes unlisted and new agents, new ones at the 500 prior, when eligibleOnly is false", async () => {
      const { ids } = await search({ filter: { eligibleOnly: false }, first: 100 });

      expect(mine(ids)).toEqual(ranked(() => true));
      expect(mine(ids).indexOf(seeded["new-1"]!.id)).toBeLessThan(mine(ids).indexOf(seeded.low!.id));
    });

    it("keeps agents at or above minCompositeScore, counting the prior for agents without a profile", async () => {
      const at880 = await search({ filter: { eligibleOnly: false, minCompositeScore: 880 }, first: 100 });
      const at500 = await search({ filter: { eligibleOnly: false, minCompositeScore: 500 }, first: 100 });

      expect(mine(at880.ids)).toEqual(ranked((agent) => (agent.score ?? 500) >= 880));
      expect(mine(at500.ids)).toEqual(ranked((agent) => (agent.score ?? 500) >= 500));
      expect(mine(at500.ids)).not.toContain(seeded.low!.id);
    });

    it("keeps agents serving the domain asked for", async () => {
      const { ids } = await search({ filter: { eligibleOnly: false, domain: "ALERT_TRIAGE" }, first: 100 });

      expect(mine(ids)).toEqual(ranked((agent) => agent.domain === AgentDomain.ALERT_TRIAGE));
    });

    it("returns an empty page, not an error, when nothing matches", async () => {
      const page = await search({ filter: { minCompositeScore: 1000 } });

      expect(page).toEqual({ ids: [], pageInfo: { hasNextPage: false, endCursor: null } });
    });

    it("pages through every agent with cursors, without duplicates or gaps, across score ties", async () => {
      const everything = await search({ filter: { eligibleOnly: false }, first: 100 });
      const paged: string[] = [];
      let after: string | null = null;
      let pages = 0;

      do {
        const page: { ids: string[]; pageInfo: Data } = await search({ filter: { eligibleOnly: false }, first: 3, after });
        paged.push(...page.ids);
        after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
        pages += 1;
      } while (after && pages < 50);

      expect(paged).toEqual(everything.ids);
      expect(new Set(paged).size).toBe(paged.length);
      expect(pages).toBe(Math.ceil(everything.ids.length / 3));
    });

    it("continues after a cursor that falls between stored positions", async () => {
      // Ties run from the highest id down: a cursor for score 880 and an id above every real (hex)
      // one continues with the whole 880 tie. Cursors are [sort key, score, agent id].
      const { ids } = await search({ filter: { eligibleOnly: false }, first: 100, after: encodeCursor(["COMPOSITE_SCORE", 880, "z"]) });

      expect(mine(ids)).toEqual(ranked((agent) => (agent.score ?? 500) <= 880));
    });

    for (const { label, variables, field } of [
      { label: "a cursor this API did not issue", variables: { after: "bm90LWEtY3Vyc29y" }, field: "after" },
      { label: "a page size above 100", variables: { first: 101 }, field: "first" },
      { label: "a page size of 0", variables: { first: 0 }, field: "first" },
      { label: "a minCompositeScore above 1000", variables: { filter: { minCompositeScore: 1001 } }, field: "filter.minCompositeScore" },
    ])
      it(`refuses ${label} as BAD_USER_INPUT on \`${field}\``, async () => {
        const response = await harness.call(SEARCH, variables);

        expect(errorOf(response)).toMatchObject({ code: "BAD_USER_INPUT", field });
      });
  });

  describe("_entities", () => {
    it("gives an agent without evidence the newcomer prior: 500, UNRATED, not eligible", async () => {
      const representations = [seeded.high!, seeded["new-1"]!].map(({ id }) => ({ __typename: "Agent", id }));

      const entities = dataOf(await harness.call(TRUST, { representations }))._entities;

      expect(entities).toEqual([
        {
          id: seeded.high!.id,
          trust: { compositeScore: 900, compositeConfidence: 0.5, tier: "SILVER", eligible: true, reasons: ["seeded at 900"] },
        },
        {
          id: seeded["new-1"]!.id,
          trust: {
            compositeScore: 500,
            compositeConfidence: 0,
            tier: "UNRATED",
            eligible: false,
            reasons: [
              "no evaluation evidence yet: the composite score is the newcomer prior",
              "reputation confidence 0 is below 0.25: production evidence does not yet bear on the tier",
            ],
          },
        },
      ]);
    });

    it("reads every agent's trust with one SQL statement", async () => {
      const representations = Object.values(seeded).map(({ id }) => ({ __typename: "Agent", id }));

      const one = await harness.statementsFor(TRUST, { representations: representations.slice(0, 1) });
      const all = await harness.statementsFor(TRUST, { representations });

      expect(dataOf(all.response)._entities).toHaveLength(representations.length);
      expect(one.statements).toBe(1);
      expect(all.statements).toBe(1);
    });
  });

  describe("recordEvaluation", () => {
    /** A judged run of a one-clause pact (weight 1) under the default ladder: the clause saw every case. */
    const outcome = (agentId: string, overrides: Partial<JudgedRun> = {}): JudgedRun => {
      const pactId = randomUUID();
      const casesPassed = overrides.casesPassed ?? 39;
      const casesFailed = overrides.casesFailed ?? 1;
      return {
        runId: randomUUID(),
        agentId,
        pactId,
        pactVersion: 1,
        casesPassed,
        casesFailed,
        runPassed: true,
        failedCriticalClauses: [],
        clauses: [{ metric: "SEVERITY_CLASSIFICATION_ACCURACY", weight: 1, passed: casesPassed, failed: casesFailed }],
        terms: {
          pactId,
          pactVersion: 1,
          ladder: DEFAULT_LADDER,
          route: DEFAULT_ROUTE,
          owner: { team: "soc-reliability", contact: "oncall@example.test", ackDeadlineMinutes: 60 },
        },
        submittedAt: new Date(),
        judgedAt: new Date(),
        ...overrides,
      };
    };
    const profileOf = (agentId: string) => harness.dataSource.getRepository(TrustProfile).findOneByOrFail({ agentId });

    it("counts a redelivered run once", async () => {
      const agent = await harness.seedAgent("kim", [AgentDomain.ALERT_TRIAGE]);
      const judged = outcome(agent.id);

      const first = await inTransaction(harness.dataSource, (manager) => recordEvaluation(manager, judged));
      const again = await inTransaction(harness.dataSource, (manager) => recordEvaluation(manager, judged));

      // One metric, so its weight (weightMass / (n + 10) = 40 / 50) cancels out: the Beta(5 + 39, 5 + 1)
      // mean, 44 / 50 = 880; confidence 40 / (40 + 50) = 0.444 makes BRONZE.
      expect(first).toMatchObject({
        compositeScore: 880,
        compositeConfidence: 0.444,
        tier: TrustTier.BRONZE,
        casesPassed: 39,
        casesFailed: 1,
        evaluationRuns: 1,
        eligible: true,
      });
      expect(again).toBeNull();
      expect(await profileOf(agent.id)).toMatchObject({ compositeScore: 880, casesPassed: 39, casesFailed: 1, evaluationRuns: 1 });
      const evidence: { n: number | string }[] = await harness.dataSource.query(
        "SELECT COUNT(*) AS n FROM trust_evaluation_evidence WHERE run_id = ?",
        [judged.runId],
      );
      expect(Number(evidence[0]?.n)).toBe(1);
    });

    it("accumulates distinct runs, the latest deciding eligibility", async () => {
      const agent = await harness.seedAgent("kim", [AgentDomain.ALERT_TRIAGE]);
      await inTransaction(harness.dataSource, (manager) => recordEvaluation(manager, outcome(agent.id)));

      await inTransaction(harness.dataSource, (manager) =>
        recordEvaluation(
          manager,
          outcome(agent.id, { casesPassed: 30, casesFailed: 10, runPassed: false, failedCriticalClauses: ["severity-accuracy"] }),
        ),
      );

      const profile = await profileOf(agent.id);
      expect(profile).toMatchObject({
        casesPassed: 69,
        casesFailed: 11,
        evaluationRuns: 2,
        eligible: false,
        lastRunPassed: false,
        lastRunFailedCriticalClauses: ["severity-accuracy"],
      });
      expect(profile.reasons).toContain("latest evaluation run failed critical clause(s): severity-accuracy");
    });

    it("lets the latest submitted run decide eligibility even when an older one is judged after it", async () => {
      const agent = await harness.seedAgent("kim", [AgentDomain.ALERT_TRIAGE]);
      const newer = outcome(agent.id, { submittedAt: new Date("2026-11-26T10:00:00Z") });
      const older = outcome(agent.id, {
        submittedAt: new Date("2026-11-26T09:00:00Z"),
        casesPassed: 30,
        casesFailed: 10,
        runPassed: false,
        failedCriticalClauses: ["severity-accuracy"],
      });

      await inTransaction(harness.dataSource, (manager) => recordEvaluation(manager, newer));
      await inTransaction(harness.dataSource, (manager) => recordEvaluation(manager, older));

      // Both runs count as evidence; the older failure does not decide the listing.
      expect(await profileOf(agent.id)).toMatchObject({
        casesPassed: 69,
        casesFailed: 11,
        evaluationRuns: 2,
        lastRunPassed: true,
        lastRunFailedCriticalClauses: [],
      });
    });

    it("counts the passing streak in submission order: an older passing run judged late does not extend it", async () => {
      const agent = await harness.seedAgent("kim", [AgentDomain.ALERT_TRIAGE]);
      const runs = [
        outcome(agent.id, { submittedAt: new Date("2026-11-26T10:00:00Z") }),
        outcome(agent.id, { submittedAt: new Date("2026-11-26T11:00:00Z") }),
        // Submitted before both, judged after them.
        outcome(agent.id, { submittedAt: new Date("2026-11-26T09:00:00Z") }),
      ];
      const streaks: number[] = [];
      for (const run of runs) {
        await inTransaction(harness.dataSource, (manager) => recordEvaluation(manager, run));
        streaks.push((await profileOf(agent.id)).passingStreak);
      }

      // Three passing runs, but the late one is not after the newest: the streak stays 2.
      expect(streaks).toEqual([1, 2, 2]);
      expect(await profileOf(agent.id)).toMatchObject({
        evaluationRuns: 3,
        casesPassed: 117,
        lastRunSubmittedAt: new Date("2026-11-26T11:00:00Z"),
      });
    });
  });
});
