import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentDomain } from "../../../../lib/contracts/agent-domain.js";
import { inTransaction } from "../../../../lib/platform/database.js";
import type { Identity } from "../../../../lib/platform/identity.js";
import { DATABASE_KINDS } from "../../../../test/support/databases.js";
import { SUBMIT_RUN, triageCases } from "../../../../test/support/fixtures.js";
import { dataOf, type GraphQLResponse } from "../../../../test/support/graphql-client.js";
import { errorOf, startSubgraphHarness, type Data, type SubgraphHarness } from "../../../../test/support/subgraph-harness.js";
import { judgeEvaluationRun } from "../evaluation-run.judge.js";
import { pactsSubgraph } from "../../index.js";

const ADOPT = `mutation($agentId: ID!, $template: String!) {
  adoptPactTemplate(agentId: $agentId, template: $template) { id version clauses { key metric comparator threshold windowCases windowDays method weight severity } }
}`;
const AMEND = `mutation($pactId: ID!, $input: AmendPactInput!) { amendPact(pactId: $pactId, input: $input) { id version } }`;
const ACTIVATE = `mutation($pactId: ID!) { activatePact(pactId: $pactId) { id status } }`;
const RUN = `query($id: ID!) {
  evaluationRun(id: $id) {
    status pactVersion workflow passed weightedPassShare passedCount failedCount pact { id version }
    clauseResults { clauseKey threshold observed sampleSize outcome windowCases windowDays method }
  }
}`;

const ALICE: Identity = { role: "builder", subject: "alice" };
const RUN_TABLES = ["evaluation_runs", "evaluation_cases", "outbox_messages"] as const;

/** A case of any workflow; `input` is what the agent was given. */
const kase = (caseId: string, expected: Data, output: Data, extra: Data = {}) => ({
  caseId,
  input: { ticket: caseId },
  expected,
  output,
  ...extra,
});

