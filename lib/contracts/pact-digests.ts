import type { EntityManager } from "typeorm";

/** An active pact version as an attestation names it, with a digest of its content. */
export interface ActivePactDigest {
  /** The pact version's id. */
  id: string;
  version: number;
  workflow: string;
  /**
   * `sha256:<hex>` of the version's canonical content (docs/attestations.md, "Pact digests"):
   * its terms and clauses, so a partner holding the pact can check it is the one in force.
   */
  digest: string;
}

/** The pacts context's answer: the agent's ACTIVE pact versions (one per workflow at most), by workflow. */
export type ActivePactDigests = (manager: EntityManager, agentId: string) => Promise<ActivePactDigest[]>;
