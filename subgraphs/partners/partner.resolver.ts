import { Arg, Ctx, Mutation, Resolver } from "type-graphql";
import { BadUserInputError } from "../../lib/platform/errors.js";
import { SUBJECT_PATTERN } from "../../lib/platform/identity.js";
import { PartnerStanding } from "./api-key.types.js";
import { requireOperator } from "./partners.access.js";
import type { PartnersContext } from "./partners.context.js";
import { reinstatePartner } from "./partner.reinstate.js";
import { suspendPartner } from "./partner.suspend.js";

const checkedPartner = (partner: string) => {
  if (!SUBJECT_PATTERN.test(partner))
    throw new BadUserInputError("partner", "must be a partner's subject: 1–128 letters, digits and . _ @ : -");
  return partner;
};

@Resolver(() => PartnerStanding)
export class PartnerStandingResolver {
  @Mutation(() => PartnerStanding, {
    description:
      "Suspends a partner (operators): every API key of the partner is refused, at every gateway within API_KEY_CACHE_SECONDS, until it is reinstated. Its tokens are not refused. Suspending a suspended partner is a CONFLICT.",
  })
  suspendPartner(
    @Arg("partner", () => String, { description: "Subject of the partner organisation." }) partner: string,
    @Arg("reason", () => String, { description: "Why, for the record (1–2000 characters)." }) reason: string,
    @Ctx() context: PartnersContext,
  ): Promise<PartnerStanding> {
    const operator = requireOperator(context.identity);
    const note = reason.trim();
    if (note.length === 0 || note.length > 2000)
      throw new BadUserInputError("reason", "must be 1–2000 characters, not counting surrounding spaces");
    return suspendPartner(context, operator, checkedPartner(partner), note);
  }

  @Mutation(() => PartnerStanding, {
    description:
      "Lifts a partner's suspension (operators); its keys are accepted again within API_KEY_CACHE_SECONDS. The suspension stays on record. Reinstating a partner that is not suspended is a CONFLICT.",
  })
  reinstatePartner(
    @Arg("partner", () => String, { description: "Subject of the partner organisation." }) partner: string,
    @Ctx() context: PartnersContext,
  ): Promise<PartnerStanding> {
    return reinstatePartner(context, requireOperator(context.identity), checkedPartner(partner));
  }
}
