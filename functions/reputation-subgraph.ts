import { subgraphLambda } from "../runtime/lambda.js";

/** The reputation subgraph behind its function URL. */
export const handler = await subgraphLambda("reputation");
