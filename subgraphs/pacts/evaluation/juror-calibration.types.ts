import { Field, Float, Int, ObjectType } from "type-graphql";
import { PactMetric } from "../pact.enums.js";

@ObjectType({
  description:
    "One juror's agreement with human reviewers on one metric: every human review of a case the juror voted on is a label. For arbiters.",
})
export class JurorCalibrationView {
  @Field(() => String, { description: "The juror, as its votes name it, e.g. `openai:gpt-4o-mini` or `rubric:strict`." })
  juror: string;

  @Field(() => PactMetric, { description: "The metric the juror's votes were on." })
  metric: PactMetric;

  @Field(() => Int, { description: "Human reviews of cases the juror voted on (abstentions are not labels)." })
  labels: number;

  @Field(() => Int, { description: "Of those, the reviews that decided as the juror voted." })
  agreements: number;

  @Field(() => Float, { nullable: true, description: "Share of labels the juror agreed with, 0–1; null without labels." })
  accuracy: number | null;

  @Field(() => Float, {
    nullable: true,
    description: "Lower bound of the 95% Wilson interval of that share: how low it may really be; null without labels.",
  })
  accuracyLowerBound: number | null;

  @Field(() => Float, {
    nullable: true,
    description:
      "Cohen's kappa between the juror and reviewers: 1 perfect, 0 what chance gives; null without labels or when every vote and verdict is alike.",
  })
  kappa: number | null;

  @Field(() => Float, {
    nullable: true,
    description:
      "Agreement over recent labels (older ones decayed by JURY_CALIBRATION_DECAY per newer one): what weighs the juror's votes.",
  })
  recentAgreement: number | null;

  @Field(() => Float, { description: "Weight of the juror's vote on this metric now: its recent agreement once calibrated, else 1." })
  weight: number;

  @Field(() => Boolean, {
    description: "Whether its recent agreement is below the target, so that every case it answers on this metric goes to human review.",
  })
  belowTarget: boolean;

  @Field(() => Float, { description: "The agreement target (JURY_AGREEMENT_TARGET) the juror is held to." })
  target: number;

  @Field(() => Int, { description: "Labels needed before the juror is held to the target and weighted (JURY_CALIBRATION_MIN_LABELS)." })
  minLabels: number;
}
