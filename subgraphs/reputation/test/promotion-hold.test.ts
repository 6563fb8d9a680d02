/**
 * The promotion hold of listing-2026.12-1 (docs/scoring.md, "No promotion under an open alarm"),
 * as the pure listing policy applies it: while a drift alarm or a consequence step stands, the
 * tier and eligibility may fall but not rise above what stood before, and the reasons say why.
 */
import { describe, expect, it } from "vitest";
import { ConsequenceAction } from "../../../lib/contracts/consequence.js";
import { TrustTier, decideListing, holdCauses, type ListingHold, type ListingInputs, type Score } from "../score.math.js";

const score = (value: number, confidence: number): Score => ({ score: value, confidence, evidence: 100 });

/** Scores that alone give PLATINUM (900 / 0.9 and reputation 850 at 0.5), a passing latest run. */
const platinumInputs = (overrides: Partial<ListingInputs> = {}): ListingInputs => ({
  composite: score(950, 0.95),
  reputation: score(860, 0.5),
  evaluationRuns: 10,
  lastRunPassed: true,
  lastRunFailedCriticalClauses: [],
  openCriticalDisputes: 0,
  consequence: null,
  ...overrides,
});
const hold = (overrides: Partial<ListingHold> = {}): ListingHold => ({
  previousTier: TrustTier.GOLD,
  previousEligible: true,
  kpiDriftAlarm: false,
  evaluationDriftAlarm: false,
  ...overrides,
});
const KPI_HOLD =
  "tier held at GOLD (the scores alone give PLATINUM) while a KPI drift alarm from the weekly scorecard stands: no promotion until the alarm clears or the step is lifted";

describe("holdCauses", () => {
  it("names each standing alarm and step, and nothing when none stands or no hold is given", () => {
    expect(holdCauses(hold(), null)).toEqual([]);
    expect(holdCauses(undefined, ConsequenceAction.THROTTLE)).toEqual([]);
    expect(holdCauses(hold({ kpiDriftAlarm: true, evaluationDriftAlarm: true }), ConsequenceAction.THROTTLE)).toEqual([
      "a KPI drift alarm from the weekly scorecard",
      "an evaluation drift alarm",
      "the consequence step THROTTLE",
    ]);
    // WARN only tells the escalation route: it holds nothing.
    expect(holdCauses(hold(), ConsequenceAction.WARN)).toEqual([]);
  });
});

