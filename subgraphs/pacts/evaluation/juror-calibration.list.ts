import type { DataSource } from "typeorm";
import type { PactMetric } from "../pact.enums.js";
import { JurorCalibration } from "./juror-calibration.entity.js";
import type { JurorCalibrationView } from "./juror-calibration.types.js";
import { agreementOf, type CalibrationPolicy, standingOf } from "./jury/juror-calibration.math.js";

/** Every juror's calibration, by juror and metric, optionally for one metric: one query. */
export async function listJurorCalibrations(
  dataSource: DataSource,
  policy: CalibrationPolicy,
  metric?: PactMetric,
): Promise<JurorCalibrationView[]> {
  const rows = await dataSource
    .getRepository(JurorCalibration)
    .find({ where: metric ? { metric } : {}, order: { juror: "ASC", metric: "ASC" } });
  return rows.map((row) => {
    const agreement = agreementOf(row);
    const standing = standingOf(row, policy);
    return {
      juror: row.juror,
      metric: row.metric,
      labels: agreement.labels,
      agreements: row.passPass + row.failFail,
      accuracy: agreement.accuracy,
      accuracyLowerBound: agreement.accuracyLowerBound,
      kappa: agreement.kappa,
      recentAgreement: agreement.recentAgreement,
      weight: standing.weight,
      belowTarget: standing.below,
      target: policy.target,
      minLabels: policy.minLabels,
    };
  });
}
