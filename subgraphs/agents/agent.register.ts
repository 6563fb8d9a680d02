import { randomUUID } from "node:crypto";
import type { DataSource } from "typeorm";
import { inTransaction, isUniqueViolation } from "../../lib/platform/database.js";
import { ConflictError } from "../../lib/platform/errors.js";
import { Agent, agentNameKey } from "./agent.entity.js";
import type { RegisterAgentInput } from "./agent.inputs.js";

/** Registers an agent owned by `ownerId`; a second agent of theirs with the same name (see agentNameKey) is a CONFLICT. */
export async function registerAgent(dataSource: DataSource, ownerId: string, input: RegisterAgentInput): Promise<Agent> {
  const agent = dataSource.getRepository(Agent).create({
    id: randomUUID(),
    name: input.name.trim(),
    nameKey: agentNameKey(input.name),
    description: input.description.trim(),
    domains: input.domains,
    ownerId,
    registeredAt: new Date(),
  });
  try {
    await inTransaction(dataSource, (manager) => manager.insert(Agent, agent));
  } catch (error) {
    if (isUniqueViolation(error)) throw new ConflictError("input.name", `you already have an agent named "${agent.name}"`);
    throw error;
  }
  return agent;
}
