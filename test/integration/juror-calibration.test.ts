import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inTransaction } from "../../lib/platform/database.js";
import type { Identity } from "../../lib/platform/identity.js";
import { pactsSubgraph } from "../../subgraphs/pacts/index.js";
import { calibrationsFor, recordJurorLabels } from "../../subgraphs/pacts/evaluation/juror-calibration.record.js";
import type { JuryVote } from "../../subgraphs/pacts/evaluation/jury-verdict.entity.js";
import { agreementOf, type CalibrationPolicy } from "../../subgraphs/pacts/evaluation/jury/juror-calibration.math.js";
import { CaseOutcome, type JurorVerdict, PactMetric } from "../../subgraphs/pacts/pact.enums.js";
import { DATABASE_KINDS } from "../support/databases.js";
import { dataOf } from "../support/graphql-client.js";
import { errorOf, startSubgraphHarness, type SubgraphHarness } from "../support/subgraph-harness.js";

const POLICY: CalibrationPolicy = { target: 0.8, minLabels: 5, decay: 0.9 };
const ROUTING = PactMetric.PLAYBOOK_ROUTING_ACCURACY;
const SEVERITY = PactMetric.SEVERITY_CLASSIFICATION_ACCURACY;

const CALIBRATIONS = `query($metric: PactMetric) {
  jurorCalibrations(metric: $metric) { juror metric labels agreements accuracy accuracyLowerBound kappa recentAgreement weight belowTarget target minLabels }
}`;

const voteOf = (juror: string, verdict: "PASS" | "FAIL" | "ABSTAIN"): JuryVote =>
  ({ juror, verdict: verdict as JurorVerdict, confidence: verdict === "ABSTAIN" ? null : 0.9, rationale: "", error: null }) as JuryVote;

describe.each(DATABASE_KINDS)("juror calibration from human reviews (%s)", (kind) => {
  let harness: SubgraphHarness;
  beforeAll(async () => {
    harness = await startSubgraphHarness(kind, (dataSource) => pactsSubgraph(dataSource));
  });
  afterAll(() => harness?.stop());

  const label = (metric: PactMetric, votes: JuryVote[], human: CaseOutcome) =>
    inTransaction(harness.dataSource, (manager) => recordJurorLabels(manager, { metric, votes }, human, POLICY.decay));

  it("counts every review as a label for each juror that answered, exactly, with many reviews at once", async () => {
    // The rows exist before any review, as deliberation creates them.
    await calibrationsFor(harness.dataSource, ["model:a", "model:b", "model:c"], [ROUTING], POLICY);
    // 30 reviews at once, votes listed in varying order: a PASS from a, a FAIL from b, c abstains;
    // humans say PASS for 24 of them and FAIL for 6.
    await Promise.all(
      Array.from({ length: 30 }, (_, i) => {
        const votes = [voteOf("model:a", "PASS"), voteOf("model:b", "FAIL"), voteOf("model:c", "ABSTAIN")];
        return label(ROUTING, i % 2 ? votes : votes.reverse(), i < 24 ? CaseOutcome.PASS : CaseOutcome.FAIL);
      }),
    );
    const of = (await calibrationsFor(harness.dataSource, ["model:a", "model:b", "model:c"], [ROUTING], POLICY))(ROUTING).of;
    expect(of("model:a")).toMatchObject({ passPass: 24, passFail: 6, failPass: 0, failFail: 0 });
    expect(of("model:b")).toMatchObject({ passPass: 0, passFail: 0, failPass: 24, failFail: 6 });
    expect(of("model:c")).toMatchObject({ passPass: 0, passFail: 0, failPass: 0, failFail: 0, recentTotal: 0 });
    expect(agreementOf(of("model:a")!).accuracy).toBeCloseTo(0.8, 12);
    // The decayed total of 30 labels: (1 - 0.9^30) / (1 - 0.9).
    expect(of("model:a")!.recentTotal).toBeCloseTo((1 - 0.9 ** 30) / 0.1, 9);
  });

  it("labels a juror it has no row for yet (a verdict from before calibration), and ignores reviews that are not PASS or FAIL", async () => {
    await label(SEVERITY, [voteOf("model:new", "FAIL")], CaseOutcome.FAIL);
    await label(SEVERITY, [voteOf("model:new", "FAIL")], CaseOutcome.UNCERTAIN);
    const of = (await calibrationsFor(harness.dataSource, ["model:new"], [SEVERITY], POLICY))(SEVERITY).of;
    expect(of("model:new")).toMatchObject({ failFail: 1, passPass: 0, recentAgreed: 1, recentTotal: 1 });
  });

  it("shows arbiters each juror's calibration, in one query, and refuses everyone else", async () => {
    const arbiter: Identity = { role: "arbiter", subject: "ada" };
    const { response, statements } = await harness.statementsFor(CALIBRATIONS, { metric: ROUTING }, arbiter);
    expect(statements).toBe(1);
    const rows = dataOf(response).jurorCalibrations as Record<string, unknown>[];
    expect(rows.map((r) => r.juror)).toEqual(["model:a", "model:b", "model:c"]);
    expect(rows[0]).toMatchObject({ metric: ROUTING, labels: 30, agreements: 24, accuracy: 0.8, target: 0.8, minLabels: 5 });
    // Model b disagreed with 24 of 30 reviews: in whatever order they committed, its recent agreement
    // is at most (1 - 0.9^6) / (1 - 0.9^30) = 0.49, below the target.
    expect(rows[1]).toMatchObject({ labels: 30, agreements: 6, belowTarget: true });
    expect(rows[2]).toMatchObject({ labels: 0, accuracy: null, kappa: null, weight: 1, belowTarget: false });
    for (const [identity, code] of [
      [{ role: "builder", subject: "bea" }, "FORBIDDEN"],
      [{ role: "buyer", subject: "bea" }, "FORBIDDEN"],
      [{ role: "anonymous", subject: null }, "UNAUTHENTICATED"],
    ] as [Identity, string][]) {
      expect(errorOf(await harness.call(CALIBRATIONS, {}, identity)).code).toBe(code);
    }
  });
});
