/// <reference path="../.sst/platform/config.d.ts" />
import { AURORA_SCALING } from "./capacity";
import { vpc } from "./network";
import { databaseUrlSecret } from "./secrets";

// Which database a stage uses is a deploy-time choice (deploy-settings.ts, AGENT_TRUST_DATABASE):
// an Aurora cluster of its own, in its own VPC (network.ts), or an external MySQL 8 server.

const cluster = vpc
  ? new sst.aws.Aurora("Database", {
      engine: "mysql",
      vpc,
      // The capacity range also fixes the connection limit the functions' budget is drawn from.
      scaling: AURORA_SCALING,
    })
  : undefined;

/**
 * DATABASE_URL for every function that reads or writes the database. Aurora's generated password
 * is alphanumeric and its user is `root`, so neither needs URL-encoding.
 */
export const databaseUrl = cluster
  ? $interpolate`mysql://${cluster.username}:${cluster.password}@${cluster.host}:${cluster.port}/${cluster.database}`
  : databaseUrlSecret().value;
