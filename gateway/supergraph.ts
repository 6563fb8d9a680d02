import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";

/** The committed supergraph the gateway serves; `npm run compose` (runtime/compose.ts) writes it. */
export const SUPERGRAPH_PATH = fileURLToPath(new URL("./supergraph.graphql", import.meta.url));

export function readCommittedSupergraph(path = SUPERGRAPH_PATH): Promise<string> {
  return readFile(path, "utf8");
}
