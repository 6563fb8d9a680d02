import DataLoader from "dataloader";
import { In, type DataSource, type ObjectLiteral, type EntityTarget } from "typeorm";
import { ClauseResult, EvaluationCase, EvaluationRun } from "./evaluation/evaluation-run.entity.js";
import { JuryVerdict } from "./evaluation/jury-verdict.entity.js";
import { Pact, PactClause } from "./authoring/pact.entity.js";

/** One `IN (…)` query per batch, results put back in key order. */
function byKey<T extends ObjectLiteral>(dataSource: DataSource, entity: EntityTarget<T>, column: keyof T & string) {
  return new DataLoader(async (keys: readonly string[]) => {
    const rows = await dataSource.getRepository(entity).find({ where: { [column]: In([...keys]) } as never });
    const found = new Map(rows.map((row) => [row[column] as string, row]));
    return keys.map((key) => found.get(key) ?? null);
  });
}

function groupedBy<T extends ObjectLiteral>(
  dataSource: DataSource,
  entity: EntityTarget<T>,
  column: keyof T & string,
  order: Record<string, "ASC" | "DESC">,
) {
  return new DataLoader(async (keys: readonly string[]) => {
    const rows = await dataSource.getRepository(entity).find({ where: { [column]: In([...keys]) } as never, order: order as never });
    const groups = new Map<string, T[]>(keys.map((key) => [key, []]));
    for (const row of rows) groups.get(row[column] as string)?.push(row);
    return keys.map((key) => groups.get(key) ?? []);
  });
}

export function createPactsLoaders(dataSource: DataSource) {
  return {
    pactById: byKey(dataSource, Pact, "id"),
    pactsByAgentId: groupedBy(dataSource, Pact, "agentId", { workflow: "ASC", version: "DESC" }),
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
