import DataLoader from "dataloader";
import { In, type DataSource, type EntityTarget, type FindOptionsSelect, type ObjectLiteral } from "typeorm";
import { ClauseResult, EvaluationCase, EvaluationRun } from "./evaluation/evaluation-run.entity.js";
import { JuryVerdict } from "./evaluation/jury-verdict.entity.js";
import { columnsBut } from "../../lib/platform/database.js";
import { Pact, PactClause } from "./authoring/pact.entity.js";

/**
 * A pact's terms, stored as JSON text: about 2 KB a version, read and parsed only when a field
 * asks for them (`pactTermsById`), not for every version a page lists.
 */
const PACT_TERMS = ["escalationRoute", "consequenceLadder"] as const;
type PactTerms = (typeof PACT_TERMS)[number];

/**
 * A pact version as the loaders read it: every column but its terms. A whole `Pact`, as a
 * mutation returns, is one too; the terms' field resolvers load what is missing.
 */
export type PactSummary = Omit<Pact, PactTerms> & Partial<Pick<Pact, PactTerms>>;

/** One `IN (…)` query per batch, results put back in key order. */
function byKey<T extends ObjectLiteral>(
  dataSource: DataSource,
  entity: EntityTarget<T>,
  column: keyof T & string,
  select?: FindOptionsSelect<T>,
) {
  return new DataLoader(async (keys: readonly string[]) => {
    const rows = await dataSource.getRepository(entity).find({ select, where: { [column]: In([...keys]) } as never });
    const found = new Map(rows.map((row) => [row[column] as string, row]));
    return keys.map((key) => found.get(key) ?? null);
  });
}

function groupedBy<T extends ObjectLiteral>(
  dataSource: DataSource,
  entity: EntityTarget<T>,
  column: keyof T & string,
  order: Record<string, "ASC" | "DESC">,
  select?: FindOptionsSelect<T>,
) {
  return new DataLoader(async (keys: readonly string[]) => {
    const rows = await dataSource
      .getRepository(entity)
      .find({ select, where: { [column]: In([...keys]) } as never, order: order as never });
    const groups = new Map<string, T[]>(keys.map((key) => [key, []]));
    for (const row of rows) groups.get(row[column] as string)?.push(row);
    return keys.map((key) => groups.get(key) ?? []);
  });
}

export function createPactsLoaders(dataSource: DataSource) {
  const summary = columnsBut(dataSource, Pact, PACT_TERMS);
  return {
    pactById: byKey(dataSource, Pact, "id", summary) as DataLoader<string, PactSummary | null>,
    pactsByAgentId: groupedBy(dataSource, Pact, "agentId", { workflow: "ASC", version: "DESC" }, summary) as DataLoader<
      string,
      PactSummary[]
    >,
    /** The terms of the versions whose `escalationRoute` or `consequenceLadder` a request asks for: one more query, only then. */
    pactTermsById: byKey(dataSource, Pact, "id", { id: true, escalationRoute: true, consequenceLadder: true }) as DataLoader<
      string,
      Pick<Pact, "id" | PactTerms> | null
    >,
    clausesByPactId: groupedBy(dataSource, PactClause, "pactId", { position: "ASC" }),
    runById: byKey(dataSource, EvaluationRun, "id"),
    clauseResultsByRunId: groupedBy(dataSource, ClauseResult, "runId", { position: "ASC" }),
    juryVerdictsByRunId: groupedBy(dataSource, JuryVerdict, "runId", { caseId: "ASC", metric: "ASC" }),
    /** Cases by `runId|caseId`: one query for a page of review items. */
    caseByRunAndId: new DataLoader(async (keys: readonly string[]) => {
      const pairs = keys.map((key) => key.split("|") as [string, string]);
      const rows = await dataSource
        .getRepository(EvaluationCase)
        .find({ where: { runId: In([...new Set(pairs.map(([run]) => run))]), caseId: In([...new Set(pairs.map(([, c]) => c))]) } });
      const found = new Map(rows.map((row) => [`${row.runId}|${row.caseId}`, row]));
      return keys.map((key) => found.get(key) ?? null);
    }),
  };
}
