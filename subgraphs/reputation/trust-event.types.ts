import { Field, ID, Int, ObjectType } from "type-graphql";
import { ConsequenceAction } from "../../lib/contracts/consequence.js";
import { PageInfo } from "../../lib/platform/pagination.js";
import { AgentRef } from "./agent.stub.js";
import { TrustTier } from "./score.math.js";
import { TrustEventType, type TrustEvent } from "./trust-event.entity.js";
import { TrustCause } from "./trust-history.entity.js";

/**
 * One event of the change feed as partners read it. Before and after are typed fields, one pair
 * per kind of value, so that a consumer reads a score as a number and a tier as the enum; the pair
 * that goes with `type` is set, the others are null.
 */
@ObjectType("TrustEvent", {
  description:
    "One change of one of an agent's trust values: before and after, cause and time. Only the before/after pair named by `type` is set.",
})
export class TrustEventNode {
  @Field(() => ID, { description: "Identifier of the event." })
  id: string;

  @Field(() => AgentRef, { description: "The agent whose trust changed." })
  agent: AgentRef;

  @Field(() => TrustEventType, { description: "Which value changed, and so which before/after pair is set." })
  type: TrustEventType;

  @Field(() => Int, { nullable: true, description: "The score before the change, 0–1000; for COMPOSITE_SCORE and REPUTATION_SCORE." })
  scoreBefore: number | null;

  @Field(() => Int, { nullable: true, description: "The score after the change, 0–1000; for COMPOSITE_SCORE and REPUTATION_SCORE." })
  scoreAfter: number | null;

  @Field(() => TrustTier, { nullable: true, description: "The tier before the change; for TIER." })
  tierBefore: TrustTier | null;

  @Field(() => TrustTier, { nullable: true, description: "The tier after the change; for TIER." })
  tierAfter: TrustTier | null;

  @Field(() => Boolean, { nullable: true, description: "Whether the agent could be listed before the change; for ELIGIBILITY." })
  eligibleBefore: boolean | null;

  @Field(() => Boolean, { nullable: true, description: "Whether the agent could be listed after the change; for ELIGIBILITY." })
  eligibleAfter: boolean | null;

  @Field(() => ConsequenceAction, {
    nullable: true,
    description: "The consequence step standing before the change; for CONSEQUENCE, where null means none stood.",
  })
  consequenceBefore: ConsequenceAction | null;

  @Field(() => ConsequenceAction, {
    nullable: true,
    description: "The consequence step standing after the change; for CONSEQUENCE, where null means none stands.",
  })
  consequenceAfter: ConsequenceAction | null;

  @Field(() => TrustCause, { description: "What kind of evidence or act caused the change." })
  cause: TrustCause;

  @Field(() => ID, { description: "The run, report, dispute or act that caused it (see TrustCause)." })
  causeId: string;

  @Field(() => Date, { description: "When the change happened." })
  occurredAt: Date;
}

@ObjectType({ description: "One event of the trust change feed." })
export class TrustEventEdge {
  @Field(() => String, { description: "Opaque cursor of the event's position in the feed; pass as `after` to continue after it." })
  cursor: string;

  @Field(() => TrustEventNode, { description: "The event." })
  node: TrustEventNode;
}

@ObjectType({ description: "A page of the trust change feed, in feed order (oldest position first)." })
export class TrustEventConnection {
  @Field(() => [TrustEventEdge], { description: "The events on this page." })
  edges: TrustEventEdge[];

  @Field(() => PageInfo, {
    description:
      "Whether more events follow now; `endCursor` is where to resume: the last event's cursor, or the `after` given when the page is empty.",
  })
  pageInfo: PageInfo;
}

const asScore = (value: string | null) => (value === null ? null : Number(value));
const asEligible = (value: string | null) => (value === null ? null : value === "true");

/** A stored event as the feed shows it: its text values read back into the pair its type names. */
export function trustEventNode(row: TrustEvent): TrustEventNode {
  const score = row.type === TrustEventType.COMPOSITE_SCORE || row.type === TrustEventType.REPUTATION_SCORE;
  const pair = <T>(applies: boolean, read: (value: string | null) => T) => [
    applies ? read(row.beforeValue) : null,
    applies ? read(row.afterValue) : null,
  ];
  const [scoreBefore, scoreAfter] = pair(score, asScore);
  const [tierBefore, tierAfter] = pair(row.type === TrustEventType.TIER, (value) => value as TrustTier | null);
  const [eligibleBefore, eligibleAfter] = pair(row.type === TrustEventType.ELIGIBILITY, asEligible);
  const [consequenceBefore, consequenceAfter] = pair(row.type === TrustEventType.CONSEQUENCE, (value) => value as ConsequenceAction | null);
  return Object.assign(new TrustEventNode(), {
    id: String(row.id),
    agent: { id: row.agentId },
    type: row.type,
    scoreBefore,
    scoreAfter,
    tierBefore,
    tierAfter,
    eligibleBefore,
    eligibleAfter,
    consequenceBefore,
    consequenceAfter,
    cause: row.cause,
    causeId: row.causeId,
    occurredAt: row.occurredAt,
  });
}
