import { SPEND_CAP_REACHED, type SpendGuard } from "../jury-spend.reserve.js";
import { type CalibrationCounts, type CalibrationPolicy, standingOf } from "./juror-calibration.math.js";
import { ModelCallError, type JuryQuestion, type ModelJudge, type VoteVerdict } from "./model.juror.js";

/** How a jury is run and when its verdict is too weak to stand. */
export interface JuryPolicy {
  /** Per call to one juror. */
  timeoutMs: number;
  /** Further attempts after a retryable failure (throttling, server error, timeout). */
  retries: number;
  /** First backoff; doubles with each retry, with full jitter. */
  backoffMs: number;
  /** Fewest jurors who must answer; fewer and the case is uncertain. */
  quorum: number;
  /** Share of the answering jurors the majority must reach, 0.5–1. */
  minAgreement: number;
  /** Mean confidence the majority must reach, 0–1. */
  minConfidence: number;
}

/** The builder's budget for model calls, when one is set: the guard and the maximum of a call whose juror names none. */
export interface JuryBudget {
  guard: SpendGuard;
  maxCallUsd: number;
}

/** What human reviews say about the jurors on the question's metric, and the policy that acts on it. */
export interface JuryCalibration {
  policy: CalibrationPolicy;
  /** The juror's counts on the question's metric; undefined when it has none. */
  of(juror: string): CalibrationCounts | undefined;
}

/** What a jury may be convened with besides its jurors and policy. */
export interface ConveneOptions {
  sleep?: (ms: number) => Promise<void>;
  budget?: JuryBudget;
  calibration?: JuryCalibration;
}

export type JuryOutcome = VoteVerdict | "UNCERTAIN";

/** One juror's part in a verdict, kept as evidence. */
export interface MemberVote {
  juror: string;
  verdict: VoteVerdict | "ABSTAIN";
  confidence: number | null;
  rationale: string;
  /** Why the juror abstained. */
  error: string | null;
  attempts: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  latencyMs: number;
}

export interface JuryDecision {
  outcome: JuryOutcome;
  votes: MemberVote[];
  /** Share of the answering jurors in the majority; 0 when none answered. */
  majorityShare: number;
  /** Why the verdict is UNCERTAIN; null otherwise. */
  uncertainBecause: string | null;
  costUsd: number;
}

const MAX_BACKOFF_MS = 30_000;
const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Rejects when `signal` aborts: the jury's own bound on a juror that ignores its signal. */
function whenAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => signal.addEventListener("abort", () => reject(new ModelCallError("timed out", true)), { once: true }));
}

/** Asks one juror, retrying what may pass on a second try; a juror that cannot answer abstains. */
async function ask(
  juror: ModelJudge,
  question: JuryQuestion,
  policy: JuryPolicy,
  sleep: (ms: number) => Promise<void>,
  budget?: JuryBudget,
): Promise<MemberVote> {
  const started = Date.now();
  const maxCostUsd = juror.maxCostUsd ?? budget?.maxCallUsd ?? 0;
  let attempts = 0;
  for (;;) {
    // Every attempt is a paid call: its maximum is reserved before it is made, or it is not made.
    if (budget && !(await budget.guard.reserve(maxCostUsd)))
      return {
        juror: juror.name,
        verdict: "ABSTAIN",
        confidence: null,
        rationale: "",
        error: SPEND_CAP_REACHED,
        attempts,
        inputTokens: 0,
        outputTokens: 0,
        costUsd: 0,
        latencyMs: Date.now() - started,
      };
    attempts += 1;
    try {
      const signal = AbortSignal.timeout(policy.timeoutMs);
      const answer = await Promise.race([juror.judge(question, signal), whenAborted(signal)]).catch(async (error: unknown) => {
        // Paid whether or not the reply was usable: settled before the vote is counted or retried.
        await budget?.guard.settle(maxCostUsd, error instanceof ModelCallError ? error.costUsd : null);
        throw error;
      });
      await budget?.guard.settle(maxCostUsd, answer.costUsd);
      const { vote } = answer;
      return {
        juror: juror.name,
        verdict: vote.verdict,
        confidence: vote.confidence,
        rationale: vote.rationale,
        error: null,
        attempts,
        inputTokens: answer.inputTokens,
        outputTokens: answer.outputTokens,
        costUsd: answer.costUsd,
        latencyMs: Date.now() - started,
      };
    } catch (error) {
      const retryable = error instanceof ModelCallError ? error.retryable : true;
      if (!retryable || attempts > policy.retries) {
        const message = error instanceof Error ? error.message : String(error);
        return {
          juror: juror.name,
          verdict: "ABSTAIN",
          confidence: null,
          rationale: "",
          error: message.slice(0, 300),
          attempts,
          inputTokens: 0,
          outputTokens: 0,
          costUsd: 0,
          latencyMs: Date.now() - started,
        };
      }
      const hinted = typeof error === "object" && error !== null ? (error as { retryAfterMs?: unknown }).retryAfterMs : undefined;
      const ceiling = Math.min(MAX_BACKOFF_MS, policy.backoffMs * 2 ** (attempts - 1));
      await sleep(
        typeof hinted === "number" && Number.isFinite(hinted) && hinted >= 0 ? Math.min(hinted, MAX_BACKOFF_MS) : Math.random() * ceiling,
      );
    }
  }
}

