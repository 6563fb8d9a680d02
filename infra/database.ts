/// <reference path="../.sst/platform/config.d.ts" />
import { databaseUrlSecret } from "./secrets";

/**
 * Deploy-time choice, read by SST from the shell or `.env.<stage>`; the application never sees it.
 * `aurora`: this stage owns a VPC and an Aurora MySQL 3 (MySQL 8.0) cluster, and the functions
 * that use the database run inside that VPC. Anything else: DATABASE_URL comes from the
 * DatabaseUrl secret and no function joins a VPC, so that server must be reachable over the
 * internet (public endpoint, TLS, strong password).
 */
const ownsDatabase = process.env.AGENT_TRUST_DATABASE === "aurora";

const production = $app.stage === "production";

/** The network of the database-facing functions; undefined when the database is external. */
export const vpc = ownsDatabase
  ? new sst.aws.Vpc("Vpc", {
      // Functions in private subnets reach SQS only through NAT. Managed NAT gateways are
      // highly available; an EC2 NAT instance costs a fraction and is good enough elsewhere.
      nat: production ? "managed" : "ec2",
    })
  : undefined;

const cluster = vpc
  ? new sst.aws.Aurora("Database", {
      engine: "mysql",
      vpc,
      // Production never pauses: resuming takes about 15 s, longer than the judge's and the
      // subgraphs' timeouts. Other stages pause when idle and absorb a slow first request.
      scaling: production ? { min: "0.5 ACU", max: "4 ACU" } : { min: "0 ACU", max: "2 ACU" },
    })
  : undefined;

/**
 * DATABASE_URL for every function that reads or writes the database. Aurora's generated password
 * is alphanumeric and its user is `root`, so neither needs URL-encoding.
 */
export const databaseUrl = cluster
  ? $interpolate`mysql://${cluster.username}:${cluster.password}@${cluster.host}:${cluster.port}/${cluster.database}`
  : databaseUrlSecret().value;
