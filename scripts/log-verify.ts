import { pathToFileURL } from "node:url";
import { config } from "../lib/platform/config.js";
import { attestationSigner } from "../lib/platform/signing-keys.js";
import { openDatabase } from "../runtime/data-source.js";
import type { HeadVerifier } from "../subgraphs/transparency/log-leaf.math.js";
import { jwksVerifier, verifyLog } from "../subgraphs/transparency/log.verify.js";

/**
 * `npm run log:verify`: checks the transparency log in DATABASE_URL (docs/transparency.md). Prints
 * one line per problem with its position and exits 1, or one summary line and exits 0. The public
 * keys are the log keys the gateway publishes (every key of the signing key set of
 * ATTESTATION_SIGNING_KEYS or DATA_DIR, retired ones included). Returns the exit code, so that tests can run it in-process.
 */
export async function runLogVerify(databaseUrl: string, print: (line: string) => void, verifier?: HeadVerifier): Promise<number> {
  const dataSource = await openDatabase(databaseUrl, { migrate: false });
  try {
    const result = await verifyLog(dataSource, verifier ?? jwksVerifier(await attestationSigner(config()).treeHeadKeys()));
    for (const problem of result.problems) print(problem.message);
    if (result.problems.length > 0) {
      print(`log:verify: ${result.problems.length} problem(s) in ${result.entries} entries and ${result.heads} signed heads`);
      return 1;
    }
    print(`log:verify: ok, ${result.entries} entries, ${result.heads} signed heads, every leaf, root and signature checked`);
    return 0;
  } finally {
    await dataSource.destroy();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  process.exitCode = await runLogVerify(config().databaseUrl, (line) => console.log(line));
}