/**
 * The jury's verdict from its votes: a clear, confident majority of enough jurors, or UNCERTAIN. Pure.
 * With a calibration, each answering juror's vote weighs its recent agreement with human reviewers
 * (1 until it has enough labels), the majority and its share are taken over weights, and a juror
 * whose agreement is below the target sends the case to humans whatever it voted: its vote can no
 * longer be told from a guess, and the reviews of those cases are what tells whether it recovers.
 */
export function decide(
  votes: readonly MemberVote[],
  policy: Pick<JuryPolicy, "quorum" | "minAgreement" | "minConfidence">,
  calibration?: JuryCalibration,
): Omit<JuryDecision, "votes" | "costUsd"> {
  const answered = votes.filter((v): v is MemberVote & { verdict: VoteVerdict; confidence: number } => v.verdict !== "ABSTAIN");
  const standing = new Map(answered.map((v) => [v.juror, calibration ? standingOf(calibration.of(v.juror), calibration.policy) : null]));
  const weightOf = (v: MemberVote) => standing.get(v.juror)?.weight ?? 1;
  const passWeight = answered.filter((v) => v.verdict === "PASS").reduce((sum, v) => sum + weightOf(v), 0);
  const totalWeight = answered.reduce((sum, v) => sum + weightOf(v), 0);
  const majority: VoteVerdict = passWeight * 2 >= totalWeight ? "PASS" : "FAIL";
  const inMajority = answered.filter((v) => v.verdict === majority);
  const majorityWeight = inMajority.reduce((sum, v) => sum + weightOf(v), 0);
  const majorityShare = totalWeight > 0 ? majorityWeight / totalWeight : 0;
  const uncertain = (because: string) => ({ outcome: "UNCERTAIN" as const, majorityShare, uncertainBecause: because });
  // A jury the budget cut short is not the jury the policy describes: humans decide, and the builder reads why.
  if (votes.some((v) => v.error === SPEND_CAP_REACHED)) return uncertain(SPEND_CAP_REACHED);
  if (answered.length < policy.quorum)
    return uncertain(`only ${answered.length} of ${votes.length} jurors answered; ${policy.quorum} needed`);
  const below = answered.find((v) => standing.get(v.juror)?.below);
  if (below && calibration)
    return uncertain(
      `juror ${below.juror} agrees with reviewers on ${standing.get(below.juror)!.agreement!.toFixed(2)} of its recent reviewed cases of this metric, below the target ${calibration.policy.target}`,
    );
  if (passWeight * 2 === totalWeight) return uncertain(`the jurors split evenly`);
  if (majorityShare < policy.minAgreement)
    return uncertain(`the jurors disagree: ${inMajority.length} of ${answered.length} say ${majority}`);
  const meanConfidence = inMajority.reduce((sum, v) => sum + v.confidence, 0) / inMajority.length;
  if (meanConfidence < policy.minConfidence) return uncertain(`the jurors are unsure: mean confidence ${meanConfidence.toFixed(2)}`);
  return { outcome: majority, majorityShare, uncertainBecause: null };
}

/**
 * Asks every juror at once and decides. A juror's failure is its abstention; with a budget, a call
 * the cap refuses is too, and the case is UNCERTAIN. Throws only when the budget cannot be read
 * (the database is unreachable): the job then fails and is judged again.
 */
export async function convene(
  jurors: readonly ModelJudge[],
  question: JuryQuestion,
  policy: JuryPolicy,
  options: ConveneOptions | ConveneOptions["sleep"] = {},
): Promise<JuryDecision> {
  // A bare function is the sleep alone, as callers from before budgets and calibration pass it.
  const { sleep = realSleep, budget, calibration } = typeof options === "function" ? { sleep: options } : options;
  const votes = await Promise.all(jurors.map((juror) => ask(juror, question, policy, sleep, budget)));
  return { ...decide(votes, policy, calibration), votes, costUsd: votes.reduce((sum, v) => sum + v.costUsd, 0) };
}

/**
 * Fleiss' kappa over the items the jury judged, each as counts of PASS and FAIL votes
 * (abstentions left out; items with fewer than two votes ignored). 1 is perfect agreement, 0 is
 * what chance gives, negative is worse; null when there is nothing to measure. With every vote
 * in one category chance agreement is 1 too, and kappa is taken as 1.
 */
export function fleissKappa(items: readonly { pass: number; fail: number }[]): number | null {
  const rated = items.filter((item) => item.pass + item.fail >= 2);
  if (rated.length === 0) return null;
  let observed = 0;
  let passVotes = 0;
  let allVotes = 0;
  for (const { pass, fail } of rated) {
    const n = pass + fail;
    observed += (pass * pass + fail * fail - n) / (n * (n - 1));
    passVotes += pass;
    allVotes += n;
  }
  const meanObserved = observed / rated.length;
  const passShare = passVotes / allVotes;
  const chance = passShare ** 2 + (1 - passShare) ** 2;
  if (chance === 1) return 1;
  return (meanObserved - chance) / (1 - chance);
}
