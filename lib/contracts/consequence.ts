import { registerEnumType } from "type-graphql";

/**
 * The vocabulary of consequences, shared by the context that writes them into pacts and the one
 * that runs them: both expose the identical enums, or the supergraph would not compose.
 */

/** The consequence ladder's rungs, mildest first; a ladder must climb in this order. */
export enum ConsequenceAction {
  WARN = "WARN",
  REQUIRE_HUMAN_REVIEW = "REQUIRE_HUMAN_REVIEW",
  THROTTLE = "THROTTLE",
  SUSPEND_LISTING = "SUSPEND_LISTING",
  DELIST = "DELIST",
}

export enum EscalationRecipient {
  ESCALATION_OWNER = "ESCALATION_OWNER",
  BUILDER = "BUILDER",
  ARBITERS = "ARBITERS",
  BUYERS = "BUYERS",
}

registerEnumType(ConsequenceAction, {
  name: "ConsequenceAction",
  description: "A rung of a pact's consequence ladder, mildest first.",
  valuesConfig: {
    WARN: { description: "The escalation route is told; nothing else changes." },
    REQUIRE_HUMAN_REVIEW: { description: "The agent's decisions need a human's sign-off until it recovers." },
    THROTTLE: { description: "The agent's tier is capped at BRONZE, ranking it below its peers, until it recovers." },
    SUSPEND_LISTING: { description: "The agent is hidden from search until it recovers." },
    DELIST: { description: "The agent is removed from the marketplace." },
  },
});
registerEnumType(EscalationRecipient, {
  name: "EscalationRecipient",
  description: "Who can be told when a consequence step is taken.",
  valuesConfig: {
    ESCALATION_OWNER: { description: "The pact's escalation owner (team and contact)." },
    BUILDER: { description: "The builder who owns the agent." },
    ARBITERS: { description: "The platform's arbiters." },
    BUYERS: { description: "Buyers who use the agent." },
  },
});

/** A rung of a pact's consequence ladder, as the context running it reads it. */
export interface LadderStep {
  action: ConsequenceAction;
  trigger: {
    breachCount?: number | null;
    breachWindowDays?: number | null;
    scoreDropPoints?: number | null;
    scoreDropWindowDays?: number | null;
    driftAlarm?: boolean | null;
  };
  recovery?: { passingRuns?: number | null; minCompositeScore?: number | null; quietDays?: number | null } | null;
}

/** Who is told when one rung is taken. */
export interface RouteStep {
  action: ConsequenceAction;
  notify: EscalationRecipient[];
}

/** The consequence terms of a pact version: what runs when an agent's trust degrades, and who is told. */
export interface ConsequenceTerms {
  pactId: string;
  pactVersion: number;
  ladder: LadderStep[];
  route: RouteStep[];
  owner: { team: string; contact: string; ackDeadlineMinutes: number };
}
