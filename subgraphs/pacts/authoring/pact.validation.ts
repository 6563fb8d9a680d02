import type { AgentDomain } from "../../../lib/contracts/agent-domain.js";
import { BadUserInputError } from "../../../lib/platform/errors.js";
import type { ConsequenceStep, EscalationRouteStep } from "./consequence.types.js";
import { metricDefinition, workflowsOf } from "../evaluation/judging/metric.catalogue.js";
import { ConsequenceAction, EscalationRecipient, MetricDirection, Comparator } from "../pact.enums.js";
import type { ClauseTemplate } from "./pact.templates.js";

/** What a pact version promises: the part that amendments change and activation freezes. */
export interface PactTerms {
  passThreshold: number;
  clauses: ClauseTemplate[];
  consequenceLadder: ConsequenceStep[];
  escalationRoute: EscalationRouteStep[];
}

const LADDER_ORDER = Object.values(ConsequenceAction);
/** Look-back used when a trigger sets a count or drop without its window. */
const DEFAULT_TRIGGER_WINDOW_DAYS = 30;

function checkClauses(workflow: AgentDomain, clauses: readonly ClauseTemplate[], at: string): void {
  const seen = new Map<string, number>();
  clauses.forEach((clause, index) => {
    const path = `${at}.clauses[${index}]`;
    const earlier = seen.get(clause.key);
    if (earlier !== undefined) throw new BadUserInputError(`${path}.key`, `duplicate clause id "${clause.key}" (also clauses[${earlier}])`);
    seen.set(clause.key, index);
    const metric = metricDefinition(clause.metric);
    const workflows = workflowsOf(metric);
    if (!workflows.includes(workflow)) {
      throw new BadUserInputError(
        `${path}.metric`,
        `${clause.metric} is not measured on ${workflow} cases; it applies to ${workflows.join(", ")}`,
      );
    }
    const comparator = metric.direction === MetricDirection.HIGHER_IS_BETTER ? Comparator.GTE : Comparator.LTE;
    if (clause.comparator !== comparator) {
      throw new BadUserInputError(
        `${path}.comparator`,
        `${clause.metric} is better when ${metric.direction === MetricDirection.HIGHER_IS_BETTER ? "higher" : "lower"}, so a promise about it must use ${comparator}`,
      );
    }
    if (!(clause.threshold >= metric.range.min && clause.threshold <= metric.range.max)) {
      throw new BadUserInputError(
        `${path}.threshold`,
        `${clause.threshold} is outside ${clause.metric}'s range ${metric.range.min}–${metric.range.max} (${metric.unit.toLowerCase()})`,
      );
    }
    if (!metric.methods.includes(clause.method)) {
      throw new BadUserInputError(`${path}.method`, `${clause.metric} is judged ${metric.methods.join(" or ")}, not ${clause.method}`);
    }
    if (clause.windowCases === null && clause.windowDays === null) {
      throw new BadUserInputError(`${path}.windowCases`, "set windowCases, windowDays or both: a clause is judged over a window");
    }
  });
  if (!clauses.some((clause) => clause.weight > 0))
    throw new BadUserInputError(`${at}.clauses`, "at least one clause needs a weight above 0");
}

/** The two kinds of trigger with a threshold over a look-back window. */
const THRESHOLD_TRIGGERS = [
  { amount: "breachCount", window: "breachWindowDays", what: "breaches" },
  { amount: "scoreDropPoints", window: "scoreDropWindowDays", what: "points of score drop" },
] as const;

