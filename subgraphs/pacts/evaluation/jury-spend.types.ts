import { Field, Float, Int, ObjectType, registerEnumType } from "type-graphql";

/** JURY_WHEN_CAPPED as the API spells it: enum values are SCREAMING_CASE, the setting's are lower case. */
export enum JuryWhenCapped {
  REVIEW = "REVIEW",
  WAIT = "WAIT",
}

registerEnumType(JuryWhenCapped, {
  name: "JuryWhenCapped",
  description: "What happens to a case once the builder's budget refuses its jury's calls (JURY_WHEN_CAPPED).",
  valuesConfig: {
    REVIEW: {
      description:
        "The case is UNCERTAIN, its `uncertainBecause` saying the spend cap was reached, and humans decide it in the review queue.",
    },
    WAIT: {
      description:
        "The slice fails with that reason and is judged again when redelivered or requeued (after JUDGE_MAX_REQUEUES the run fails); a slice judged in a new month draws on that month's budget.",
    },
  },
});

// "JurySpend" is the GraphQL name; the class keeps another so as not to be confused with the
// `jury_spend` entity of the same name, which is not in the schema.
@ObjectType("JurySpend", {
  description:
    "What a builder's jury spent on model calls in one calendar month (UTC), against the builder's budget. For the builder and arbiters.",
})
export class JurySpendView {
  @Field(() => String, { description: "Subject of the builder who pays: the one who submitted the runs." })
  builder: string;

  @Field(() => String, { description: "The calendar month, UTC, as `YYYY-MM`." })
  period: string;

  @Field(() => Float, {
    nullable: true,
    description: "The budget per builder and month in dollars (JURY_BUDGET_USD_PER_BUILDER); null when no cap is configured.",
  })
  capUsd: number | null;

  @Field(() => Float, {
    description: "Dollars of calls that completed (answered, failed or unusable), as billed, or at their maximum when the cost is unknown.",
  })
  spentUsd: number;

  @Field(() => Float, {
    description:
      "Dollars held against the cap: settled spend plus the maximum cost of calls still in flight. A call is made only if its maximum fits under the cap on top of this.",
  })
  reservedUsd: number;

  @Field(() => Float, {
    nullable: true,
    description:
      "Dollars still free under the cap now: cap − reserved, at least 0; it grows back as calls in flight settle below their maximum. Null without a cap.",
  })
  remainingUsd: number | null;

  @Field(() => Int, { description: "Paid model calls made (each attempt counts: a retry is a call)." })
  calls: number;

  @Field(() => Int, { description: "Calls refused because their maximum no longer fitted under the cap." })
  refusedCalls: number;

  @Field(() => Boolean, {
    description:
      "Whether the cap has refused a call this period (refusedCalls > 0), so that some cases went to humans or waited, as whenCapped says. A fact, not a forecast: whether the next call fits depends on its maximum, each juror's own or JURY_MAX_CALL_USD, against remainingUsd.",
  })
  capped: boolean;

  @Field(() => JuryWhenCapped, { description: "What happens to cases whose calls the cap refuses (JURY_WHEN_CAPPED)." })
  whenCapped: JuryWhenCapped;
}