describe.each(DATABASE_KINDS)("evaluation runs of every workflow (%s)", (kind) => {
  let harness: SubgraphHarness;

  beforeAll(async () => {
    harness = await startSubgraphHarness(kind, (dataSource) => pactsSubgraph(dataSource));
  });
  afterAll(async () => {
    await harness?.stop();
  });

  const ok = async (response: Promise<GraphQLResponse<Data>>): Promise<Data> => Object.values(dataOf(await response))[0] as Data;
  const counts = async () => Object.fromEntries(await Promise.all(RUN_TABLES.map(async (table) => [table, await harness.count(table)])));
  async function adopted(template: string) {
    const agent = await harness.seedAgent("alice", Object.values(AgentDomain));
    return { agent, pact: await ok(harness.call(ADOPT, { agentId: agent.id, template }, ALICE)) };
  }
  const submit = (agentId: string, pactId: string, cases: Data[]) => harness.call(SUBMIT_RUN, { input: { agentId, pactId, cases } }, ALICE);
  // These tests are about what each metric computes on a handful of cases, not about how many
  // cases a verdict needs: confidence 0 asks for one applicable case (run-verdict.test.ts covers the minimum).
  const judge = (runId: string) => inTransaction(harness.dataSource, (manager) => judgeEvaluationRun(manager, runId, undefined, 0));
  const readRun = async (id: string) => ok(harness.call(RUN, { id }));
  /** Submits the cases against the pact, judges the run and reads it back. */
  async function judged(agentId: string, pactId: string, cases: Data[]) {
    const run = await ok(submit(agentId, pactId, cases));
    await judge(run.id);
    return readRun(run.id);
  }
  const results = (run: Data) => Object.fromEntries(run.clauseResults.map(({ clauseKey, ...rest }: Data) => [clauseKey, rest]));

  describe("judging each workflow's template", () => {
    it("alert triage: severity accuracy and false positive rate", async () => {
      const { agent, pact } = await adopted("alert-triage");
      const cases = [
        kase("at-0", { severity: "HIGH", truePositive: true }, { severity: "HIGH", truePositive: true }),
        kase("at-1", { severity: "LOW", truePositive: false }, { severity: "LOW", truePositive: false }),
        kase("at-2", { severity: "CRITICAL", truePositive: true }, { severity: "CRITICAL", truePositive: true }),
        kase("at-3", { severity: "MEDIUM", truePositive: false }, { severity: "MEDIUM", truePositive: false }),
        kase("at-4", { severity: "INFORMATIONAL", truePositive: false }, { severity: "INFORMATIONAL", truePositive: false }),
        kase("at-5", { severity: "HIGH", truePositive: true }, { severity: "HIGH", truePositive: true }),
      ];

      const run = await judged(agent.id, pact.id, cases);

      // Severity right on 6/6; benign at-1, at-3, at-4 all called benign: FP 0/3.
      expect(run).toMatchObject({
        status: "COMPLETED",
        pactVersion: 1,
        workflow: "ALERT_TRIAGE",
        passed: true,
        weightedPassShare: 1,
        passedCount: 6,
        failedCount: 0,
      });
      expect(results(run)).toEqual({
        "severity-accuracy": {
          threshold: 0.92,
          observed: 1,
          sampleSize: 6,
          outcome: "PASSED",
          windowCases: 500,
          windowDays: null,
          method: "DETERMINISTIC",
        },
        "false-positive-rate": {
          threshold: 0.1,
          observed: 0,
          sampleSize: 3,
          outcome: "PASSED",
          windowCases: 500,
          windowDays: null,
          method: "DETERMINISTIC",
        },
      });
    });

    it("incident escalation: recall, precision (teams compared ignoring case), severity and p90 time over escalated cases", async () => {
      const { agent, pact } = await adopted("incident-escalation");
      const cases = [
        kase(
          "ie-0",
          { severity: "HIGH", escalate: true, escalateTo: "SOC-Tier2" },
          { severity: "HIGH", escalate: true, escalateTo: " soc-tier2 " },
          { timings: { escalationSeconds: 120 } },
        ),
        kase(
          "ie-1",
          { severity: "CRITICAL", escalate: true, escalateTo: "IR" },
          { severity: "CRITICAL", escalate: true, escalateTo: "IR" },
          { timings: { escalationSeconds: 300 } },
        ),
        kase(
          "ie-2",
          { severity: "HIGH", escalate: true },
          { severity: "MEDIUM", escalate: true, escalateTo: "IR" },
          { timings: { escalationSeconds: 1200 } },
        ),
        // Missed, so not escalated: needs no escalation time.
        kase("ie-3", { severity: "LOW", escalate: true }, { severity: "LOW", escalate: false }),
        kase("ie-4", { severity: "INFORMATIONAL", escalate: false }, { severity: "INFORMATIONAL", escalate: false }),
      ];

      const run = await judged(agent.id, pact.id, cases);

      // Recall: warranted ie-0..3, made ie-0..2 → 3/4. Precision: made ie-0..2, all warranted, teams right → 3/3.
      // Severity: ie-2 wrong → 4/5. p90 (nearest rank) of [120, 300, 1200]: ceil(0.9·3) = 3rd → 1200.
      // Passing: precision only, weight 0.3 of 1. Cases: ie-2 (severity, time) and ie-3 (recall) fail.
      expect(run).toMatchObject({ status: "COMPLETED", passed: false, passedCount: 3, failedCount: 2 });
      expect(run.weightedPassShare).toBeCloseTo(0.3, 9);
      expect(results(run)).toEqual({
        "escalation-recall": {
          threshold: 0.95,
          observed: 0.75,
          sampleSize: 4,
          outcome: "FAILED",
          windowCases: 500,
          windowDays: null,
          method: "DETERMINISTIC",
        },
        "escalation-precision": {
          threshold: 0.8,
          observed: 1,
          sampleSize: 3,
          outcome: "PASSED",
          windowCases: 500,
          windowDays: null,
          method: "DETERMINISTIC",
        },
        "severity-accuracy": {
          threshold: 0.9,
          observed: 0.8,
          sampleSize: 5,
          outcome: "FAILED",
          windowCases: 500,
          windowDays: null,
          method: "DETERMINISTIC",
        },
        "time-to-escalate-p90": {
          threshold: 900,
          observed: 1200,
          sampleSize: 3,
          outcome: "FAILED",
          windowCases: 500,
          windowDays: 30,
          method: "DETERMINISTIC",
        },
      });
    });

    it("incident escalation: an escalation to the wrong team misses both recall and precision", async () => {
      const { agent, pact } = await adopted("incident-escalation");
      const cases = [
        kase(
          "team-0",
          { severity: "HIGH", escalate: true, escalateTo: "IR" },
          { severity: "HIGH", escalate: true, escalateTo: "IR" },
          { timings: { escalationSeconds: 60 } },
        ),
        kase(
          "team-1",
          { severity: "HIGH", escalate: true, escalateTo: "IR" },
          { severity: "HIGH", escalate: true, escalateTo: "Network-Ops" },
          { timings: { escalationSeconds: 90 } },
        ),
      ];

      const run = await judged(agent.id, pact.id, cases);

      // Both warranted, one to the right team: recall 1/2; both escalations made, one right: precision 1/2.
      expect(results(run)["escalation-recall"]).toMatchObject({ observed: 0.5, sampleSize: 2, outcome: "FAILED" });
      expect(results(run)["escalation-precision"]).toMatchObject({ observed: 0.5, sampleSize: 2, outcome: "FAILED" });
      expect(results(run)["time-to-escalate-p90"]).toMatchObject({ observed: 90, sampleSize: 2, outcome: "PASSED" });
    });

    it("playbook routing: routing accuracy (names compared ignoring case and spaces) and containment p50/p90", async () => {
      const { agent, pact } = await adopted("playbook-routing");
      const cases = [
        kase(
          "pb-0",
          { playbook: "Ransomware-Isolation" },
          { playbook: " ransomware-isolation " },
          { timings: { containmentSeconds: 1800 } },
        ),
        kase("pb-1", { playbook: "Phishing-Takedown" }, { playbook: "phishing-takedown" }, { timings: { containmentSeconds: 3000 } }),
        kase("pb-2", { playbook: "Credential-Reset" }, { playbook: "Credential-Reset" }, { timings: { containmentSeconds: 4000 } }),
        kase("pb-3", { playbook: "Malware-Cleanup" }, { playbook: "Ransomware-Isolation" }, { timings: { containmentSeconds: 20_000 } }),
        kase("pb-4", { playbook: "Phishing-Takedown" }, { playbook: "Phishing-Takedown" }, { timings: { containmentSeconds: 600 } }),
      ];

      const run = await judged(agent.id, pact.id, cases);

      // Routing: pb-3 wrong → 4/5. Containment sorted [600, 1800, 3000, 4000, 20000]:
      // p50 = ceil(2.5) = 3rd → 3000 ≤ 3600; p90 = ceil(4.5) = 5th → 20000 > 14400.
      // Passing: p50 only, 0.2 of 1. Cases: pb-2 (4000 > 3600 on its own) and pb-3 fail.
      expect(run).toMatchObject({ status: "COMPLETED", passed: false, passedCount: 3, failedCount: 2 });
      expect(run.weightedPassShare).toBeCloseTo(0.2, 9);
      expect(results(run)).toEqual({
        "routing-accuracy": {
          threshold: 0.9,
          observed: 0.8,
          sampleSize: 5,
          outcome: "FAILED",
          windowCases: 500,
          windowDays: null,
          method: "DETERMINISTIC",
        },
        "containment-p50": {
          threshold: 3600,
          observed: 3000,
          sampleSize: 5,
          outcome: "PASSED",
          windowCases: 500,
          windowDays: 30,
          method: "DETERMINISTIC",
        },
        "containment-p90": {
          threshold: 14_400,
          observed: 20_000,
          sampleSize: 5,
          outcome: "FAILED",
          windowCases: 500,
          windowDays: 30,
          method: "DETERMINISTIC",
        },
      });
    });

    it("threat intel synthesis: technique F1, indicator precision over defanged indicators, grounding in the input", async () => {
      const { agent, pact } = await adopted("threat-intel-synthesis");
      const cases = [
        {
          caseId: "ti-0",
          input: { report: "The actor ran PowerShell (T1059.001) after phishing via hxxp://evil[.]example/login; C2 at 203.0.113[.]7." },
          expected: { techniques: ["T1059.001", "T1566"], indicators: ["http://evil.example/login", "203.0.113.7"] },
          output: { techniques: ["t1059.001", "T1566", "T1105"], indicators: ["hxxp://evil[.]example/login", "203.0.113[.]7"] },
        },
        {
          caseId: "ti-1",
          input: {
            summary: "The loader fetches its payload from files.bad-cdn.example after checking update.microsoft.com",
            hashes: ["44d88612fea8a8f36de82e1278abb02f"],
          },
          expected: { techniques: ["T1105"], indicators: ["files.bad-cdn.example", "44d88612fea8a8f36de82e1278abb02f"] },
          // update.microsoft.com is in the input but benign; 198.51.100.23 is nowhere in the input: made up.
          output: {
            techniques: ["T1105", "T1027"],
            indicators: ["files[.]bad-cdn[.]example", "44D88612FEA8A8F36DE82E1278ABB02F", "update.microsoft.com", "198.51.100.23"],
          },
        },
        {
          caseId: "ti-2",
          input: { report: "An advisory without technical detail." },
          expected: { techniques: [], indicators: [] },
          output: { techniques: [], indicators: [] },
        },
        {
          caseId: "ti-3",
          input: { report: "Files were encrypted." },
          expected: { techniques: ["T1486"], indicators: ["evil.example"] },
          output: { techniques: ["T1490"], indicators: [] },
        },
      ];

      const run = await judged(agent.id, pact.id, cases);

      // F1 = 2·ΣTP / (Σ|expected| + Σ|output|): ti-0 TP 2 (4/5), ti-1 TP 1 (2/3), ti-2 both empty (not counted), ti-3 TP 0 (0/2) → 6/10.
      // Indicator precision: ti-0 2/2, ti-1 2/4, ti-3 reports none (not counted) → 4/6.
      // Grounding: ti-0 2/2 (defanged in the input too), ti-1 3/4 → 5/6.
      // Indicator recall: ti-0 2/2, ti-1 2/2, ti-2 expects none (not counted), ti-3 0/1 → 4/5, just meeting 0.8.
      // Only recall (weight 0.25 of 1) passes. Cases: ti-0 passes all; ti-1 fails F1 (2/3 < 0.7);
      // ti-2 has no check; ti-3 fails F1 and recall.
      expect(run).toMatchObject({ status: "COMPLETED", passed: false, weightedPassShare: 0.25, passedCount: 2, failedCount: 2 });
      const byKey = results(run);
      expect(byKey["technique-f1"]).toMatchObject({ threshold: 0.7, sampleSize: 3, outcome: "FAILED", windowCases: 200, windowDays: 90 });
      expect(byKey["technique-f1"].observed).toBeCloseTo(0.6, 9);
      expect(byKey["indicator-precision"]).toMatchObject({ threshold: 0.95, sampleSize: 2, outcome: "FAILED" });
      expect(byKey["indicator-precision"].observed).toBeCloseTo(4 / 6, 9);
      expect(byKey["grounding-rate"]).toMatchObject({ threshold: 0.98, sampleSize: 2, outcome: "FAILED" });
      expect(byKey["grounding-rate"].observed).toBeCloseTo(5 / 6, 9);
      expect(byKey["indicator-recall"]).toMatchObject({ threshold: 0.8, sampleSize: 3, outcome: "PASSED" });
      expect(byKey["indicator-recall"].observed).toBeCloseTo(4 / 5, 9);
      expect(run.clauseResults.map((r: Data) => r.clauseKey)).toEqual([
        "indicator-precision",
        "grounding-rate",
        "indicator-recall",
        "technique-f1",
      ]);
    });
  });

  describe("refusing cases the pact cannot judge", () => {
    const playbookCase = (id: string, timings: Data | null = { containmentSeconds: 900 }) =>
      kase(id, { playbook: "Isolate" }, { playbook: "Isolate" }, timings ? { timings } : {});
    const escalationCase = (id: string, output: Data, timings?: Data) =>
      kase(id, { severity: "HIGH", escalate: true }, { severity: "HIGH", ...output }, timings ? { timings } : {});
    const triage = (id: string, patch: Data = {}) => ({
      ...kase(id, { severity: "HIGH", truePositive: true }, { severity: "HIGH", truePositive: true }),
      ...patch,
    });
    for (const { label, template, cases, field, message } of [
      {
        label: "a playbook case without the containment time the p50/p90 clauses need",
        template: "playbook-routing",
        cases: [playbookCase("pb-ok"), playbookCase("pb-untimed", null)],
        field: "input.cases[1].timings.containmentSeconds",
        message: 'case "pb-untimed"',
      },
      {
        label: "an escalated incident without its escalation time",
        template: "incident-escalation",
        cases: [escalationCase("ie-untimed", { escalate: true })],
        field: "input.cases[0].timings.escalationSeconds",
        message: 'case "ie-untimed"',
      },
      {
        label: "an incident without the agent's escalation decision",
        template: "incident-escalation",
        cases: [escalationCase("ie-ok", { escalate: false }), escalationCase("ie-undecided", {})],
        field: "input.cases[1].output.escalate",
        message: 'case "ie-undecided"',
      },
      {
        // Judges hold thousands of cases' facts at once, and MySQL's TEXT column stops at 64 KiB.
        label: "indicators larger than 8 KiB once stored",
        template: "threat-intel-synthesis",
        cases: [
          kase(
            "ti-huge",
            { techniques: [], indicators: ["a.example"] },
            { techniques: [], indicators: Array.from({ length: 100 }, (_, i) => `${"x".repeat(150)}-${i}.example`) },
          ),
        ],
        field: "input.cases[0].output",
        message: 'case "ti-huge": is larger than 8 KiB',
      },
      {
        label: "a playbook on an alert-triage case",
        template: "alert-triage",
        cases: [triage("at-playbook", { expected: { severity: "HIGH", truePositive: true, playbook: "Isolate" } })],
        field: "input.cases[0].expected.playbook",
        message: "ALERT_TRIAGE cases have no",
      },
      {
        label: "a containment time on an alert-triage case",
        template: "alert-triage",
        cases: [triage("at-ok"), triage("at-timed", { timings: { containmentSeconds: 60 } })],
        field: "input.cases[1].timings.containmentSeconds",
        message: "ALERT_TRIAGE cases have no",
      },
      {
        label: "a threat-intel case without expected indicators",
        template: "threat-intel-synthesis",
        cases: [kase("ti-partial", { techniques: ["T1059"] }, { techniques: ["T1059"], indicators: ["evil.example"] })],
        field: "input.cases[0].expected.indicators",
        message: 'case "ti-partial"',
      },
      {
        label: "an invalid ATT&CK technique id",
        template: "threat-intel-synthesis",
        cases: [kase("ti-bad-id", { techniques: ["T1059"], indicators: [] }, { techniques: ["T1059", "T59"], indicators: [] })],
        field: "input.cases[0].output.techniques",
        message: "ATT&CK technique id",
      },
      {
        label: "a sub-technique id with two digits",
        template: "threat-intel-synthesis",
        cases: [kase("ti-bad-sub", { techniques: ["T1059.01"], indicators: [] }, { techniques: ["T1059"], indicators: [] })],
        field: "input.cases[0].expected.techniques",
        message: "ATT&CK technique id",
      },
    ])
      it(`refuses ${label} as BAD_USER_INPUT on \`${field}\`, writing nothing`, async () => {
        const { agent, pact } = await adopted(template);
        const before = await counts();

        const response = await submit(agent.id, pact.id, cases);

        expect(errorOf(response)).toMatchObject({ code: "BAD_USER_INPUT", field });
        expect(errorOf(response).message).toContain(message);
        expect(await counts()).toEqual(before);
      });
  });

  describe("pact versions", () => {
    it("judges a run against the version it was submitted under, and a later run against the new one over both runs' cases", async () => {
      const { agent, pact: v1 } = await adopted("alert-triage");
      // 15 cases, severity all right, benign every third (5), none flagged.
      const early = await ok(submit(agent.id, v1.id, triageCases(15, { idPrefix: "early" })));
      const stricter = v1.clauses.map((c: Data) => (c.key === "severity-accuracy" ? { ...c, threshold: 0.95 } : c));
      const v2 = await ok(harness.call(AMEND, { pactId: v1.id, input: { clauses: stricter } }, ALICE));
      await ok(harness.call(ACTIVATE, { pactId: v2.id }, ALICE));
      expect(errorOf(await submit(agent.id, v1.id, triageCases(1, { idPrefix: "stale" })))).toMatchObject({
        code: "CONFLICT",
        field: "input.pactId",
      });
      // 15 more, 2 with the wrong severity, 5 benign, none flagged.
      const late = await ok(submit(agent.id, v2.id, triageCases(15, { idPrefix: "late", wrongSeverity: 2 })));
      expect([early.pactVersion, late.pactVersion]).toEqual([1, 2]);

      // The later run first: judging it must not change what the earlier one is judged over.
      await judge(late.id);
      await judge(early.id);
      const [earlyRun, lateRun] = [await readRun(early.id), await readRun(late.id)];

      // Early, under v1: its own 15 cases only (the later run was submitted after it): 15/15 ≥ 0.92.
      expect(earlyRun).toMatchObject({
        status: "COMPLETED",
        pactVersion: 1,
        pact: { id: v1.id, version: 1 },
        passed: true,
        weightedPassShare: 1,
      });
      expect(results(earlyRun)).toMatchObject({
        "severity-accuracy": { threshold: 0.92, observed: 1, sampleSize: 15, outcome: "PASSED" },
        "false-positive-rate": { threshold: 0.1, observed: 0, sampleSize: 5, outcome: "PASSED" },
      });
      // Late, under v2: both runs, 28/30 = 0.933…, which v1's 0.92 would pass and v2's 0.95 does not.
      expect(lateRun).toMatchObject({
        status: "COMPLETED",
        pactVersion: 2,
        pact: { id: v2.id, version: 2 },
        passed: false,
        passedCount: 13,
        failedCount: 2,
      });
      expect(lateRun.weightedPassShare).toBeCloseTo(0.4, 9);
      expect(results(lateRun)["severity-accuracy"]).toMatchObject({ threshold: 0.95, sampleSize: 30, outcome: "FAILED" });
      expect(results(lateRun)["severity-accuracy"].observed).toBeCloseTo(28 / 30, 9);
      expect(results(lateRun)["false-positive-rate"]).toMatchObject({ threshold: 0.1, observed: 0, sampleSize: 10, outcome: "PASSED" });
    });

    for (const { workflow, first, added, oldCase, newCase } of [
      {
        // Old cases carry no severity on either side: they must not count as correct classifications.
        workflow: "INCIDENT_ESCALATION",
        first: { key: "recall", metric: "ESCALATION_RECALL", comparator: "GTE", threshold: 0.9 },
        added: { key: "severity", metric: "SEVERITY_CLASSIFICATION_ACCURACY", comparator: "GTE", threshold: 0.9 },
        oldCase: (id: string) => kase(id, { escalate: true }, { escalate: false }),
        newCase: (id: string) => kase(id, { escalate: true, severity: "HIGH" }, { escalate: false, severity: "LOW" }),
      },
      {
        // Old cases name no playbook: they must not count as misrouted.
        workflow: "PLAYBOOK_ROUTING",
        first: { key: "p50", metric: "TIME_TO_CONTAINMENT_P50", comparator: "LTE", threshold: 3600 },
        added: { key: "routing", metric: "PLAYBOOK_ROUTING_ACCURACY", comparator: "GTE", threshold: 0.9 },
        oldCase: (id: string) => kase(id, {}, {}, { timings: { containmentSeconds: 100 } }),
        newCase: (id: string) => kase(id, { playbook: "Isolate" }, { playbook: "isolate" }, { timings: { containmentSeconds: 100 } }),
      },
    ])
      it(`leaves ${workflow} cases from a version without a metric out of that metric's window when a later version adds it`, async () => {
        const agent = await harness.seedAgent("alice", Object.values(AgentDomain));
        const clause = (c: Data) => ({ ...c, windowCases: 100, weight: 1, severity: "MAJOR" });
        const draft = await ok(
          harness.call(
            `mutation($input: CreatePactInput!) { createPact(input: $input) { id } }`,
            { input: { agentId: agent.id, workflow, passThreshold: 0.5, clauses: [clause(first)] } },
            ALICE,
          ),
        );
        await ok(harness.call(ACTIVATE, { pactId: draft.id }, ALICE));
        await judge((await ok(submit(agent.id, draft.id, [oldCase("old-0"), oldCase("old-1"), oldCase("old-2")]))).id);
        const v2 = await ok(harness.call(AMEND, { pactId: draft.id, input: { clauses: [clause(first), clause(added)] } }, ALICE));
        await ok(harness.call(ACTIVATE, { pactId: v2.id }, ALICE));

        const run = await judged(agent.id, v2.id, [newCase("new-0")]);

        // The first clause reads all 4 cases; the added one only the new case: 0/1 for severity, 1/1 for routing.
        expect(results(run)[first.key]).toMatchObject({ sampleSize: 4 });
        expect(results(run)[added.key]).toMatchObject({ observed: workflow === "INCIDENT_ESCALATION" ? 0 : 1, sampleSize: 1 });
      });

    it("judges a run once: a second judging of the same run changes nothing", async () => {
      const { agent, pact } = await adopted("alert-triage");
      const run = await ok(submit(agent.id, pact.id, triageCases(3, { idPrefix: "once" })));

      const first = await judge(run.id);
      const again = await judge(run.id);

      expect(first).toMatchObject({ runId: run.id, pactVersion: 1, casesPassed: 3, casesFailed: 0, runPassed: true });
      expect(again).toBeNull();
      expect((await readRun(run.id)).clauseResults).toHaveLength(2);
    });
  });
});
