import { randomUUID } from "node:crypto";
import type { DataSource, EntityManager } from "typeorm";
import { AgentDomain } from "../../lib/contracts/agent-domain.js";
import { inTransaction, insertInChunks } from "../../lib/platform/database.js";
import { enqueue } from "../../lib/platform/outbox.js";
import { Agent, agentNameKey } from "../../subgraphs/agents/agent.entity.js";
import { EvaluationCase, EvaluationRun } from "../../subgraphs/pacts/evaluation/evaluation-run.entity.js";
import { judgeJob } from "../../subgraphs/pacts/evaluation/judge-job.message.js";
import type { Pact } from "../../subgraphs/pacts/authoring/pact.entity.js";
import { insertVersion } from "../../subgraphs/pacts/authoring/pact.lifecycle.js";
import { checkPactTerms } from "../../subgraphs/pacts/authoring/pact.validation.js";
import { EvaluationRunStatus, PactStatus, type AlertSeverity } from "../../subgraphs/pacts/pact.enums.js";
import { PACT_TEMPLATES } from "../../subgraphs/pacts/authoring/pact.templates.js";
import { triageCases } from "./fixtures.js";

/** An agent as registration would create it, not yet stored. */
export function agentFixture(
  ownerId: string,
  domains: AgentDomain[] = [AgentDomain.ALERT_TRIAGE],
  name = `Agent ${randomUUID().slice(0, 8)}`,
): Agent {
  return Object.assign(new Agent(), {
    id: randomUUID(),
    name,
    nameKey: agentNameKey(name),
    description: `${name} works the SOC queue`,
    domains,
    ownerId,
    registeredAt: new Date(),
  });
}

/** The alert-triage template, active for `agentId`, as adopting it writes it. */
export function insertTemplatePact(manager: EntityManager, agentId: string, owner: string): Promise<Pact> {
  const template = PACT_TEMPLATES["alert-triage"]!;
  return insertVersion(manager, {
    agentId,
    workflow: template.workflow,
    template: template.name,
    status: PactStatus.ACTIVE,
    amendsPactId: null,
    terms: checkPactTerms(template.workflow, template, "template"),
    escalation: { team: "soc", contact: "soc@example.com", ackDeadlineMinutes: 60 },
    createdBy: owner,
  });
}

/** An agent bound to the alert-triage template, written straight to the tables. */
export async function seedAgentWithPact(dataSource: DataSource, owner = "alice") {
  return inTransaction(dataSource, async (manager) => {
    const agent = agentFixture(owner);
    await manager.insert(Agent, agent);
    const pact = await insertTemplatePact(manager, agent.id, owner);
    return { agent, pact };
  });
}

/** A QUEUED run with its cases, and (unless told not to) its judge job in the outbox. */
export async function seedQueuedRun(
  dataSource: DataSource,
  pact: Pact,
  cases = triageCases(30, { wrongSeverity: 1 }),
  options: { outbox?: boolean } = {},
) {
  return inTransaction(dataSource, async (manager) => {
    const run = manager.create(EvaluationRun, {
      id: randomUUID(),
      agentId: pact.agentId,
      pactId: pact.id,
      pactVersion: pact.version,
      workflow: pact.workflow,
      status: EvaluationRunStatus.QUEUED,
      caseCount: cases.length,
      passedCount: null,
      failedCount: null,
      passed: null,
      weightedPassShare: null,
      submittedBy: pact.createdBy,
      submittedAt: new Date(),
      completedAt: null,
      enqueuedAt: new Date(),
      requeues: 0,
      failureReason: null,
    });
    await manager.insert(EvaluationRun, run);
    await insertInChunks(
      manager,
      EvaluationCase,
      cases.map((c, position) =>
        Object.assign(new EvaluationCase(), {
          // Prefixed: several runs of one agent may be seeded from the same fixture.
          runId: run.id,
          agentId: pact.agentId,
          caseId: `${run.id.slice(0, 8)}-${c.caseId}`,
          position,
          input: c.input,
          timings: null,
          groundedIndicators: null,
          expected: { severity: c.expected.severity as AlertSeverity, truePositive: c.expected.truePositive },
          output: { severity: c.output.severity as AlertSeverity, truePositive: c.output.truePositive },
        }),
      ),
    );
    if (options.outbox ?? true) await enqueue(manager, "judge", judgeJob(run.id));
    return run;
  });
}
