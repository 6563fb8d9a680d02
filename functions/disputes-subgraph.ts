import { subgraphLambda } from "../runtime/lambda.js";

/** The disputes subgraph behind its function URL. */
export const handler = await subgraphLambda("disputes");
