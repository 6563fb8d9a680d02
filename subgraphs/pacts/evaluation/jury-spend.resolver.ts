import { Arg, Ctx, Query, Resolver } from "type-graphql";
import { config } from "../../../lib/platform/config.js";
import { BadUserInputError } from "../../../lib/platform/errors.js";
import { requireSpendReader } from "../pacts.access.js";
import type { PactsContext } from "../pacts.context.js";
import type { JuryBudgetSettings } from "./jury/jury.panel.js";
import { spendOf, spendPeriod } from "./jury-spend.reserve.js";
import { JurySpendView, JuryWhenCapped } from "./jury-spend.types.js";

/** A calendar month as spendPeriod writes it; anything else names no row and would read as zeros. */
const PERIOD = /^\d{4}-(0[1-9]|1[0-2])$/;

@Resolver()
export class JurySpendResolver {
  @Query(() => JurySpendView, {
    description:
      "What a builder's jury spent on model calls in a month, against the budget: a builder reads their own, an arbiter any builder's (naming it); others are FORBIDDEN.",
  })
  async jurySpend(
    @Arg("period", () => String, { nullable: true, description: "The calendar month, UTC, as `YYYY-MM`; the current month when omitted." })
    period: string | null | undefined,
    @Arg("builder", () => String, {
      nullable: true,
      description: "Subject of the builder: a builder may omit it or name themselves; an arbiter must name one.",
    })
    builder: string | null | undefined,
    @Ctx() context: PactsContext,
  ): Promise<JurySpendView> {
    const subject = requireSpendReader(context.identity, builder);
    const month = period ?? spendPeriod(new Date());
    if (!PERIOD.test(month)) throw new BadUserInputError("period", "must be a calendar month as YYYY-MM (UTC), e.g. 2026-11");
    return spendView(subject, month, await spendOf(context.dataSource, subject, month), config().jury.budget);
  }
}

function spendView(builder: string, period: string, spend: Awaited<ReturnType<typeof spendOf>>, budget: JuryBudgetSettings): JurySpendView {
  const { capUsd } = budget;
  // In whole micro-dollars, as the guard counts (the cap rounded down): dollars subtracted as
  // floats would show a remainder like 0.30000000000000004.
  const remainingUsd =
    capUsd === null ? null : Math.max(0, Math.floor(capUsd * 1_000_000) - Math.round(spend.reservedUsd * 1_000_000)) / 1_000_000;
  return Object.assign(new JurySpendView(), {
    builder,
    period,
    capUsd,
    spentUsd: spend.spentUsd,
    reservedUsd: spend.reservedUsd,
    remainingUsd,
    calls: spend.calls,
    refusedCalls: spend.refused,
    capped: spend.refused > 0,
    whenCapped: budget.whenCapped === "wait" ? JuryWhenCapped.WAIT : JuryWhenCapped.REVIEW,
  });
}
