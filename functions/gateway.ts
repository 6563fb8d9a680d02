import { gatewayLambda } from "../runtime/lambda.js";

/** The gateway behind its public function URL. */
export const handler = gatewayLambda();
