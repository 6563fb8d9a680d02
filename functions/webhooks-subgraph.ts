import { subgraphLambda } from "../runtime/lambda.js";

/** The webhooks subgraph behind its function URL: partners' and builders' webhook endpoints and their delivery logs. */
export const handler = await subgraphLambda("webhooks");
