import { Column, Entity, PrimaryColumn } from "typeorm";
import type { PactMetric } from "../pact.enums.js";
import type { CalibrationCounts } from "./jury/juror-calibration.math.js";

/**
 * One juror's agreement with human reviewers on one metric (see jury/juror-calibration.math.ts):
 * the four counts of its vote against the human verdict, and its decayed recent agreement. Created
 * when a jury first deliberates with the juror on the metric, outside any transaction, so that a
 * review's transaction only ever updates existing rows.
 */
@Entity({ name: "juror_calibrations" })
export class JurorCalibration implements CalibrationCounts {
  @PrimaryColumn({ type: "varchar", length: 200 })
  juror: string;

  @PrimaryColumn({ type: "varchar", length: 40 })
  metric: PactMetric;

  @Column({ name: "pass_pass", type: "int", default: 0 })
  passPass: number;

  @Column({ name: "pass_fail", type: "int", default: 0 })
  passFail: number;

  @Column({ name: "fail_pass", type: "int", default: 0 })
  failPass: number;

  @Column({ name: "fail_fail", type: "int", default: 0 })
  failFail: number;

  @Column({ name: "recent_agreed", type: "double", default: 0 })
  recentAgreed: number;

  @Column({ name: "recent_total", type: "double", default: 0 })
  recentTotal: number;
}
