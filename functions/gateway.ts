import { gatewayLambda } from "../runtime/gateway-lambda.js";

/** The gateway behind its public function URL. */
export const handler = gatewayLambda();
