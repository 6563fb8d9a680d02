/// <reference path="../.sst/platform/config.d.ts" />
import { MIGRATE_CONCURRENCY } from "./capacity";
import { lambda } from "./lambda";
import { endpoints } from "./network";

/** Brings the schema up to date: run by every deploy (below), and by hand when needed (docs/deployment.md). */
export const migrate = new sst.aws.Function(
  "Migrate",
  lambda({
    handler: "functions/migrate.handler",
    // DDL on a grown table can take minutes, and a non-production Aurora may first have to resume.
    timeout: "5 minutes",
    memory: "512 MB",
    // A half-applied migration must be looked at, not replayed by an automatic retry.
    retries: 0,
    concurrency: { reserved: MIGRATE_CONCURRENCY },
  }),
);

/**
 * The deploy invokes Migrate (synchronously, as RequestResponse) each time its function changes:
 * new code (a new migration is new code) or new configuration (another DATABASE_URL). Every other
 * function depends on this invocation, so the deploy updates them only after the migrations have
 * run, and a migration that throws fails the deploy before any new code takes traffic; the next
 * deploy invokes it again. Until then the old code runs on the new schema: hence the
 * expand/contract rules of docs/deployment.md. Under `sst dev` the function runs on the
 * developer's machine, which is not the place for a stage's migrations: no invocation there.
 */
export const migrations = $dev
  ? undefined
  : new aws.lambda.Invocation(
      "MigrateOnDeploy",
      {
        functionName: migrate.name,
        input: JSON.stringify({ source: "deploy" }),
        // A change of trigger replaces the resource, and creating it invokes the function.
        triggers: { functionUpdated: migrate.nodes.function.lastModified },
      },
      // On a stage without NAT the endpoints are in place before anything runs in the VPC.
      { dependsOn: endpoints },
    );

/** What the functions wait for before they are created or updated: `lambda(…, { after })`. */
export const afterMigrations: $util.Resource[] = migrations ? [migrations] : [];
