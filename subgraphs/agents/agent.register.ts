import { randomUUID } from "node:crypto";
import type { DataSource } from "typeorm";
import { inTransaction, isUniqueViolation } from "../../lib/platform/database.js";
import { ConflictError } from "../../lib/platform/errors.js";
import { agentNameSkeletonKey, normaliseAgentName } from "./agent-name.rules.js";
import { Agent, agentNameKey } from "./agent.entity.js";
import type { RegisterAgentInput } from "./agent.inputs.js";

/**
 * Registers an agent owned by `ownerId`, its name stored NFC-normalised (the input rules have
 * refused invisible and reordering characters). A name that is one of the owner's own (see
 * agentNameKey), or that reads like any existing agent's (same confusable skeleton, see
 * agentNameSkeletonKey), is a CONFLICT and nothing is written.
 *
 * Both checks are the unique indexes themselves, so two registrations racing with confusable
 * names cannot both land: the insert that loses reports a unique violation. Only then do we read,
 * to say which rule it broke.
 */
export async function registerAgent(dataSource: DataSource, ownerId: string, input: RegisterAgentInput): Promise<Agent> {
  const name = normaliseAgentName(input.name);
  const agent = dataSource.getRepository(Agent).create({
    id: randomUUID(),
    name,
    nameKey: agentNameKey(name),
    nameSkeleton: agentNameSkeletonKey(name),
    description: input.description.trim(),
    domains: input.domains,
    ownerId,
    registeredAt: new Date(),
  });
  try {
    await inTransaction(dataSource, (manager) => manager.insert(Agent, agent));
  } catch (error) {
    if (isUniqueViolation(error)) throw await conflictOf(dataSource, agent);
    throw error;
  }
  return agent;
}

/**
 * Which rule a refused agent broke. The other builder's agent is not named: the caller learns only
 * that the look is taken, which is all they need to choose another name.
 */
async function conflictOf(dataSource: DataSource, agent: Agent): Promise<ConflictError> {
  const agents = dataSource.getRepository(Agent);
  if (await agents.exists({ where: { ownerId: agent.ownerId, nameKey: agent.nameKey } }))
    return new ConflictError("input.name", `you already have an agent named "${agent.name}"`);
  const lookalike = await agents.findOne({ where: { nameSkeleton: agent.nameSkeleton! }, select: { ownerId: true } });
  if (lookalike?.ownerId === agent.ownerId)
    return new ConflictError("input.name", `"${agent.name}" reads like the name of another of your agents; choose a distinct name`);
  return new ConflictError(
    "input.name",
    `"${agent.name}" reads like (has the same Unicode confusable skeleton as) the name of another builder's agent; choose a distinct name`,
  );
}
