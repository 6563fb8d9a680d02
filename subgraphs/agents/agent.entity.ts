import { createHash } from "node:crypto";
import { Column, Entity, Index, PrimaryColumn } from "typeorm";
import { Directive, Field, ID, ObjectType } from "type-graphql";
import { AgentDomain } from "../../lib/contracts/agent-domain.js";
import { commaList } from "../../lib/platform/database.js";

/**
 * Names are unique per builder regardless of case and Unicode form, on every engine, so a
 * buyer is never shown two of one builder's agents that read the same. Hashed because folding
 * can lengthen a name ("ﷺ" becomes 18 characters) beyond any column it fits in.
 */
export function agentNameKey(name: string): string {
  return createHash("sha256").update(name.trim().normalize("NFKC").toLowerCase()).digest("hex");
}

/** An AI agent offered on the marketplace. Owned by this subgraph; the others extend it. */
@Directive('@key(fields: "id")')
@ObjectType({ description: "An AI agent that works in security operations, registered by a builder." })
@Entity({ name: "agents" })
@Index("uq_agents_owner_name_key", ["ownerId", "nameKey"], { unique: true })
@Index("uq_agents_name_skeleton", ["nameSkeleton"], { unique: true })
export class Agent {
  @Field(() => ID, { description: "Stable identifier of the agent." })
  @PrimaryColumn({ type: "varchar", length: 36 })
  id: string;

  @Field(() => String, {
    description: "Display name, NFC-normalised, unique among one builder's agents and not confusable with any other agent's.",
  })
  @Column({ type: "varchar", length: 120 })
  name: string;

  /** The name as compared for uniqueness: see `agentNameKey`. */
  @Column({ name: "name_key", type: "varchar", length: 64 })
  nameKey: string;

  /**
   * The look the name claims, across all builders: see `agentNameSkeletonKey`. Unique, so the
   * database itself settles two registrations racing with confusable names. Null only for agents
   * registered before the rule whose name read like an earlier agent's: they keep their names
   * but claim no look (migration 1764400000110).
   */
  @Column({ name: "name_skeleton", type: "varchar", length: 64, nullable: true })
  nameSkeleton: string | null;

  @Field(() => String, { description: "What the agent does, in the builder's words." })
  @Column({ type: "text" })
  description: string;

  @Field(() => [AgentDomain], { description: "The workflows the agent serves." })
  @Column({ type: "varchar", length: 200, transformer: commaList })
  domains: AgentDomain[];

  @Field(() => ID, { description: "Subject of the builder who registered the agent and owns it." })
  @Column({ name: "owner_id", type: "varchar", length: 128 })
  ownerId: string;

  @Field(() => Date, { description: "When the agent was registered." })
  @Column({ name: "registered_at", type: "datetime", precision: 3 })
  registeredAt: Date;
}
