import { ArrayMaxSize, ArrayMinSize, IsOptional, MaxLength } from "class-validator";
import { Field, ID, InputType } from "type-graphql";
import { MAX_AGENTS_PER_REQUEST } from "../../lib/contracts/agent-directory.js";
import { MAX_URL_LENGTH } from "../../lib/platform/outbound-address.js";
import { TrimmedLength } from "../../lib/platform/validation.js";
import { WebhookEventType } from "./webhook.enums.js";

/** Event types one endpoint may name: each at most once, so never more than there are. */
const MAX_EVENT_TYPES = Object.keys(WebhookEventType).length;

const URL_DESCRIPTION = `Where to POST events: an https URL (at most ${MAX_URL_LENGTH} characters, no user name or password, no fragment) whose host resolves only to public addresses. In development, http to a loopback address is allowed too (WEBHOOKS_ALLOW_LOOPBACK).`;
const EVENT_TYPES_DESCRIPTION =
  "The events to receive, at least one, each once. ESCALATION_RAISED and ESCALATION_OVERDUE are for builders' endpoints only.";
const AGENT_IDS_DESCRIPTION = `Hear only of these agents (1–${MAX_AGENTS_PER_REQUEST}, each once; a builder: only their own); null for every agent the owner may hear of.`;

@InputType({ description: "A new webhook endpoint for the caller (a partner, or a builder for their own agents)." })
export class CreateWebhookEndpointInput {
  @Field(() => String, { description: URL_DESCRIPTION })
  @MaxLength(MAX_URL_LENGTH)
  url: string;

  @Field(() => String, { nullable: true, description: "What to call it, at most 200 characters; empty when absent." })
  @IsOptional()
  @TrimmedLength(0, 200)
  description?: string | null;

  @Field(() => [WebhookEventType], { description: EVENT_TYPES_DESCRIPTION })
  @ArrayMinSize(1, { message: "must name at least one event type" })
  @ArrayMaxSize(MAX_EVENT_TYPES)
  eventTypes: WebhookEventType[];

  @Field(() => [ID], { nullable: true, description: AGENT_IDS_DESCRIPTION })
  @IsOptional()
  @ArrayMinSize(1, { message: "must name at least one agent, or be null for every agent" })
  @ArrayMaxSize(MAX_AGENTS_PER_REQUEST)
  agentIds?: string[] | null;
}

@InputType({ description: "What to change of a webhook endpoint; a field left out stays as it is." })
export class UpdateWebhookEndpointInput {
  @Field(() => String, { nullable: true, description: `${URL_DESCRIPTION} Checked as at registration.` })
  @IsOptional()
  @MaxLength(MAX_URL_LENGTH)
  url?: string | null;

  @Field(() => String, { nullable: true, description: "What to call it, at most 200 characters." })
  @IsOptional()
  @TrimmedLength(0, 200)
  description?: string | null;

  @Field(() => [WebhookEventType], { nullable: true, description: EVENT_TYPES_DESCRIPTION })
  @IsOptional()
  @ArrayMinSize(1, { message: "must name at least one event type" })
  @ArrayMaxSize(MAX_EVENT_TYPES)
  eventTypes?: WebhookEventType[] | null;

  @Field(() => [ID], {
    nullable: true,
    description: `${AGENT_IDS_DESCRIPTION} Left out: unchanged; null: every agent.`,
  })
  @IsOptional()
  @ArrayMinSize(1, { message: "must name at least one agent, or be null for every agent" })
  @ArrayMaxSize(MAX_AGENTS_PER_REQUEST)
  agentIds?: string[] | null;
}
