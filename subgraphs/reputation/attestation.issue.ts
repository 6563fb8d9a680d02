import { findAgentCard } from "../../lib/contracts/agent-directory.js";
import { NotFoundError } from "../../lib/platform/errors.js";
import { evidenceDigest, evidenceIdsOf } from "./attestation.evidence.js";
import type { Attestation } from "./attestation.types.js";
import type { AttestationOptions, ReputationContext } from "./reputation.context.js";

/** The JWS `typ` of an attestation: a verifier insists on it, so no other statement we sign passes for one. */
export const ATTESTATION_TYPE = "agent-trust-attestation+jwt";

/**
 * Signs what the marketplace says of an agent now: who it is, both scores with their confidence,
 * tier, listing eligibility with reasons under the named policy, the pact versions in force with
 * their content digests, a digest of the evidence behind the scores, and where the agent stands
 * in the transparency log's latest signed head when there is one. Read outside a transaction: each part is as fresh as its read, and the
 * signature vouches for what was read.
 */
export async function issueAttestation(context: ReputationContext, options: AttestationOptions, agentId: string): Promise<Attestation> {
  const manager = context.dataSource.manager;
  const agent = await findAgentCard(manager, agentId);
  if (!agent) throw new NotFoundError("agentId", "agent", agentId);
  const [trust, activePacts, evidence, log] = await Promise.all([
    context.trustByAgentId.load(agentId),
    options.activePacts(manager, agentId),
    evidenceIdsOf(manager, agentId),
    options.logPosition ? options.logPosition(agentId) : Promise.resolve(null),
  ]);
  const claims = {
    iss: options.issuer,
    sub: agentId,
    agent: { id: agent.agentId, name: agent.name, owner: agent.ownerId },
    scores: {
      composite: trust.compositeScore,
      compositeConfidence: trust.compositeConfidence,
      reputation: trust.reputationScore,
      reputationConfidence: trust.reputationConfidence,
    },
    tier: trust.tier,
    eligible: trust.eligible,
    reasons: trust.reasons,
    policyVersion: trust.policyVersion,
    activePacts: activePacts.map(({ id, version, workflow, digest }) => ({ id, version, workflow, digest })),
    evidenceDigest: evidenceDigest(evidence),
    log,
  };
  const signed = await options.signer().signJws(claims, { expiresIn: options.ttlSeconds, typ: ATTESTATION_TYPE });
  const payload = JSON.parse(Buffer.from(signed.jws.split(".")[1] ?? "", "base64url").toString("utf8")) as unknown;
  return { jws: signed.jws, kid: signed.kid, issuedAt: signed.issuedAt, expiresAt: signed.expiresAt, payload: JSON.stringify(payload) };
}
