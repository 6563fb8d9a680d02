import { Arg, Ctx, ID, Query, Resolver } from "type-graphql";
import { issueAttestation } from "./attestation.issue.js";
import { Attestation } from "./attestation.types.js";
import { requireTrustReader } from "./reputation.access.js";
import type { ReputationContext } from "./reputation.context.js";

@Resolver()
export class AttestationResolver {
  @Query(() => Attestation, {
    description:
      "A signed, short-lived statement of an agent's trust, verifiable offline with the JWKS at /.well-known/jwks.json; open to everyone (an API key needs reputation:read).",
  })
  attestation(
    @Arg("agentId", () => ID, { description: "The agent to attest." }) agentId: string,
    @Ctx() context: ReputationContext,
  ): Promise<Attestation> {
    requireTrustReader(context.identity);
    // Wired by the runtime (runtime/contexts.ts); only a host that wired none lacks it.
    if (!context.attestations) throw new Error("attestations are not wired in this host");
    return issueAttestation(context, context.attestations, agentId);
  }
}