describe("decideListing under an open alarm", () => {
  it("without an alarm or step, promotes as the scores say (the hold only caps)", () => {
    expect(decideListing(platinumInputs({ hold: hold() }))).toMatchObject({ tier: TrustTier.PLATINUM, eligible: true });
  });

  it("holds a GOLD agent at GOLD under a KPI drift alarm, and says why", () => {
    const decision = decideListing(platinumInputs({ hold: hold({ kpiDriftAlarm: true }) }));
    expect(decision).toMatchObject({ tier: TrustTier.GOLD, eligible: true, policyVersion: "listing-2026.12-1" });
    expect(decision.reasons).toEqual([
      "tier PLATINUM: composite score 950 with confidence 0.95, reputation score 860 with confidence 0.5",
      KPI_HOLD,
      "latest evaluation run met its pact",
    ]);
  });

  it("holds under an evaluation drift alarm, and under REQUIRE_HUMAN_REVIEW or harsher, not under WARN", () => {
    const evaluation = decideListing(platinumInputs({ hold: hold({ evaluationDriftAlarm: true }) }));
    expect(evaluation.tier).toBe(TrustTier.GOLD);
    expect(evaluation.reasons).toContain(
      "tier held at GOLD (the scores alone give PLATINUM) while an evaluation drift alarm stands: no promotion until the alarm clears or the step is lifted",
    );
    const review = decideListing(
      platinumInputs({ consequence: ConsequenceAction.REQUIRE_HUMAN_REVIEW, hold: hold({ previousTier: TrustTier.SILVER }) }),
    );
    expect(review.tier).toBe(TrustTier.SILVER);
    expect(review.reasons).toContain(
      "tier held at SILVER (the scores alone give PLATINUM) while the consequence step REQUIRE_HUMAN_REVIEW stands: no promotion until the alarm clears or the step is lifted",
    );
    const suspended = decideListing(
      platinumInputs({ consequence: ConsequenceAction.SUSPEND_LISTING, hold: hold({ previousTier: TrustTier.SILVER }) }),
    );
    expect(suspended).toMatchObject({ tier: TrustTier.SILVER, eligible: false });
    const warned = decideListing(platinumInputs({ consequence: ConsequenceAction.WARN, hold: hold({ previousTier: TrustTier.SILVER }) }));
    expect(warned.tier).toBe(TrustTier.PLATINUM);
  });

  it("names every cause at once: the alarm and the human-review step of the drift scenario", () => {
    const decision = decideListing(
      platinumInputs({ consequence: ConsequenceAction.REQUIRE_HUMAN_REVIEW, hold: hold({ kpiDriftAlarm: true }) }),
    );
    expect(decision.tier).toBe(TrustTier.GOLD);
    expect(decision.reasons).toContain(
      "tier held at GOLD (the scores alone give PLATINUM) while a KPI drift alarm from the weekly scorecard and the consequence step REQUIRE_HUMAN_REVIEW stands: no promotion until the alarm clears or the step is lifted",
    );
  });

  it("lets the tier fall under an alarm, with no hold reason", () => {
    // 850 / 0.8 with reputation 700: SILVER, below the GOLD that stood.
    const decision = decideListing(
      platinumInputs({ composite: score(850, 0.8), reputation: score(700, 0.5), hold: hold({ kpiDriftAlarm: true }) }),
    );
    expect(decision).toMatchObject({ tier: TrustTier.SILVER, eligible: true });
    expect(decision.reasons.some((reason) => reason.startsWith("tier held"))).toBe(false);
    // Equal to the tier that stood: nothing to hold either.
    const same = decideListing(platinumInputs({ reputation: score(800, 0.5), hold: hold({ kpiDriftAlarm: true }) }));
    expect(same.tier).toBe(TrustTier.GOLD);
    expect(same.reasons.some((reason) => reason.startsWith("tier held"))).toBe(false);
  });

  it("applies THROTTLE's cap first and the hold on top: the lower of the two", () => {
    const throttled = decideListing(platinumInputs({ consequence: ConsequenceAction.THROTTLE, hold: hold() }));
    expect(throttled.tier).toBe(TrustTier.BRONZE);
    expect(throttled.reasons.some((reason) => reason.startsWith("tier held"))).toBe(false);
    const held = decideListing(
      platinumInputs({ consequence: ConsequenceAction.THROTTLE, hold: hold({ previousTier: TrustTier.UNRATED }) }),
    );
    expect(held).toMatchObject({ tier: TrustTier.UNRATED, eligible: false });
  });

  it("does not let an unlisted agent regain its listing while the alarm stands, and says why", () => {
    const decision = decideListing(platinumInputs({ hold: hold({ previousEligible: false, kpiDriftAlarm: true }) }));
    expect(decision.eligible).toBe(false);
    expect(decision.reasons).toContain(
      "eligibility not regained while a KPI drift alarm from the weekly scorecard stands: listing resumes when the alarm clears or the step is lifted",
    );
  });

  it("lets eligibility fall under an alarm: a critical breach unlists as before", () => {
    const decision = decideListing(
      platinumInputs({ lastRunPassed: false, lastRunFailedCriticalClauses: ["severity-accuracy"], hold: hold({ kpiDriftAlarm: true }) }),
    );
    expect(decision.eligible).toBe(false);
    expect(decision.reasons.some((reason) => reason.startsWith("eligibility not regained"))).toBe(false);
  });

  it("resumes promotion and listing once the alarm clears or the step is lifted (nothing standing)", () => {
    const cleared = decideListing(platinumInputs({ hold: hold({ previousEligible: false }) }));
    expect(cleared).toMatchObject({ tier: TrustTier.PLATINUM, eligible: true });
    expect(cleared.reasons.some((reason) => reason.startsWith("tier held") || reason.startsWith("eligibility not regained"))).toBe(false);
  });

  it("is idempotent: deciding again from the held decision gives the same decision (what a recompute relies on)", () => {
    const inputs = platinumInputs({ consequence: ConsequenceAction.REQUIRE_HUMAN_REVIEW, hold: hold({ kpiDriftAlarm: true }) });
    const first = decideListing(inputs);
    const again = decideListing({ ...inputs, hold: { ...inputs.hold!, previousTier: first.tier, previousEligible: first.eligible } });
    expect(again).toEqual(first);
  });
});
