import type { DataSource, Logger } from "typeorm";
import { agentsEntities } from "../../subgraphs/agents/index.js";
import { disputesEntities } from "../../subgraphs/disputes/index.js";
import { pactsEntities } from "../../subgraphs/pacts/index.js";
import { reputationEntities } from "../../subgraphs/reputation/index.js";

export type SubgraphName = "agents" | "pacts" | "reputation" | "disputes";

const ENTITIES: Record<SubgraphName, readonly (new () => object)[]> = {
  agents: agentsEntities,
  pacts: pactsEntities,
  reputation: reputationEntities,
  disputes: disputesEntities,
};
/** Transaction control is not a statement a request pays for, as in StatementCounter. */
const CONTROL = /^(START TRANSACTION|BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)/i;
/** The first table a statement names. */
const FIRST_TABLE = /\b(?:FROM|INTO|UPDATE|JOIN)\s+[`"]?(\w+)[`"]?/i;

/**
 * Records every statement of a local system, whose subgraphs share one DataSource, so a test can
 * tell which subgraph paid for which: each statement goes to the context owning the first table it
 * names (the `agent_directory` view to agents, which publishes it).
 */
export class StatementRecorder implements Logger {
  readonly statements: string[] = [];
  /** @param ignore statements to leave out, e.g. a background poller's. */
  constructor(private readonly ignore?: RegExp) {}
  logQuery(query: string): void {
    if (CONTROL.test(query.trim()) || this.ignore?.test(query)) return;
    this.statements.push(query);
  }
  logQueryError(): void {}
  logQuerySlow(): void {}
  logSchemaBuild(): void {}
  logMigration(): void {}
  log(): void {}

  /** Statements per subgraph recorded while `work` ran; `other` for any no context owns. */
  async during<T>(
    dataSource: DataSource,
    work: () => Promise<T>,
  ): Promise<{ result: T; bySubgraph: Record<SubgraphName | "other", number> }> {
    const start = this.statements.length;
    const result = await work();
    const owners = new Map<string, SubgraphName>([["agent_directory", "agents"]]);
    for (const [name, entities] of Object.entries(ENTITIES) as [SubgraphName, (new () => object)[]][])
      for (const entity of entities) owners.set(dataSource.getMetadata(entity).tableName, name);
    const bySubgraph = { agents: 0, pacts: 0, reputation: 0, disputes: 0, other: 0 };
    for (const statement of this.statements.slice(start)) {
      const table = FIRST_TABLE.exec(statement)?.[1];
      bySubgraph[(table ? owners.get(table) : undefined) ?? "other"] += 1;
    }
    return { result, bySubgraph };
  }
}
