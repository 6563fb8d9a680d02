import { describe, expect, it } from "vitest";
import { AgentDomain } from "../../lib/contracts/agent-domain.js";
import { inTransaction } from "../../lib/platform/database.js";
import { Agent } from "../../subgraphs/agents/agent.entity.js";
import { ClauseResult, EvaluationRun } from "../../subgraphs/pacts/evaluation/evaluation-run.entity.js";
import { judgeEvaluationRun } from "../../subgraphs/pacts/evaluation/evaluation-run.judge.js";
import type { Pact } from "../../subgraphs/pacts/authoring/pact.entity.js";
import {
  ClauseSeverity,
  Comparator,
  EvaluationMethod,
  EvaluationRunStatus,
  PactMetric,
  PactStatus,
} from "../../subgraphs/pacts/pact.enums.js";
import { insertVersion } from "../../subgraphs/pacts/authoring/pact.lifecycle.js";
import { PACT_TEMPLATES } from "../../subgraphs/pacts/authoring/pact.templates.js";
import { checkPactTerms } from "../../subgraphs/pacts/authoring/pact.validation.js";
import { DATABASE_KINDS } from "../support/databases.js";
import { triageCases } from "../support/fixtures.js";
import { useMigratedDatabase } from "../support/migrated-database.js";
import { agentFixture, seedQueuedRun } from "../support/seed.js";

const DAY = 24 * 3600 * 1000;
const NOW = new Date("2026-11-20T12:00:00.000Z");

/** An alert-triage pact whose accuracy clauses have the given windows. */
function accuracyClause(key: string, windowCases: number | null, windowDays: number | null) {
  return {
    key,
    metric: PactMetric.SEVERITY_CLASSIFICATION_ACCURACY,
    comparator: Comparator.GTE,
    threshold: 0.9,
    windowCases,
    windowDays,
    method: EvaluationMethod.DETERMINISTIC,
    weight: 1,
    severity: ClauseSeverity.MAJOR,
  };
}

describe.each(DATABASE_KINDS)("the judge's clause windows (%s)", (kind) => {
  const db = useMigratedDatabase(kind);

  async function pactWith(...clauses: ReturnType<typeof accuracyClause>[]): Promise<Pact> {
    const template = PACT_TEMPLATES["alert-triage"]!;
    return inTransaction(db.dataSource, async (manager) => {
      const agent = agentFixture("wanda", [AgentDomain.ALERT_TRIAGE]);
      await manager.insert(Agent, agent);
      const terms = checkPactTerms(AgentDomain.ALERT_TRIAGE, { ...template, passThreshold: 0.5, clauses }, "test");
      return insertVersion(manager, {
        agentId: agent.id,
        workflow: AgentDomain.ALERT_TRIAGE,
        template: null,
        status: PactStatus.ACTIVE,
        amendsPactId: null,
        terms,
        escalation: { team: "soc", contact: "soc@example.com", ackDeadlineMinutes: 60 },
        createdBy: "wanda",
      });
    });
  }
  /** A queued run of `total` cases, `wrong` of them misclassified, submitted at `at`. */
  async function runAt(pact: Pact, at: Date, total: number, wrong = 0, status?: EvaluationRunStatus): Promise<EvaluationRun> {
    const run = await seedQueuedRun(db.dataSource, pact, triageCases(total, { wrongSeverity: wrong }), { outbox: false });
    await inTransaction(db.dataSource, (manager) =>
      manager.update(EvaluationRun, { id: run.id }, { submittedAt: at, ...(status ? { status } : {}) }),
    );
    return { ...run, submittedAt: at };
  }
  async function judged(run: EvaluationRun): Promise<Record<string, Pick<ClauseResult, "observed" | "sampleSize">>> {
    await inTransaction(db.dataSource, (manager) => judgeEvaluationRun(manager, run.id));
    const results = await db.dataSource.getRepository(ClauseResult).find({ where: { runId: run.id } });
    return Object.fromEntries(results.map((r) => [r.clauseKey, { observed: r.observed, sampleSize: r.sampleSize }]));
  }

  it("counts runs submitted up to the judged one, ties in time broken by id, whatever order the jobs arrive in", async () => {
    const pact = await pactWith(accuracyClause("all", 1000, null));
    const older = await runAt(pact, new Date(NOW.getTime() - 1000), 4);
    const [first, second] = [await runAt(pact, NOW, 5), await runAt(pact, NOW, 6)].sort((a, b) => (a.id < b.id ? -1 : 1));
    const later = await runAt(pact, new Date(NOW.getTime() + 1000), 7);

    // Judged newest first: none of them sees a run submitted after it.
    expect(await judged(later)).toEqual({ all: { observed: 1, sampleSize: 4 + 5 + 6 + 7 } });
    expect(await judged(second!)).toEqual({ all: { observed: 1, sampleSize: 4 + first!.caseCount + second!.caseCount } });
    expect(await judged(first!)).toEqual({ all: { observed: 1, sampleSize: 4 + first!.caseCount } });
    expect(await judged(older)).toEqual({ all: { observed: 1, sampleSize: 4 } });
  });

  it("fills a count window from as many runs as it takes, newest cases first, across pages of runs", async () => {
    const pact = await pactWith(accuracyClause("last-110", 110, null));
    // 120 one-case runs, one second apart: the 20 oldest misclassified.
    for (let i = 0; i < 120; i += 1) await runAt(pact, new Date(NOW.getTime() - (121 - i) * 1000), 1, i < 20 ? 1 : 0);
    const judgedRun = await runAt(pact, NOW, 1);

    // The judged run and the 109 newest before it: of the 20 wrong ones, runs 11–19 are in.
    expect(await judged(judgedRun)).toEqual({ "last-110": { observed: (110 - 9) / 110, sampleSize: 110 } });
  });

  it("takes the last cases of a run when the window ends inside it, and leaves out failed runs", async () => {
    const pact = await pactWith(accuracyClause("last-10", 10, null));
    // triageCases misclassifies its first cases: the oldest, since cases count newest position first.
    await runAt(pact, new Date(NOW.getTime() - 2000), 8, 4);
    await runAt(pact, new Date(NOW.getTime() - 1000), 50, 50, EvaluationRunStatus.FAILED);
    const run = await runAt(pact, NOW, 6);

    // 6 of this run + the last 4 of the 8-case run (positions 7..4), all right; the failed run is not evidence.
    expect(await judged(run)).toEqual({ "last-10": { observed: 1, sampleSize: 10 } });
  });

  it("bounds day windows by the run's submission time, and applies both bounds when a clause has both", async () => {
    const pact = await pactWith(
      accuracyClause("days-30", null, 30),
      accuracyClause("days-30-last-5", 5, 30),
      accuracyClause("cases-100", 100, null),
    );
    await runAt(pact, new Date(NOW.getTime() - 40 * DAY), 10, 10);
    await runAt(pact, new Date(NOW.getTime() - 30 * DAY), 4, 2);
    const run = await runAt(pact, NOW, 4);

    expect(await judged(run)).toEqual({
      // The 40-day-old run is out; the one exactly 30 days old is in.
      "days-30": { observed: 6 / 8, sampleSize: 8 },
      "days-30-last-5": { observed: 1, sampleSize: 5 },
      "cases-100": { observed: 6 / 18, sampleSize: 18 },
    });
  });
});
