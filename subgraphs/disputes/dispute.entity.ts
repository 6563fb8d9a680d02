import { Column, Entity, Index, PrimaryColumn } from "typeorm";
import { Field, ID, ObjectType, registerEnumType } from "type-graphql";
import { jsonText } from "../../lib/platform/database.js";

export enum DisputeKind {
  COMPLAINT = "COMPLAINT",
  APPEAL = "APPEAL",
}

/** What an appeal contests. */
export enum ContestedKind {
  DISPUTE = "DISPUTE",
  CONSEQUENCE = "CONSEQUENCE",
  RUN = "RUN",
}

export enum DisputeStatus {
  OPEN = "OPEN",
  UNDER_REVIEW = "UNDER_REVIEW",
  RESOLVED = "RESOLVED",
  WITHDRAWN = "WITHDRAWN",
}

export enum DisputeOutcome {
  UPHELD = "UPHELD",
  REJECTED = "REJECTED",
  SETTLED = "SETTLED",
}

export enum DisputeSeverity {
  CRITICAL = "CRITICAL",
  MAJOR = "MAJOR",
  MINOR = "MINOR",
}

export enum DisputeCategory {
  PACT_BREACH = "PACT_BREACH",
  MISCLASSIFICATION = "MISCLASSIFICATION",
  MISSED_ESCALATION = "MISSED_ESCALATION",
  DATA_HANDLING = "DATA_HANDLING",
  OTHER = "OTHER",
}

registerEnumType(DisputeKind, {
  name: "DisputeKind",
  description: "Who brings a dispute, and against what.",
  valuesConfig: {
    COMPLAINT: { description: "A buyer's complaint that an agent misbehaved." },
    APPEAL: {
      description: "A builder's appeal against a verdict on their own agent: an upheld complaint, a consequence step or a run's verdict.",
    },
  },
});
registerEnumType(ContestedKind, {
  name: "ContestedKind",
  description: "What kind of verdict an appeal contests.",
  valuesConfig: {
    DISPUTE: { description: "An upheld complaint; the id is the dispute's." },
    CONSEQUENCE: { description: "A step of the pact's consequence ladder taken on the agent; the id is the escalation that records it." },
    RUN: { description: "A judged evaluation run's verdict, including the human reviews of its uncertain cases; the id is the run's." },
  },
});
registerEnumType(DisputeStatus, {
  name: "DisputeStatus",
  description: "Where a dispute is in arbitration.",
  valuesConfig: {
    OPEN: { description: "Filed, waiting for an arbiter to take it." },
    UNDER_REVIEW: { description: "Assigned to an arbiter, who must resolve it." },
    RESOLVED: { description: "Decided by the arbiter; the outcome says how." },
    WITHDRAWN: { description: "Withdrawn by its filer before a decision." },
  },
});
registerEnumType(DisputeOutcome, {
  name: "DisputeOutcome",
  description: "How an arbiter resolved a dispute.",
  valuesConfig: {
    UPHELD: {
      description:
        "A complaint: the agent misbehaved as the filer says, which counts against its reputation by severity. An appeal: granted, which reverses the contested verdict.",
    },
    REJECTED: {
      description:
        "The evidence does not bear the dispute out; a rejected complaint weighs against the filer's later ones. A complaint reversed on appeal becomes REJECTED.",
    },
    SETTLED: { description: "The parties agreed; nothing counts for or against either." },
  },
});
registerEnumType(DisputeSeverity, {
  name: "DisputeSeverity",
  description: "How serious the reported misbehaviour is.",
  valuesConfig: {
    CRITICAL: { description: "A missed incident or harmful action; open, it keeps the agent off the listing." },
    MAJOR: { description: "Wrong results that cost analysts real time." },
    MINOR: { description: "An annoyance without security impact." },
  },
});
registerEnumType(DisputeCategory, {
  name: "DisputeCategory",
  description: "What kind of misbehaviour a dispute is about.",
  valuesConfig: {
    PACT_BREACH: { description: "The agent broke a clause of its pact in production." },
    MISCLASSIFICATION: { description: "Wrong severity or true/false-positive call." },
    MISSED_ESCALATION: { description: "An incident that needed people was not escalated, or too late." },
    DATA_HANDLING: { description: "Data was kept, sent or shown where it must not be." },
    OTHER: { description: "Anything else; the statement says what." },
  },
});

/** External evidence: where it is, and the SHA-256 that pins what the filer saw there. */
@ObjectType({ description: "Evidence outside the platform: a URL and the SHA-256 of its content when filed." })
export class ExternalEvidence {
  @Field(() => String, { description: "Where the evidence is (https)." })
  url: string;

  @Field(() => String, { description: "Hex SHA-256 of the content, so anyone can check it is unchanged." })
  sha256: string;
}

/** What a dispute points at: the agent's cases, runs and KPI reports, and external documents. */
@ObjectType({ description: "The evidence a dispute rests on." })
export class DisputeEvidence {
  @Field(() => [String], {
    description:
      "Case ids: in an appeal, the agent's evaluation cases (checked); in a complaint, as the buyer names them (evaluation cases are private to the builder).",
  })
  caseIds: string[];

  @Field(() => [ID], { description: "Evaluation runs of the agent." })
  runIds: string[];

  @Field(() => [ID], { description: "Weekly KPI reports about the agent." })
  kpiReportIds: string[];

  @Field(() => [ExternalEvidence], { description: "Documents outside the platform." })
  external: ExternalEvidence[];
}