function normalizedStep(step: ConsequenceStep, path: string): ConsequenceStep {
  const { breachCount, breachWindowDays, scoreDropPoints, scoreDropWindowDays, driftAlarm } = step.trigger;
  if (breachCount == null && scoreDropPoints == null && !driftAlarm) {
    throw new BadUserInputError(`${path}.trigger`, "set breachCount, scoreDropPoints or driftAlarm: a step needs something that fires it");
  }
  if (breachWindowDays != null && breachCount == null)
    throw new BadUserInputError(`${path}.trigger.breachWindowDays`, "is set without breachCount");
  if (scoreDropWindowDays != null && scoreDropPoints == null)
    throw new BadUserInputError(`${path}.trigger.scoreDropWindowDays`, "is set without scoreDropPoints");
  const recovery = step.recovery ?? null;
  if (recovery && recovery.passingRuns == null && recovery.minCompositeScore == null && recovery.quietDays == null) {
    throw new BadUserInputError(
      `${path}.recovery`,
      "set passingRuns, minCompositeScore or quietDays, or leave recovery null for arbiter-only",
    );
  }
  return {
    action: step.action,
    trigger: {
      breachCount: breachCount ?? null,
      breachWindowDays: breachCount == null ? null : (breachWindowDays ?? DEFAULT_TRIGGER_WINDOW_DAYS),
      scoreDropPoints: scoreDropPoints ?? null,
      scoreDropWindowDays: scoreDropPoints == null ? null : (scoreDropWindowDays ?? DEFAULT_TRIGGER_WINDOW_DAYS),
      driftAlarm: driftAlarm ?? false,
    },
    recovery: recovery && {
      passingRuns: recovery.passingRuns ?? null,
      minCompositeScore: recovery.minCompositeScore ?? null,
      quietDays: recovery.quietDays ?? null,
    },
  };
}

/**
 * The ladder climbs WARN → … → DELIST, each step at most once, and no harsher step may fire
 * more easily than a milder one on the same kind of trigger: it needs at least as many breaches
 * (or points of drop) within at most as many days, so that whatever fires it has fired the milder
 * step already.
 */
function checkLadder(ladder: readonly ConsequenceStep[], at: string): ConsequenceStep[] {
  const steps: ConsequenceStep[] = [];
  ladder.forEach((input, index) => {
    const path = `${at}.consequenceLadder[${index}]`;
    const previous = steps[index - 1];
    if (previous && LADDER_ORDER.indexOf(input.action) <= LADDER_ORDER.indexOf(previous.action)) {
      throw new BadUserInputError(
        `${path}.action`,
        `${input.action} cannot follow ${previous.action}: the ladder climbs ${LADDER_ORDER.join(" → ")}, each step at most once`,
      );
    }
    const step = normalizedStep(input, path);
    for (const milder of steps) {
      for (const { amount, window, what } of THRESHOLD_TRIGGERS) {
        const [own, theirs] = [step.trigger, milder.trigger];
        if (own[amount] == null || theirs[amount] == null) continue;
        const field = own[amount]! < theirs[amount]! ? amount : own[window]! > theirs[window]! ? window : null;
        if (field) {
          throw new BadUserInputError(
            `${path}.trigger.${field}`,
            `${step.action} would fire on ${own[amount]} ${what} in ${own[window]} days, more easily than the milder ${milder.action} (${theirs[amount]} in ${theirs[window]} days): the ladder is out of order`,
          );
        }
      }
    }
    steps.push(step);
  });
  return steps;
}

/** One route entry per ladder step, in ladder order; steps the route leaves out tell the escalation owner. */
function checkRoute(route: readonly EscalationRouteStep[], ladder: readonly ConsequenceStep[], at: string): EscalationRouteStep[] {
  const byAction = new Map<ConsequenceAction, EscalationRouteStep>();
  route.forEach((entry, index) => {
    const path = `${at}.escalationRoute[${index}]`;
    if (byAction.has(entry.action)) throw new BadUserInputError(`${path}.action`, `${entry.action} is routed twice`);
    if (!ladder.some((step) => step.action === entry.action))
      throw new BadUserInputError(`${path}.action`, `${entry.action} is not a step of the consequence ladder`);
    if (new Set(entry.notify).size !== entry.notify.length) throw new BadUserInputError(`${path}.notify`, "names a recipient twice");
    byAction.set(entry.action, entry);
  });
  return ladder.map((step) => ({
    action: step.action,
    notify: [...(byAction.get(step.action)?.notify ?? [EscalationRecipient.ESCALATION_OWNER])],
  }));
}

/**
 * Checks a pact's terms against the metric catalogue and the ladder's rules, throwing a
 * BAD_USER_INPUT that names the offending path under `at` (e.g. `input.clauses[2].threshold`);
 * returns the terms with defaults made explicit, as they are stored.
 */
export function checkPactTerms(workflow: AgentDomain, terms: PactTerms, at: string): PactTerms {
  checkClauses(workflow, terms.clauses, at);
  const consequenceLadder = checkLadder(terms.consequenceLadder, at);
  return {
    passThreshold: terms.passThreshold,
    clauses: terms.clauses.map((clause) => ({ ...clause })),
    consequenceLadder,
    escalationRoute: checkRoute(terms.escalationRoute, consequenceLadder, at),
  };
}
