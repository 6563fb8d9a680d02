import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, "../..");
const DEPCRUISE = path.join(ROOT, "node_modules/dependency-cruiser/bin/dependency-cruise.mjs");
/** The folders `npm run lint` checks, as package.json names them. */
const CHECKED = ["lib", "subgraphs", "runtime", "functions", "gateway", "scripts", "bench", "test"];

/** The dependency check as `npm run lint` runs it, from `cwd`: its exit code and what it printed. */
async function dependencyCheck(cwd: string, folders: string[]): Promise<{ code: number; output: string }> {
  try {
    const { stdout } = await run(process.execPath, [DEPCRUISE, "--config", path.join(ROOT, ".dependency-cruiser.cjs"), ...folders], {
      cwd,
    });
    return { code: 0, output: stdout };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, output: failed.stdout + failed.stderr };
  }
}

describe("the dependency rules of the layout", () => {
  it("pass on the tree as it is", async () => {
    const { code, output } = await dependencyCheck(ROOT, CHECKED);
    expect(output).toContain("no dependency violations found");
    expect(code).toBe(0);
  });

  describe("on a tree that breaks them", () => {
    let tree: string;
    const files: Record<string, string> = {
      "tsconfig.json": JSON.stringify({ compilerOptions: { module: "NodeNext", moduleResolution: "NodeNext" } }),
      "subgraphs/pacts/pact.entity.ts": "export const pact = 1;\n",
      "subgraphs/pacts/evaluation/run.entity.ts": 'import { pact } from "../pact.entity.js";\nexport const run = pact;\n',
      "subgraphs/pacts/pact.wiring.ts": 'import { local } from "../../runtime/local.js";\nexport const wired = local;\n',
      "subgraphs/agents/agent.register.ts": 'import { pact } from "../pacts/pact.entity.js";\nexport const agent = pact;\n',
      "subgraphs/agents/test/agent.test.ts": 'import { run } from "../../pacts/evaluation/run.entity.js";\nexport const seen = run;\n',
      "lib/contracts/agent-directory.ts":
        'import { agent } from "../../subgraphs/agents/agent.register.js";\nexport const entry = agent;\n',
      "lib/platform/database.ts": 'import { entry } from "../contracts/agent-directory.js";\nexport const db = entry;\n',
      "runtime/local.ts": 'import { handler } from "../functions/judge.js";\nexport const local = handler;\n',
      "functions/judge.ts": "export const handler = 1;\n",
      "gateway/index.ts": 'import { pact } from "../subgraphs/pacts/pact.entity.js";\nexport const gateway = pact;\n',
    };

    beforeAll(async () => {
      tree = await mkdtemp(path.join(tmpdir(), "layout-"));
      for (const [file, text] of Object.entries(files)) {
        await mkdir(path.dirname(path.join(tree, file)), { recursive: true });
        await writeFile(path.join(tree, file), text);
      }
    });
    afterAll(async () => {
      await rm(tree, { recursive: true, force: true });
    });

    it("fails, naming each broken rule and the import that breaks it, and nothing else", async () => {
      const { code, output } = await dependencyCheck(tree, ["lib", "subgraphs", "runtime", "functions", "gateway"]);

      expect(code).not.toBe(0);
      const violations = output
        .split("\n")
        .filter((line) => line.trim().startsWith("error "))
        .map((line) => line.trim())
        .sort();
      expect(violations).toEqual([
        "error no-gateway-to-contexts: gateway/index.ts → subgraphs/pacts/pact.entity.ts",
        "error no-lib-to-app: lib/contracts/agent-directory.ts → subgraphs/agents/agent.register.ts",
        "error no-platform-to-contracts: lib/platform/database.ts → lib/contracts/agent-directory.ts",
        "error no-subgraph-to-subgraph: subgraphs/agents/agent.register.ts → subgraphs/pacts/pact.entity.ts",
        "error no-subgraph-to-subgraph: subgraphs/agents/test/agent.test.ts → subgraphs/pacts/evaluation/run.entity.ts",
        "error no-upward-to-functions: runtime/local.ts → functions/judge.ts",
        "error no-upward-to-runtime: subgraphs/pacts/pact.wiring.ts → runtime/local.ts",
      ]);
    });
  });
});
