import { Field, Float, Int, ObjectType } from "type-graphql";
import { AgentDomain } from "../../../lib/contracts/agent-domain.js";
import { ConsequenceStep, EscalationRouteStep } from "./consequence.types.js";
import { EvaluationMethod, MetricDirection, MetricUnit, PactMetric } from "../pact.enums.js";
import { PactClause } from "./pact.entity.js";

@ObjectType({ description: "A case field a metric reads." })
export class MetricCaseField {
  @Field(() => String, { description: "Its path in an evaluation case, e.g. `expected.severity` or `timings.containmentSeconds`." })
  path: string;

  @Field(() => String, { nullable: true, description: "When the field is needed, if not on every case, e.g. `the agent escalated`." })
  requiredWhen: string | null;
}

@ObjectType({ description: "One metric of the catalogue: what it measures and how, and what a clause about it may promise." })
export class PactMetricDefinition {
  @Field(() => PactMetric, { description: "The metric." })
  metric: PactMetric;

  @Field(() => String, { description: "How the metric reads in a clause's statement." })
  name: string;

  @Field(() => String, { description: "How it is computed from the cases in a clause's window." })
  definition: string;

  @Field(() => MetricUnit, { description: "Its unit." })
  unit: MetricUnit;

  @Field(() => MetricDirection, { description: "Which way it improves, and so which comparator clauses use." })
  direction: MetricDirection;

  @Field(() => Float, { description: "Smallest threshold a clause may set." })
  minThreshold: number;

  @Field(() => Float, { description: "Largest threshold a clause may set." })
  maxThreshold: number;

  @Field(() => [MetricCaseField], { description: "The case fields it reads; a submitted case lacking one is refused." })
  caseFields: MetricCaseField[];

  @Field(() => [AgentDomain], { description: "The workflows whose cases carry those fields." })
  workflows: AgentDomain[];

  @Field(() => [EvaluationMethod], { description: "How a clause about it may be judged." })
  methods: EvaluationMethod[];

  @Field(() => String, {
    nullable: true,
    description: "The question a jury answers on each case for JURY and HYBRID clauses; null when only deterministic judging is offered.",
  })
  juryQuestion: string | null;
}

@ObjectType({ description: "A starting point for a pact: one workflow's default clauses, thresholds, ladder and route." })
export class PactTemplateDefinition {
  @Field(() => String, { description: "The name `adoptPactTemplate` takes." })
  name: string;

  @Field(() => AgentDomain, { description: "The workflow it covers." })
  workflow: AgentDomain;

  @Field(() => String, { description: "What it promises, in a sentence." })
  description: string;

  @Field(() => Float, { description: "Weighted share of passing clauses a run needs, besides passing every critical clause." })
  passThreshold: number;

  @Field(() => Int, { description: "Default acknowledgement deadline for escalations, in minutes." })
  ackDeadlineMinutes: number;

  @Field(() => [PactClause], { description: "Its clauses, in order." })
  clauses: PactClause[];

  @Field(() => [ConsequenceStep], { description: "Its consequence ladder, mildest step first." })
  consequenceLadder: ConsequenceStep[];

  @Field(() => [EscalationRouteStep], { description: "Who is told at each ladder step." })
  escalationRoute: EscalationRouteStep[];
}
