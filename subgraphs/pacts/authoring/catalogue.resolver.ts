import { Query, Resolver } from "type-graphql";
import { METRIC_CATALOGUE, workflowsOf, type MetricDefinition } from "../evaluation/judging/metric.catalogue.js";
import { PactClause } from "./pact.entity.js";
import { PactMetricDefinition, PactTemplateDefinition } from "./catalogue.types.js";
import { PACT_TEMPLATES, type PactTemplate } from "./pact.templates.js";
import { checkPactTerms } from "./pact.validation.js";

function metricView(definition: MetricDefinition): PactMetricDefinition {
  return {
    metric: definition.metric,
    name: definition.phrase,
    definition: definition.definition,
    unit: definition.unit,
    direction: definition.direction,
    minThreshold: definition.range.min,
    maxThreshold: definition.range.max,
    caseFields: definition.needs.map((need) => ({ path: need.path, requiredWhen: need.when?.describe ?? null })),
    workflows: workflowsOf(definition),
    methods: definition.methods,
    juryQuestion: definition.juryQuestion ?? null,
  };
}

function templateView(template: PactTemplate): PactTemplateDefinition {
  // Shown as adopting it would store it: defaults explicit, one route entry per step.
  const terms = checkPactTerms(template.workflow, template, "template");
  return {
    name: template.name,
    workflow: template.workflow,
    description: template.description,
    passThreshold: terms.passThreshold,
    ackDeadlineMinutes: template.ackDeadlineMinutes,
    clauses: terms.clauses.map((clause, position) => Object.assign(new PactClause(), { pactId: template.name, ...clause, position })),
    consequenceLadder: terms.consequenceLadder,
    escalationRoute: terms.escalationRoute,
  };
}

const METRICS = [...METRIC_CATALOGUE.values()].map(metricView);
const TEMPLATES = Object.values(PACT_TEMPLATES).map(templateView);

@Resolver()
export class CatalogueResolver {
  @Query(() => [PactMetricDefinition], {
    description: "The metric catalogue: every metric a clause can name, with its definition, unit, range and the case fields it needs.",
  })
  pactMetrics(): PactMetricDefinition[] {
    return METRICS;
  }

  @Query(() => [PactTemplateDefinition], { description: "The pact templates, one per workflow, with their defaults." })
  pactTemplates(): PactTemplateDefinition[] {
    return TEMPLATES;
  }
}
