import { subgraphLambda } from "../runtime/lambda.js";

/** The agents subgraph behind its function URL. */
export const handler = await subgraphLambda("agents");
