import { subgraphLambda } from "../runtime/lambda.js";

/** The pacts subgraph behind its function URL. */
export const handler = await subgraphLambda("pacts");
