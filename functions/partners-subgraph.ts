import { subgraphLambda } from "../runtime/lambda.js";

/** The partners subgraph behind its function URL: API keys, the gateway's key lookups, partner suspensions. */
export const handler = await subgraphLambda("partners");
