import { describe, expect, it } from "vitest";
import { AgentDomain } from "../../lib/contracts/agent-domain.js";
import { inTransaction } from "../../lib/platform/database.js";
import { Agent } from "../../subgraphs/agents/agent.entity.js";
import { ClauseResult, EvaluationRun } from "../../subgraphs/pacts/evaluation/evaluation-run.entity.js";
import { judgeEvaluationRun } from "../../subgraphs/pacts/evaluation/evaluation-run.judge.js";
import type { Pact } from "../../subgraphs/pacts/authoring/pact.entity.js";
import { PactStatus } from "../../subgraphs/pacts/pact.enums.js";
import { insertVersion } from "../../subgraphs/pacts/authoring/pact.lifecycle.js";
import { PACT_TEMPLATES } from "../../subgraphs/pacts/authoring/pact.templates.js";
import { checkPactTerms } from "../../subgraphs/pacts/authoring/pact.validation.js";
import { DATABASE_KINDS } from "../support/databases.js";
import { triageCases } from "../support/fixtures.js";
import { useMigratedDatabase } from "../support/migrated-database.js";
import { agentFixture, seedQueuedRun } from "../support/seed.js";

const NOW = new Date("2026-11-20T12:00:00.000Z");
// At 95 %, severity accuracy ≥ 0.92 needs ⌈ln 0.05 / ln 0.92⌉ = 36 cases, false positive rate ≤ 0.10 needs 29 benign alerts.
const CONFIDENCE = 0.95;

describe.each(DATABASE_KINDS)("the judge's evidence minimum (%s)", (kind) => {
  const db = useMigratedDatabase(kind);

  /** The alert-triage template: severity accuracy ≥ 0.92 (critical, 0.6), false positive rate ≤ 0.10 (major, 0.4), 500-case windows. */
  async function triagePact(owner: string): Promise<Pact> {
    const template = PACT_TEMPLATES["alert-triage"]!;
    return inTransaction(db.dataSource, async (manager) => {
      const agent = agentFixture(owner, [AgentDomain.ALERT_TRIAGE]);
      await manager.insert(Agent, agent);
      const terms = checkPactTerms(AgentDomain.ALERT_TRIAGE, template, "test");
      return insertVersion(manager, {
        agentId: agent.id,
        workflow: AgentDomain.ALERT_TRIAGE,
        template: null,
        status: PactStatus.ACTIVE,
        amendsPactId: null,
        terms,
        escalation: { team: "soc", contact: "soc@example.com", ackDeadlineMinutes: 60 },
        createdBy: owner,
      });
    });
  }
  async function judge(pact: Pact, total: number, options: { wrongSeverity?: number; idPrefix: string }, at: Date) {
    const run = await seedQueuedRun(db.dataSource, pact, triageCases(total, options), { outbox: false });
    await inTransaction(db.dataSource, (manager) => manager.update(EvaluationRun, { id: run.id }, { submittedAt: at }));
    const judged = await inTransaction(db.dataSource, (manager) => judgeEvaluationRun(manager, run.id, NOW, CONFIDENCE));
    const results = await db.dataSource.getRepository(ClauseResult).find({ where: { runId: run.id }, order: { position: "ASC" } });
    return {
      judged: judged!,
      results: results.map(({ clauseKey, sampleSize, minSampleSize, outcome }) => ({ clauseKey, sampleSize, minSampleSize, outcome })),
    };
  }

  it("leaves a clause with too few cases INSUFFICIENT_EVIDENCE, out of the run rule and out of what reputation receives", async () => {
    const pact = await triagePact("ines");
    // 30 cases, 10 benign; 3 misclassified: 27/30 = 0.9 would fail the critical clause, had it enough cases.
    const { judged, results } = await judge(pact, 30, { wrongSeverity: 3, idPrefix: "small" }, NOW);

    expect(results).toEqual([
      { clauseKey: "severity-accuracy", sampleSize: 30, minSampleSize: 36, outcome: "INSUFFICIENT_EVIDENCE" },
      { clauseKey: "false-positive-rate", sampleSize: 10, minSampleSize: 29, outcome: "INSUFFICIENT_EVIDENCE" },
    ]);
    // Neither passed nor failed: no critical failure, so no breach; and no clause evidence for the scores.
    expect(judged).toMatchObject({ runPassed: true, failedCriticalClauses: [] });
    expect(judged.clauses.map(({ passed, failed }) => [passed, failed])).toEqual([
      [0, 0],
      [0, 0],
    ]);
  });

  it("decides the clause once its window holds the minimum, the earlier run's cases included", async () => {
    const pact = await triagePact("jude");
    await judge(pact, 30, { wrongSeverity: 3, idPrefix: "first" }, new Date(NOW.getTime() - 1000));
    // The window now holds 60 cases (20 benign): severity (27 + 27) / 60 = 0.9 < 0.92, decided and FAILED.
    const { judged, results } = await judge(pact, 30, { wrongSeverity: 3, idPrefix: "second" }, NOW);

    expect(results).toEqual([
      { clauseKey: "severity-accuracy", sampleSize: 60, minSampleSize: 36, outcome: "FAILED" },
      { clauseKey: "false-positive-rate", sampleSize: 20, minSampleSize: 29, outcome: "INSUFFICIENT_EVIDENCE" },
    ]);
    expect(judged).toMatchObject({ runPassed: false, failedCriticalClauses: ["severity-accuracy"] });
    // The decided clause carries the run's own cases to reputation; the insufficient one still nothing.
    expect(judged.clauses.map(({ passed, failed }) => [passed, failed])).toEqual([
      [27, 3],
      [0, 0],
    ]);
  });
});
