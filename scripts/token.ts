import { parseArgs } from "node:util";
import { config } from "../lib/platform/config.js";
import { ROLES, isRole } from "../lib/platform/identity.js";
import { callerToken } from "./caller-token.js";

// Prints a caller token signed with this installation's key; the token is the last line.
const { values } = parseArgs({
  options: { role: { type: "string" }, sub: { type: "string" }, ttl: { type: "string", default: "43200" } },
});
if (!isRole(values.role) || !values.sub) {
  console.error(`usage: npm run token -- --role <${ROLES.join("|")}> --sub <subject> [--ttl <seconds>]`);
  process.exit(2);
}
const settings = config();
const ttlSeconds = Number(values.ttl);
if (!Number.isInteger(ttlSeconds) || ttlSeconds < 60 || ttlSeconds > 30 * 86400) {
  console.error("--ttl must be between 60 and 2592000 seconds");
  process.exit(2);
}
console.log(await callerToken(settings, values.role, values.sub, ttlSeconds));