/** The verdict an appeal contests. */
@ObjectType({ description: "The verdict an appeal contests." })
export class ContestedVerdict {
  @Field(() => ContestedKind, { description: "An upheld complaint, a consequence step or a run's verdict." })
  kind: ContestedKind;

  @Field(() => ID, { description: "The complaint's id, the escalation's that records the step, or the run's." })
  id: string;
}

/** A buyer's complaint about an agent's behaviour, or a builder's appeal of a verdict, and its arbitration. */
@ObjectType({
  description:
    "A buyer's complaint that an agent misbehaved, or its builder's appeal of a verdict on it, and its arbitration. Parties and arbiters see all of it.",
})
@Entity({ name: "disputes" })
@Index("idx_disputes_agent_status", ["agentId", "status"])
@Index("idx_disputes_due", ["status", "resolutionDueAt"])
@Index("idx_disputes_agent_filed", ["agentId", "filedAt", "id"])
@Index("idx_disputes_filer", ["filedBy", "filedAt", "id"])
@Index("idx_disputes_respondent", ["respondent", "filedAt", "id"])
@Index("idx_disputes_status_filed", ["status", "filedAt", "id"])
@Index("idx_disputes_filed", ["filedAt", "id"])
@Index("idx_disputes_contested", ["contestedKind", "contestedId"])
export class Dispute {
  @Field(() => ID, { description: "Stable identifier of the dispute." })
  @PrimaryColumn({ type: "varchar", length: 36 })
  id: string;

  @Field(() => ID, { description: "The agent disputed." })
  @Column({ name: "agent_id", type: "varchar", length: 36 })
  agentId: string;

  @Field(() => DisputeKind, { description: "A buyer's complaint, or a builder's appeal." })
  @Column({ type: "varchar", length: 16 })
  kind: DisputeKind;

  @Column({ name: "contested_kind", type: "varchar", length: 16, nullable: true })
  contestedKind: ContestedKind | null;

  @Column({ name: "contested_id", type: "varchar", length: 36, nullable: true })
  contestedId: string | null;

  @Field(() => ContestedVerdict, { nullable: true, description: "The verdict an appeal contests; null for a complaint." })
  get contested(): ContestedVerdict | null {
    return this.contestedKind && this.contestedId ? { kind: this.contestedKind, id: this.contestedId } : null;
  }

  @Field(() => ID, { nullable: true, description: "Subject of the buyer whose upheld complaint an appeal contests; null otherwise." })
  @Column({ type: "varchar", length: 128, nullable: true })
  respondent: string | null;

  @Field(() => DisputeCategory, { description: "What kind of misbehaviour; an appeal takes the contested complaint's, or OTHER." })
  @Column({ type: "varchar", length: 24 })
  category: DisputeCategory;

  @Field(() => String, { description: "What went wrong, or why the verdict is wrong, in the filer's words." })
  @Column({ name: "reason", type: "text" })
  statement: string;

  @Field(() => DisputeSeverity, { description: "How serious the filer judges it; an appeal takes the contested complaint's, or MAJOR." })
  @Column({ type: "varchar", length: 16 })
  severity: DisputeSeverity;

  @Field(() => DisputeEvidence, { description: "What the dispute rests on." })
  @Column({ type: "text", transformer: jsonText })
  evidence: DisputeEvidence;

  @Field(() => DisputeStatus, { description: "Where the dispute is in arbitration." })
  @Column({ type: "varchar", length: 16 })
  status: DisputeStatus;

  @Field(() => DisputeOutcome, { nullable: true, description: "How it was resolved; null until RESOLVED." })
  @Column({ type: "varchar", length: 16, nullable: true })
  outcome: DisputeOutcome | null;

  @Field(() => ID, { description: "Subject of who filed it: a buyer for a complaint, the agent's builder for an appeal." })
  @Column({ name: "filed_by", type: "varchar", length: 128 })
  filedBy: string;

  @Field(() => Date, { description: "When it was filed." })
  @Column({ name: "filed_at", type: "datetime", precision: 3 })
  filedAt: Date;

  @Field(() => Date, {
    description:
      "When the disputed behaviour happened, what an upheld complaint's weight decays from; for an appeal, when the contested verdict was given.",
  })
  @Column({ name: "occurred_at", type: "datetime", precision: 3 })
  occurredAt: Date;

  @Field(() => ID, { nullable: true, description: "Subject of the arbiter deciding it; null while OPEN." })
  @Column({ name: "assigned_to", type: "varchar", length: 128, nullable: true })
  assignedTo: string | null;

  @Field(() => Date, { description: "By when an arbiter must take it up; past it, the dispute is escalated." })
  @Column({ name: "response_due_at", type: "datetime", precision: 3 })
  responseDueAt: Date;

  @Field(() => Date, { description: "By when it must be resolved; past it, the dispute is escalated." })
  @Column({ name: "resolution_due_at", type: "datetime", precision: 3 })
  resolutionDueAt: Date;

  @Field(() => Date, { nullable: true, description: "When a missed deadline escalated it to all arbiters; null if none was missed." })
  @Column({ name: "escalated_at", type: "datetime", precision: 3, nullable: true })
  escalatedAt: Date | null;

  @Field(() => Date, { nullable: true, description: "When it was resolved or withdrawn." })
  @Column({ name: "closed_at", type: "datetime", precision: 3, nullable: true })
  closedAt: Date | null;

  /** Grows with every transition: what reputation orders the dispute's states by. */
  @Column({ type: "int" })
  version: number;
}
