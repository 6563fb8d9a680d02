/*
 * What a context's tests arrange through other contexts: an agent row, the pacts' default ladder
 * and route, reputation's intake. A subgraph's tests reach another context only through here, so
 * the dependency rules (.dependency-cruiser.cjs) hold for them as for the code they test.
 */
export { Agent } from "../../subgraphs/agents/agent.entity.js";
export { DEFAULT_LADDER, DEFAULT_ROUTE } from "../../subgraphs/pacts/authoring/pact.templates.js";
export { recordDisputeState, recordEvaluation } from "../../subgraphs/reputation/trust.record.js";
