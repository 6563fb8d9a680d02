import type { BaseContext } from "@apollo/server";
import type { DataSource, EntityManager } from "typeorm";
import type { LogEntryInput } from "../lib/contracts/transparency-log.js";
import type { RunJudgedListener } from "../lib/contracts/judged-run.js";
import type { AppConfig, SubgraphName } from "../lib/platform/config.js";
import { resolveSecrets } from "../lib/platform/secrets.js";
import { attestationSigner } from "../lib/platform/signing-keys.js";
import { activePactDigests } from "../subgraphs/pacts/authoring/pact.digest.js";
import type { Subgraph } from "../lib/platform/subgraph-server.js";
import { agentsSubgraph } from "../subgraphs/agents/index.js";
import type { DisputesOptions } from "../subgraphs/disputes/disputes.context.js";
import { disputesSubgraph } from "../subgraphs/disputes/index.js";
import { pactsSubgraph } from "../subgraphs/pacts/index.js";
import { partnersSubgraph } from "../subgraphs/partners/index.js";
import { reputationSubgraph } from "../subgraphs/reputation/index.js";
import { transparencySubgraph } from "../subgraphs/transparency/index.js";
import { webhooksSubgraph } from "../subgraphs/webhooks/index.js";
import { webhookSettings } from "../subgraphs/webhooks/webhook.settings.js";
import { appendLogEntry } from "../subgraphs/transparency/log-entry.append.js";
import { logTrustChangesTo } from "../subgraphs/reputation/trust.log.js";
import { logPactActsTo } from "../subgraphs/pacts/pact.log.js";
import { logDisputeActsTo } from "../subgraphs/disputes/dispute.log.js";
import { logApiKeyActsTo } from "../subgraphs/partners/api-key.log.js";
import { announceEscalationsTo } from "../subgraphs/reputation/escalation.announce.js";
import { announceLogEntry } from "../subgraphs/webhooks/webhook-event.announce.js";
import { raiseWebhookEvent } from "../subgraphs/webhooks/webhook-event.raise.js";
import {
  agentRunsAndCases,
  findContestedRun,
  lockContestedRun,
  runReviewers,
  setRunAside,
} from "../subgraphs/pacts/evaluation/evaluation-run.appeal.js";
import { TrustCause } from "../subgraphs/reputation/trust-history.entity.js";
import { readLogPosition } from "../subgraphs/transparency/log-position.read.js";
import { agentKpiReportIds, recordDisputeState, recordEvaluation, setAsideRun } from "../subgraphs/reputation/trust.record.js";
import { consequenceSteps, lockProfile } from "../subgraphs/reputation/trust.settle.js";

/**
 * Every -> transparency and webhooks: an act the log records is also the event endpoints hear of
 * (webhook-event.announce.ts picks the kinds), written in the same transaction, so the log and the
 * webhooks never disagree about what happened.
 */
async function logAndAnnounce(manager: EntityManager, entry: LogEntryInput): Promise<void> {
  await appendLogEntry(manager, entry);
  await announceLogEntry(manager, entry);
}

/*
 * The one place contexts meet. Each hand-off is a contract in lib/contracts, implemented by the
 * context that owns the data and wired here, the same for the Lambda handlers and `npm start`.
 */

/**
 * Reputation -> transparency: every trust change and listing decision is logged in the transaction
 * that settles it (trust.settle.ts), by whichever path settles it (the judge, disputes, the decay
 * sweep, reputation's own mutations). Installed once here, at load, rather than passed down each
 * of those paths: every process that settles trust loads this file (local.ts, lambda.ts, jobs.ts,
 * judge.ts all do), and the reputation context still names no other context.
 */
logTrustChangesTo(logAndAnnounce);

/**
 * Pacts, disputes, partners -> transparency, the same way and for the same reason: a pact version
 * put in force or retired, a run's verdict and an arbiter's review (pact.log.ts), each dispute step
 * and appeal decision (dispute.log.ts), each API key issued or revoked (api-key.log.ts), all in
 * the act's own transaction. docs/transparency.md lists each kind's payload.
 */
logPactActsTo(logAndAnnounce);
logDisputeActsTo(logAndAnnounce);
logApiKeyActsTo(appendLogEntry);

