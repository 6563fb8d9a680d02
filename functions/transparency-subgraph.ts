import { subgraphLambda } from "../runtime/lambda.js";

/** The transparency subgraph behind its function URL: the public log's entries, signed tree heads and proofs. */
export const handler = await subgraphLambda("transparency");
