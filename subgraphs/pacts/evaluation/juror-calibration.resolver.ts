import { Arg, Ctx, Query, Resolver } from "type-graphql";
import { config } from "../../../lib/platform/config.js";
import { PactMetric } from "../pact.enums.js";
import { requireReviewer } from "../pacts.access.js";
import type { PactsContext } from "../pacts.context.js";
import { listJurorCalibrations } from "./juror-calibration.list.js";
import { JurorCalibrationView } from "./juror-calibration.types.js";

@Resolver()
export class JurorCalibrationResolver {
  @Query(() => [JurorCalibrationView], {
    description:
      "How far each juror agrees with human reviewers, per metric, and so how much its vote weighs and whether its cases go to humans. Arbiters only.",
  })
  async jurorCalibrations(
    @Arg("metric", () => PactMetric, { nullable: true, description: "Only this metric; every metric when omitted." })
    metric: PactMetric | null,
    @Ctx() context: PactsContext,
  ): Promise<JurorCalibrationView[]> {
    requireReviewer(context.identity);
    return listJurorCalibrations(context.dataSource, config().jury.calibration, metric ?? undefined);
  }
}
