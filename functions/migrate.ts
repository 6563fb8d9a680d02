/** Invoked once per deploy: brings the database schema up to date. */
export { migrate as handler } from "../runtime/lambda.js";
