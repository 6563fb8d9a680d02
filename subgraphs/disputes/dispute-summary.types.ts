import { Field, ID, ObjectType } from "type-graphql";
import { historyPage } from "../../lib/platform/pagination.js";
import { Dispute, DisputeCategory, DisputeKind, DisputeOutcome, DisputeSeverity, DisputeStatus } from "./dispute.entity.js";

/**
 * A dispute as anyone may see it: what kind, how serious and how it ended, without the statement,
 * the evidence or who is involved. Built from the stored dispute, which `dispute` hands out in
 * full to those who may read it.
 */
@ObjectType({
  description:
    "A dispute about an agent as the public sees it: its kind, category, severity, status and outcome; the statement, evidence and people are left out.",
})
export class DisputeSummary {
  @Field(() => ID, { description: "Stable identifier of the dispute." })
  id: string;

  @Field(() => DisputeKind, { description: "A buyer's complaint, or a builder's appeal." })
  kind: DisputeKind;

  @Field(() => DisputeCategory, { description: "What kind of misbehaviour." })
  category: DisputeCategory;

  @Field(() => DisputeSeverity, { description: "How serious the filer judges it." })
  severity: DisputeSeverity;

  @Field(() => DisputeStatus, { description: "Where the dispute is in arbitration." })
  status: DisputeStatus;

  @Field(() => DisputeOutcome, { nullable: true, description: "How it was resolved; null until RESOLVED." })
  outcome: DisputeOutcome | null;

  @Field(() => Date, { description: "When it was filed." })
  filedAt: Date;

  @Field(() => Date, { nullable: true, description: "When it was resolved or withdrawn." })
  closedAt: Date | null;
}

export const DisputeSummaryConnection = historyPage(
  DisputeSummary,
  { edge: "DisputeSummaryEdge", connection: "DisputeSummaryConnection" },
  { item: "dispute about an agent", items: "an agent's disputes" },
);
export type DisputeSummaryConnection = InstanceType<typeof DisputeSummaryConnection>;

export const DisputeConnection = historyPage(
  Dispute,
  { edge: "DisputeEdge", connection: "DisputeConnection" },
  { item: "dispute", items: "disputes" },
);
export type DisputeConnection = InstanceType<typeof DisputeConnection>;
