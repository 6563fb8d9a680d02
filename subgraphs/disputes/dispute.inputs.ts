import { ArrayMaxSize, ArrayMinSize, IsEnum, IsOptional, Length, Matches, MaxLength, ValidateNested } from "class-validator";
import { Field, ID, InputType } from "type-graphql";
import { TrimmedLength } from "../../lib/platform/validation.js";
import { ContestedKind, DisputeCategory, DisputeKind, DisputeOutcome, DisputeSeverity, DisputeStatus } from "./dispute.entity.js";

/** References per kind of evidence: enough for any real dispute, small enough to read at a glance. */
const MAX_REFERENCES = 50;

@InputType({ description: "A document outside the platform, pinned by the SHA-256 of its content." })
export class ExternalEvidenceInput {
  @Field(() => String, { description: "An https URL, up to 2000 characters." })
  @MaxLength(2000)
  @Matches(/^https:\/\/[^\s]+$/, { message: "must be an https URL" })
  url: string;

  @Field(() => String, { description: "Hex SHA-256 of the content (64 characters)." })
  @Matches(/^[0-9a-fA-F]{64}$/, { message: "must be 64 hexadecimal characters" })
  sha256: string;
}

@InputType({ description: `What a dispute rests on; at most ${MAX_REFERENCES} references of each kind.` })
export class DisputeEvidenceInput {
  @Field(() => [String], {
    nullable: true,
    description:
      "Case ids: in an appeal, the agent's evaluation cases (checked); in a complaint, as the buyer names them (evaluation cases are private to the builder).",
  })
  @IsOptional()
  @ArrayMaxSize(MAX_REFERENCES)
  @Length(1, 128, { each: true })
  caseIds?: string[];

  @Field(() => [ID], { nullable: true, description: "Evaluation runs of the agent." })
  @IsOptional()
  @ArrayMaxSize(MAX_REFERENCES)
  @Length(1, 36, { each: true })
  runIds?: string[];

  @Field(() => [ID], { nullable: true, description: "Weekly KPI reports about the agent." })
  @IsOptional()
  @ArrayMaxSize(MAX_REFERENCES)
  @Length(1, 36, { each: true })
  kpiReportIds?: string[];

  @Field(() => [ExternalEvidenceInput], { nullable: true, description: "Documents outside the platform." })
  @IsOptional()
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  external?: ExternalEvidenceInput[];
}

@InputType({ description: "A buyer's complaint about an agent." })
export class FileDisputeInput {
  @Field(() => ID, { description: "The agent disputed." })
  @Length(1, 36)
  agentId: string;

  @Field(() => DisputeCategory, { nullable: true, description: "What kind of misbehaviour; OTHER when absent." })
  @IsOptional()
  @IsEnum(DisputeCategory)
  category?: DisputeCategory;

  @Field(() => String, { description: "What went wrong, 10–4000 characters." })
  @TrimmedLength(10, 4000)
  statement: string;

  @Field(() => DisputeSeverity, { nullable: true, description: "How serious it is; MAJOR when absent." })
  @IsOptional()
  @IsEnum(DisputeSeverity)
  severity?: DisputeSeverity;

  @Field(() => Date, {
    nullable: true,
    description: "When the behaviour happened: not in the future, at most two years back; now when absent.",
  })
  @IsOptional()
  occurredAt?: Date;

  @Field(() => DisputeEvidenceInput, { nullable: true, description: "What the dispute rests on." })
  @IsOptional()
  @ValidateNested()
  evidence?: DisputeEvidenceInput;
}

@InputType({ description: "An arbiter's decision on a dispute under review." })
export class ResolveDisputeInput {
  @Field(() => ID, { description: "The dispute." })
  @Length(1, 36)
  disputeId: string;

  @Field(() => DisputeOutcome, { description: "UPHELD, REJECTED or SETTLED." })
  @IsEnum(DisputeOutcome)
  outcome: DisputeOutcome;

  @Field(() => String, { description: "Why, for the parties and the record, 10–2000 characters." })
  @TrimmedLength(10, 2000)
  note: string;
}

@InputType({ description: "The verdict an appeal contests." })
export class ContestedVerdictInput {
  @Field(() => ContestedKind, { description: "An upheld complaint, a consequence step or a run's verdict." })
  @IsEnum(ContestedKind)
  kind: ContestedKind;

  @Field(() => ID, {
    description: "The upheld complaint's id, the escalation's that records the step (from `Agent.escalations`), or the judged run's.",
  })
  @Length(1, 36)
  id: string;
}

@InputType({ description: "A builder's appeal of a verdict on their own agent." })
export class AppealVerdictInput {
  @Field(() => ContestedVerdictInput, { description: "The verdict appealed." })
  @ValidateNested()
  contested: ContestedVerdictInput;

  @Field(() => String, { description: "Why the verdict is wrong, 10–4000 characters." })
  @TrimmedLength(10, 4000)
  statement: string;

  @Field(() => DisputeEvidenceInput, { nullable: true, description: "What the appeal rests on." })
  @IsOptional()
  @ValidateNested()
  evidence?: DisputeEvidenceInput;
}

@InputType({ description: "Which disputes to list; every condition given must hold." })
export class DisputeFilter {
  @Field(() => ID, { nullable: true, description: "Disputes about this agent." })
  @IsOptional()
  @Length(1, 36)
  agentId?: string;

  @Field(() => DisputeKind, { nullable: true, description: "Complaints or appeals." })
  @IsOptional()
  @IsEnum(DisputeKind)
  kind?: DisputeKind;

  @Field(() => [DisputeStatus], { nullable: true, description: "Disputes in any of these statuses (at least one)." })
  @IsOptional()
  @ArrayMinSize(1)
  @IsEnum(DisputeStatus, { each: true })
  statuses?: DisputeStatus[];

  @Field(() => ID, { nullable: true, description: "Disputes filed by this subject." })
  @IsOptional()
  @Length(1, 128)
  filedBy?: string;

  @Field(() => ID, { nullable: true, description: "Disputes assigned to this arbiter." })
  @IsOptional()
  @Length(1, 128)
  assignedTo?: string;
}
