import { Field, ID, ObjectType } from "type-graphql";
import { Column, Entity, Index, PrimaryColumn } from "typeorm";
import { jsonText } from "../../lib/platform/database.js";
import { WebhookEndpointState, WebhookEventType } from "./webhook.enums.js";

/**
 * An endpoint a partner or a builder registered. No secret is stored: an endpoint's signing
 * secret is derived from the installation's webhook key, its id and its secret generation
 * (webhook-secret.ts), so a copy of this table signs nothing. A rotation keeps the previous
 * generation valid until `previousSecretUntil`.
 */
@ObjectType({
  description:
    "An endpoint that receives signed webhook events (docs/webhooks.md): where, which events, about which agents, and whether it is receiving. Its signing secret is shown once, when the endpoint is created or its secret rotated, and never stored.",
})
@Entity({ name: "webhook_endpoints" })
@Index("idx_webhook_endpoints_owner", ["ownerRole", "ownerId", "createdAt", "id"])
export class WebhookEndpoint {
  @Field(() => ID, { description: "Stable identifier of the endpoint; it is also part of what its secret is derived from." })
  @PrimaryColumn({ type: "varchar", length: 36 })
  id: string;

  /** `partner` or `builder`. */
  @Column({ name: "owner_role", type: "varchar", length: 16 })
  ownerRole: "partner" | "builder";

  @Column({ name: "owner_id", type: "varchar", length: 128 })
  ownerId: string;

  @Field(() => String, {
    description:
      "Where events are POSTed: an https URL whose host resolves only to public addresses (checked again before every delivery).",
  })
  @Column({ type: "varchar", length: 2048 })
  url: string;

  @Field(() => String, { description: "What the owner calls the endpoint (at most 200 characters); may be empty." })
  @Column({ type: "varchar", length: 200 })
  description: string;

  @Field(() => [WebhookEventType], { description: "The events it receives, each once." })
  @Column({ name: "event_types", type: "text", transformer: jsonText })
  eventTypes: WebhookEventType[];

  /** The agents it hears of; null: every agent the owner may hear of. */
  @Field(() => [ID], {
    nullable: true,
    description:
      "The agents it hears of (a builder's: only their own); null for every agent its owner may hear of. Events about no agent (`endpoint.disabled`) ignore it.",
  })
  @Column({ name: "agent_ids", type: "text", nullable: true, transformer: jsonText })
  agentIds: string[] | null;

  @Field(() => WebhookEndpointState, { description: "Whether it receives events." })
  @Column({ type: "varchar", length: 16 })
  state: WebhookEndpointState;

  @Field(() => String, { nullable: true, description: "Why it was disabled, and by whom or what; null while ACTIVE." })
  @Column({ name: "disabled_reason", type: "varchar", length: 500, nullable: true })
  disabledReason: string | null;

  @Field(() => Date, { nullable: true, description: "When it was disabled; null while ACTIVE." })
  @Column({ name: "disabled_at", type: "datetime", precision: 3, nullable: true })
  disabledAt: Date | null;

  /** When the endpoint's current run of failures began; null after a success. */
  @Field(() => Date, {
    nullable: true,
    description:
      "When its current run of failed deliveries began; null after a success. An endpoint failing for a whole retry schedule is disabled.",
  })
  @Column({ name: "failing_since", type: "datetime", precision: 3, nullable: true })
  failingSince: Date | null;

  @Column({ name: "secret_generation", type: "int" })
  secretGeneration: number;

  /** The generation before the last rotation, still signed with until `previousSecretUntil`. */
  @Column({ name: "previous_secret_generation", type: "int", nullable: true })
  previousSecretGeneration: number | null;

  @Column({ name: "previous_secret_until", type: "datetime", precision: 3, nullable: true })
  previousSecretUntil: Date | null;

  @Field(() => Date, { description: "When it was registered." })
  @Column({ name: "created_at", type: "datetime", precision: 3 })
  createdAt: Date;

  @Field(() => Date, { description: "When its owner or an operator last changed it (settings, secret, state)." })
  @Column({ name: "updated_at", type: "datetime", precision: 3 })
  updatedAt: Date;

  @Field(() => Date, {
    nullable: true,
    description:
      "Until when deliveries are also signed with the secret before the last rotation (a second `v1,` signature); null when only the current secret signs.",
  })
  get previousSecretValidUntil(): Date | null {
    const until = this.previousSecretUntil;
    return until !== null && until.getTime() > Date.now() ? until : null;
  }
}
