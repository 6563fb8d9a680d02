import type { EntityManager } from "typeorm";

/*
 * Every context -> transparency: the consequential acts the public log records. Appending runs in
 * the act's transaction, so the entry commits or rolls back with the act; it never waits on the
 * log's sequencer (the transparency context's log.sequence.ts), which gives committed entries their
 * index later. docs/transparency.md says what each kind's payload holds.
 */

/** What kind of act an entry records. */
export enum LogEntryKind {
  TRUST_CHANGE = "TRUST_CHANGE",
  ELIGIBILITY = "ELIGIBILITY",
  RUN_VERDICT = "RUN_VERDICT",
  HUMAN_REVIEW = "HUMAN_REVIEW",
  DISPUTE_TRANSITION = "DISPUTE_TRANSITION",
  APPEAL_DECISION = "APPEAL_DECISION",
  PACT_ACTIVATED = "PACT_ACTIVATED",
  PACT_RETIRED = "PACT_RETIRED",
  API_KEY_ISSUED = "API_KEY_ISSUED",
  API_KEY_REVOKED = "API_KEY_REVOKED",
  CONSEQUENCE_STEP = "CONSEQUENCE_STEP",
  CONSEQUENCE_LIFTED = "CONSEQUENCE_LIFTED",
}

/**
 * One act to log. `payload` must be plain JSON (it is stored as canonical JSON and hashed: see
 * lib/platform/canonical-json.ts); `at` is the act's own clock, with millisecond precision.
 */
export interface LogEntryInput {
  kind: LogEntryKind;
  /** What the act is about: an agent id, a pact id, a dispute id, an API key id (at most 128 characters). */
  subject: string;
  payload: Record<string, unknown>;
  at: Date;
}

/**
 * Where an agent stands in the log, as an attestation names it: the latest signed tree head, and
 * the positions in it of the agent's latest TRUST_CHANGE and ELIGIBILITY entries (null when the
 * head holds none), whose payloads state the scores and the listing decision.
 */
export interface LogPosition {
  treeSize: number;
  /** The head's RFC 9162 root hash, hex. */
  rootHash: string;
  trustChange: number | null;
  eligibility: number | null;
}

/** Writes one entry in the caller's transaction. */
export type AppendLogEntry = (manager: EntityManager, entry: LogEntryInput) => Promise<void>;
