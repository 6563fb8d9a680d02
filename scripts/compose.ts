import { writeFile } from "node:fs/promises";
import { SUPERGRAPH_PATH } from "../gateway/supergraph.js";
import { composeSupergraph } from "../runtime/compose.js";

// Regenerates the committed supergraph from the subgraphs' code (`npm run compose`).
await writeFile(SUPERGRAPH_PATH, await composeSupergraph());
console.log(`wrote ${SUPERGRAPH_PATH}`);
