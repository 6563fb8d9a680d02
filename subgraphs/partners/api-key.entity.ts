import { Column, Entity, Index, PrimaryColumn } from "typeorm";
import { Field, ID, ObjectType } from "type-graphql";
import { commaList } from "../../lib/platform/database.js";
import { ApiKeyState } from "./api-key.enums.js";
import { stateOf } from "./api-key.state.js";

/**
 * A partner's API key. The secret itself is never stored: only its SHA-256 (`digest`, see
 * lib/contracts/api-key.ts for why a fast hash is right) and its first characters (`prefix`).
 */
@ObjectType({
  description:
    "A partner's API key, as listed: its name, scopes and dates, and the first characters of its secret. The secret itself is shown once, when the key is created or rotated, and never stored.",
})
@Entity({ name: "api_keys" })
@Index("uq_api_keys_digest", ["digest"], { unique: true })
@Index("idx_api_keys_partner_created", ["partner", "createdAt", "id"])
export class ApiKey {
  @Field(() => ID, { description: "Stable identifier of the key." })
  @PrimaryColumn({ type: "varchar", length: 36 })
  id: string;

  @Field(() => String, { description: "Subject of the partner organisation the key authenticates as." })
  @Column({ type: "varchar", length: 128 })
  partner: string;

  @Field(() => String, { description: "What the partner calls the key (1–100 characters), e.g. the server that holds it." })
  @Column({ type: "varchar", length: 100 })
  name: string;

  @Field(() => [String], {
    description:
      "What the key may do: `reputation:read`, `disputes:read`, `feed:read`, `keys:manage`, `webhooks:manage`. A rotated key's replacement has the same.",
  })
  @Column({ type: "varchar", length: 255, transformer: commaList })
  scopes: string[];

  @Field(() => String, {
    description: "The first 12 characters of the secret (`atk_` and 8 more), to tell keys apart; not enough to use it.",
  })
  @Column({ type: "varchar", length: 12 })
  prefix: string;

  /** Hex SHA-256 of the secret: what a presented key is looked up by. */
  @Column({ type: "varchar", length: 64 })
  digest: string;

  @Field(() => Date, { description: "When the key was created (for a replacement: when its predecessor was rotated)." })
  @Column({ name: "created_at", type: "datetime", precision: 3 })
  createdAt: Date;

  @Field(() => String, { description: "Subject of who created it: the partner itself." })
  @Column({ name: "created_by", type: "varchar", length: 128 })
  createdBy: string;

  @Field(() => Date, { nullable: true, description: "When a request last authenticated with it, to the minute; null if never." })
  @Column({ name: "last_used_at", type: "datetime", precision: 3, nullable: true })
  lastUsedAt: Date | null;

  @Field(() => Date, { nullable: true, description: "When it stops being accepted on its own; null for never." })
  @Column({ name: "expires_at", type: "datetime", precision: 3, nullable: true })
  expiresAt: Date | null;

  @Field(() => Date, { nullable: true, description: "When it was revoked; null unless REVOKED." })
  @Column({ name: "revoked_at", type: "datetime", precision: 3, nullable: true })
  revokedAt: Date | null;

  @Field(() => String, { nullable: true, description: "Subject of who revoked it: the partner or an operator; null unless REVOKED." })
  @Column({ name: "revoked_by", type: "varchar", length: 128, nullable: true })
  revokedBy: string | null;

  @Field(() => ID, { nullable: true, description: "The key that replaced it when it was rotated; null if it was not." })
  @Column({ name: "replaced_by", type: "varchar", length: 36, nullable: true })
  replacedBy: string | null;

  @Field(() => Date, { nullable: true, description: "When a rotated key stops being accepted; null if it was not rotated." })
  @Column({ name: "grace_until", type: "datetime", precision: 3, nullable: true })
  graceUntil: Date | null;

  @Field(() => ApiKeyState, { description: "Whether the key is accepted now, and if not, why." })
  get state(): ApiKeyState {
    return stateOf(this, new Date());
  }
}
