/**
 * A drifting juror, through the whole system: the judge calls three model jurors over the
 * OpenAI chat-completions protocol (a local server plays the models), arbiters review the cases
 * the jury sends them through the gateway, and every review becomes a label that the next run's
 * jury is weighed by. The unit-level simulation (subgraphs/pacts/evaluation/test/juror-calibration.test.ts)
 * shows the same policy on an in-memory table; this one runs it on stored reviews.
 *
 * The story: two jurors of one model family drift together (right, then wrong on a growing share
 * of cases), and a steady juror that is always right is throttled on every third case. When it is
 * throttled, the drifted pair alone decides, and no human would see those cases. The only labels
 * are the cases humans review.
 */
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { decide, type MemberVote } from "../../subgraphs/pacts/evaluation/jury/jury.convene.js";
import { DATABASE_KINDS } from "../support/databases.js";
import { REGISTER_AGENT } from "../support/fixtures.js";
import { freePort } from "../support/free-port.js";
import { bearer, dataOf, postGraphQL } from "../support/graphql-client.js";
import { eventually, useTestSystem } from "../support/system.js";

type Data = Record<string, any>;
type Verdict = "PASS" | "FAIL";

const RUNS = 8;
const RUN_CASES = 20;
const TARGET = 0.8;
/** Share of cases the drifting jurors get wrong in run `run`: none for two runs, then 0.15 more each run. */
const drift = (run: number) => Math.min(1, Math.max(0, (run - 1) * 0.15));
/** Case `t` (numbered across runs) is a correct routing on even numbers. */
const truth = (t: number): Verdict => (t % 2 === 0 ? "PASS" : "FAIL");
/** Deterministic stand-in for chance: case `t` is among the drifted ones in run `run` when its hash falls under the drift. */
const drifted = (run: number, t: number) => (t * 37) % 100 < drift(run) * 100;
const flip = (v: Verdict): Verdict => (v === "PASS" ? "FAIL" : "PASS");

/** What each simulated model answers for case `t` of run `run`: a verdict, or null when it is throttled. */
function modelVote(model: string, run: number, t: number): Verdict | null {
  if (model === "steady") return t % 3 === 2 ? null : truth(t);
  return drifted(run, t) ? flip(truth(t)) : truth(t);
}

/** An OpenAI-compatible chat-completions server whose models read the ticket `R<run>-C<t>` out of the case. */
function modelServer(port: number): Promise<Server> {
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      const request = JSON.parse(body) as { model: string; messages: { content: string }[] };
      const [, run, t] = /R(\d+)-C(\d+)/.exec(request.messages.at(-1)!.content)!.map(Number);
      const verdict = modelVote(request.model, run!, t!);
      res.setHeader("content-type", "application/json");
      if (verdict === null) {
        // A 4xx is not retried: the juror abstains at once, as a throttled provider that gave up would.
        res.statusCode = 400;
        res.end(JSON.stringify({ error: { message: "capacity exceeded for this deployment" } }));
        return;
      }
      const content = JSON.stringify({ verdict, confidence: 0.9, rationale: `routing judged ${verdict}` });
      res.end(JSON.stringify({ choices: [{ message: { content } }], usage: { prompt_tokens: 200, completion_tokens: 20 } }));
    });
  });
  return new Promise((resolve) => server.listen(port, "127.0.0.1", () => resolve(server)));
}

// The judge reads the process's configuration once, so the jurors are set before anything reads it.
const MODEL_PORT = await freePort();
vi.stubEnv("JURY_MEMBERS", "openai:steady,openai:drift-a,openai:drift-b");
vi.stubEnv("OPENAI_BASE_URL", `http://127.0.0.1:${MODEL_PORT}/v1`);
vi.stubEnv("JURY_AGREEMENT_TARGET", String(TARGET));
vi.stubEnv("JURY_CALIBRATION_MIN_LABELS", "5");
vi.stubEnv("JURY_CALIBRATION_DECAY", "0.9");

const ADOPT = `mutation($a: ID!) { adoptPactTemplate(agentId: $a, template: "playbook-routing") { id clauses { key metric comparator threshold windowCases windowDays method weight severity } } }`;
const AMEND = `mutation($p: ID!, $i: AmendPactInput!) { amendPact(pactId: $p, input: $i) { id } }`;
const ACTIVATE = `mutation($p: ID!) { activatePact(pactId: $p) { id } }`;
const SUBMIT = `mutation($i: SubmitEvaluationRunInput!) { submitEvaluationRun(input: $i) { id } }`;
const RUN = `query($id: ID!) { evaluationRun(id: $id) {
  status juryVerdicts { caseId outcome decidedBy uncertainBecause votes { juror verdict confidence } }
} }`;
const QUEUE = `{ reviewQueue(first: 100) { edges { node { id caseId } } } }`;
const REVIEW = `mutation($id: ID!, $v: ReviewVerdict!) { submitReview(reviewId: $id, verdict: $v, note: "checked against the runbook") { outcome } }`;
const CALIBRATIONS = `{ jurorCalibrations(metric: PLAYBOOK_ROUTING_ACCURACY) { juror labels recentAgreement belowTarget } }`;

const caseNumber = (caseId: string) => Number(/C(\d+)$/.exec(caseId)![1]);