/**
 * Reputation -> webhooks: an escalation the pact's owner must acknowledge, and one gone overdue,
 * reach the builder's endpoints (escalation.announce.ts); unlike the acts above they name the
 * owner's contact, so they are not log entries.
 */
announceEscalationsTo(raiseWebhookEvent);

/** Judge -> reputation: every judged run moves trust in the judge's transaction. */
export const onRunJudged: RunJudgedListener = recordEvaluation;

/**
 * How the disputes context reaches the others, the same locally and on Lambda: dispute states into
 * reputation, consequence steps from reputation, run verdicts from pacts with their evidence in
 * reputation, and the evidence a dispute may cite (cases and runs in pacts, KPI reports in
 * reputation). All in the disputes transaction, so a verdict and its effects move together.
 */
export const disputesWiring: Pick<DisputesOptions, "onDisputeChanged" | "consequenceSteps" | "runVerdicts" | "agentEvidence"> = {
  onDisputeChanged: recordDisputeState,
  consequenceSteps,
  runVerdicts: {
    find: findContestedRun,
    async lock(manager, runId) {
      // The run, its window, then the agent's trust: the judge's order, so the two never deadlock.
      const run = await lockContestedRun(manager, runId);
      if (run) await lockProfile(manager, run.agentId);
    },
    async setAside(manager, runId, grant) {
      if (!(await setRunAside(manager, runId))) return false;
      await setAsideRun(manager, runId, { cause: TrustCause.DISPUTE, causeId: grant.appealId, at: grant.at });
      return true;
    },
    reviewers: runReviewers,
  },
  agentEvidence: {
    async foreign(manager, agentId, references) {
      const { runIds, caseIds } = await agentRunsAndCases(manager, agentId, references.runIds, references.caseIds);
      const reports = await agentKpiReportIds(manager, agentId, references.kpiReportIds);
      return {
        caseIds: references.caseIds.filter((id) => !caseIds.has(id)),
        runIds: references.runIds.filter((id) => !runIds.has(id)),
        kpiReportIds: references.kpiReportIds.filter((id) => !reports.has(id)),
      };
    },
  },
};

/** What a subgraph's host supplies: `outboxWritten` publishes a just-committed judge job at once. */
export interface SubgraphHooks {
  outboxWritten(): Promise<void> | void;
}

/** Each subgraph, built with its contracts wired: one entry per subgraph, for Lambda and local alike. */
export const subgraphFactories: Record<
  SubgraphName,
  (dataSource: DataSource, settings: AppConfig, hooks: SubgraphHooks) => Promise<Subgraph<BaseContext>>
> = {
  agents: (dataSource) => agentsSubgraph(dataSource),
  pacts: (dataSource, settings, hooks) =>
    pactsSubgraph(dataSource, { outboxWritten: hooks.outboxWritten, sliceCases: settings.jury.sliceCases }),
  // Attestations name the active pact versions (pacts), the agent's place in the log's latest
  // signed head (transparency), and sign with the installation's key.
  reputation: (dataSource, settings) =>
    reputationSubgraph(dataSource, {
      attestations: {
        signer: () => attestationSigner(settings),
        issuer: settings.attestation.issuer,
        ttlSeconds: settings.attestation.ttlSeconds,
        activePacts: activePactDigests,
        logPosition: (agentId) => readLogPosition(dataSource, agentId),
      },
    }),
  disputes: (dataSource, settings) => disputesSubgraph(dataSource, { ...settings.disputes, ...disputesWiring }),
  // The secret checks the gateway's proof on its API key lookups (lib/contracts/api-key.ts).
  partners: (dataSource, settings) => partnersSubgraph(dataSource, { subgraphSecret: resolveSecrets(settings).subgraphSecret }),
  transparency: (dataSource) => transparencySubgraph(dataSource),
  // Endpoints' secrets are derived from the installation's webhook key; hosts resolve through the system's resolver.
  webhooks: (dataSource, settings, hooks) =>
    webhooksSubgraph(dataSource, { ...webhookSettings(settings), outboxWritten: hooks.outboxWritten }),
};
