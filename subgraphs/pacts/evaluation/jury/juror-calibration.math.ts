import type { VoteVerdict } from "./model.juror.js";

/**
 * What human reviews say about one juror on one metric. Every human review of a jury case is a
 * label for each juror that voted on it: the four counts of (juror's vote × human verdict) give
 * accuracy and Cohen's kappa over all of its history; `recentAgreed / recentTotal` is the same
 * agreement with older labels decayed by a factor per new label, so that a juror that drifts is
 * noticed within about 1 / (1 - decay) reviews, not diluted by a long good past.
 */
export interface CalibrationCounts {
  passPass: number;
  passFail: number;
  failPass: number;
  failFail: number;
  recentAgreed: number;
  recentTotal: number;
}

export const NO_LABELS: CalibrationCounts = { passPass: 0, passFail: 0, failPass: 0, failFail: 0, recentAgreed: 0, recentTotal: 0 };

/** When calibration acts, and how fast it forgets (JURY_AGREEMENT_TARGET, JURY_CALIBRATION_MIN_LABELS, JURY_CALIBRATION_DECAY). */
export interface CalibrationPolicy {
  /** Agreement with humans a juror must keep for its votes to decide a case, 0–1. */
  target: number;
  /** Labels a juror needs before its agreement is trusted either way; until then its weight is 1 and it is not held to the target. */
  minLabels: number;
  /** Weight an older label keeps for each newer one, 0–1. */
  decay: number;
}

/** The counts after one more label: the juror voted `juror`, the human decided `human`. Pure. */
export function withLabel(counts: CalibrationCounts, juror: VoteVerdict, human: VoteVerdict, decay: number): CalibrationCounts {
  const agreed = juror === human ? 1 : 0;
  return {
    passPass: counts.passPass + (juror === "PASS" && human === "PASS" ? 1 : 0),
    passFail: counts.passFail + (juror === "PASS" && human === "FAIL" ? 1 : 0),
    failPass: counts.failPass + (juror === "FAIL" && human === "PASS" ? 1 : 0),
    failFail: counts.failFail + (juror === "FAIL" && human === "FAIL" ? 1 : 0),
    recentAgreed: counts.recentAgreed * decay + agreed,
    recentTotal: counts.recentTotal * decay + 1,
  };
}

export interface Agreement {
  labels: number;
  /** Share of labels the juror agreed with; null without labels. */
  accuracy: number | null;
  /** Lower bound of the 95% Wilson interval of that share; null without labels. */
  accuracyLowerBound: number | null;
  /** Cohen's kappa between the juror and humans; null when chance agreement is total (every vote and verdict alike) or without labels. */
  kappa: number | null;
  /** Agreement over recent labels (decayed); null without labels. */
  recentAgreement: number | null;
}

const Z95 = 1.959964;

/** Accuracy with its Wilson bound, Cohen's kappa and the recent agreement of a juror's counts. Pure. */
export function agreementOf(counts: CalibrationCounts): Agreement {
  const { passPass, passFail, failPass, failFail } = counts;
  const n = passPass + passFail + failPass + failFail;
  if (n === 0) return { labels: 0, accuracy: null, accuracyLowerBound: null, kappa: null, recentAgreement: null };
  const p = (passPass + failFail) / n;
  const z2 = Z95 * Z95;
  const lower = (p + z2 / (2 * n) - Z95 * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / (1 + z2 / n);
  const jurorPass = (passPass + passFail) / n;
  const humanPass = (passPass + failPass) / n;
  const chance = jurorPass * humanPass + (1 - jurorPass) * (1 - humanPass);
  return {
    labels: n,
    accuracy: p,
    accuracyLowerBound: Math.max(0, lower),
    kappa: chance === 1 ? null : (p - chance) / (1 - chance),
    recentAgreement: counts.recentTotal > 0 ? counts.recentAgreed / counts.recentTotal : null,
  };
}

/**
 * A juror's weight in the vote and whether it is held below the target. Before `minLabels` labels
 * nothing is known: weight 1, not below. After, the weight is its recent agreement with humans, so a
 * juror humans keep overruling counts for less, and below the target its vote alone sends the case to
 * humans (see `decide`).
 */
export function standingOf(
  counts: CalibrationCounts | undefined,
  policy: CalibrationPolicy,
): { weight: number; below: boolean; agreement: number | null } {
  const agreement = counts ? agreementOf(counts) : null;
  if (!agreement || agreement.labels < policy.minLabels || agreement.recentAgreement === null)
    return { weight: 1, below: false, agreement: null };
  return { weight: agreement.recentAgreement, below: agreement.recentAgreement < policy.target, agreement: agreement.recentAgreement };
}