describe.each(DATABASE_KINDS)("a drifting juror, judged on stored human reviews (%s)", (kind) => {
  let models: Server;
  beforeAll(async () => {
    models = await modelServer(MODEL_PORT);
  });
  afterAll(() => new Promise<void>((resolve) => models.close(() => resolve())));
  const system = useTestSystem(kind, { env: { JUDGE_SLICE_CASES: "10" } });
  const call = async (query: string, variables: Record<string, unknown>, token: string) =>
    dataOf(await postGraphQL<Data>(system.gatewayUrl, query, variables, { authorization: `Bearer ${token}` }));
  const tokenOf = async (role: "builder" | "arbiter", subject: string) =>
    (await bearer(role, subject)).authorization!.replace("Bearer ", "");

  it("is noticed and its cases routed to humans before the jury's agreement with them drops below the target on any run", async () => {
    const builder = await tokenOf("builder", "rowan");
    const arbiter = await tokenOf("arbiter", "ada");
    const agent = (
      await call(
        REGISTER_AGENT,
        { input: { name: "Playbook Router", description: "Routes incidents", domains: ["PLAYBOOK_ROUTING"] } },
        builder,
      )
    ).registerAgent;
    const template = (await call(ADOPT, { a: agent.id }, builder)).adoptPactTemplate;
    const clauses = template.clauses.map((c: Data) => (c.key === "routing-accuracy" ? { ...c, method: "JURY" } : c));
    const draft = (await call(AMEND, { p: template.id, i: { clauses } }, builder)).amendPact;
    const pact = (await call(ACTIVATE, { p: draft.id }, builder)).activatePact;

    const agreement: number[] = [];
    const uncalibratedAgreement: number[] = [];
    const routedRuns = new Set<number>();
    for (let run = 0; run < RUNS; run += 1) {
      const cases = Array.from({ length: RUN_CASES }, (_, i) => {
        const t = run * RUN_CASES + i;
        return {
          caseId: `R${run}-C${t}`,
          input: { ticket: `R${run}-C${t}`, detection: "ransom note on file server" },
          expected: { playbook: "ransomware containment" },
          output: { playbook: truth(t) === "PASS" ? "ransomware containment" : "phishing response" },
          timings: { containmentSeconds: 1200 },
        };
      });
      const submitted = (await call(SUBMIT, { i: { agentId: agent.id, pactId: pact.id, cases } }, builder)).submitEvaluationRun;
      const settled = (statuses: string[]) =>
        eventually(
          async () => {
            const current = (await call(RUN, { id: submitted.id }, builder)).evaluationRun;
            return statuses.includes(current.status) ? current : undefined;
          },
          60_000,
          `run ${run} to reach ${statuses.join(" or ")}`,
        );
      const judged = await settled(["AWAITING_REVIEW", "COMPLETED"]);

      // An arbiter decides every case sent to humans, rightly: each review labels the jurors that answered.
      if (judged.status === "AWAITING_REVIEW") {
        for (const { node } of (await call(QUEUE, {}, arbiter)).reviewQueue.edges)
          await call(REVIEW, { id: node.id, v: truth(caseNumber(node.caseId)) }, arbiter);
      }
      const decided = await settled(["COMPLETED"]);
      const verdicts: Data[] = decided.juryVerdicts;
      expect(verdicts).toHaveLength(RUN_CASES);

      let agreed = 0;
      let uncalibratedAgreed = 0;
      for (const verdict of verdicts) {
        const t = caseNumber(verdict.caseId);
        agreed += verdict.outcome === truth(t) ? 1 : 0;
        if (verdict.decidedBy === "HUMAN" && /below the target/.test(verdict.uncertainBecause ?? "")) routedRuns.add(run);
        // What the same stored votes would have decided unweighed, with no juror held to a target.
        const votes = verdict.votes.map((v: Data) => ({ juror: v.juror, verdict: v.verdict, confidence: v.confidence }) as MemberVote);
        const unweighed = decide(votes, { quorum: 2, minAgreement: 0.75, minConfidence: 0.6 });
        uncalibratedAgreed += unweighed.outcome === "UNCERTAIN" || unweighed.outcome === truth(t) ? 1 : 0;
      }
      agreement.push(agreed / RUN_CASES);
      uncalibratedAgreement.push(uncalibratedAgreed / RUN_CASES);
    }

    // The control: the jurors' own votes, decided without calibration, fall below the target.
    const firstBelow = uncalibratedAgreement.findIndex((a) => a < TARGET);
    expect(firstBelow).toBeGreaterThan(0);
    // Calibrated, the drift is noticed from the stored reviews before that run, and every run holds the target.
    expect(routedRuns.size).toBeGreaterThan(0);
    expect(Math.min(...routedRuns)).toBeLessThan(firstBelow);
    expect(agreement.map((a, run) => ({ run, holds: a >= TARGET }))).toEqual(agreement.map((_, run) => ({ run, holds: true })));

    // Arbiters see why: the drifted pair below the target, the steady juror above it.
    const standing = Object.fromEntries(
      (await call(CALIBRATIONS, {}, arbiter)).jurorCalibrations.map((c: Data) => [c.juror, c.belowTarget]),
    );
    expect(standing).toEqual({ "openai:drift-a": true, "openai:drift-b": true, "openai:steady": false });
  });
});
