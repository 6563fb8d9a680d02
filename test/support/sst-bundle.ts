import { existsSync } from "node:fs";
import path from "node:path";
import { type BuildOptions, type Metafile, build } from "esbuild";

/*
 * A Node function bundled as `sst deploy` bundles it with SST 4.17.1 (the version package.json's deploy scripts pin).
 *
 * Where the options come from: SST's Go CLI, repository github.com/anomalyco/sst (formerly
 * sst/sst), pkg/runtime/node/build.go, `Runtime.Build`: the `options := esbuild.BuildOptions{…}`
 * literal and the production-only settings after it (about lines 126–182), with the fallbacks of
 * `ESBuildOptions.Resolve*` in pkg/runtime/node/node.go. The revision read is the one the
 * sst-linux-x64 4.17.1 binary was built from, as far as the binary tells: it holds the
 * ESBuildOptions.Resolve{Target,Sourcemap,KeepNames,MainFields,Conditions} methods, the runtime →
 * target map's keys (nodejs24.x … nodejs12.x) and the five-line `createRequire` banner, and none
 * of the later `sst:esm-shims` plugin. The TypeScript side (platform/src/components/aws/function.ts,
 * embedded in the same binary) hands `nodejs` to the bundler as it is, so a `minify` left unset
 * is false, and zips the output folder without the source maps, plus `copyFiles`.
 *
 * One esbuild call per function, as SST makes (up to four at a time): no shared chunks.
 */

/** `nodejs.esbuild` as SST 4.17.1 reads it (node.go ESBuildOptions); anything else it drops. */
type SstEsbuildOptions = Pick<
  BuildOptions,
  "target" | "sourcemap" | "keepNames" | "define" | "external" | "nodePaths" | "mainFields" | "conditions"
>;

/** The `nodejs` arguments of sst.aws.Function this helper models; others fail loudly rather than be ignored. */
interface SstNodejsArgs {
  esbuild?: SstEsbuildOptions;
  minify?: boolean;
  banner?: string;
}

const MODELLED_ESBUILD = new Set(["target", "sourcemap", "keepNames", "define", "external", "nodePaths", "mainFields", "conditions"]);
const MODELLED_NODEJS = new Set(["esbuild", "minify", "banner"]);

/** build.go `forceExternal`: always left out of the bundle (and installed next to it when imported). */
const FORCE_EXTERNAL = ["sharp", "pg-native"];

/** build.go `targetMap`: the Lambda runtime's default esbuild target. */
const RUNTIME_TARGETS: Record<string, string> = {
  "nodejs24.x": "es2024",
  "nodejs22.x": "es2023",
  "nodejs20.x": "es2023",
  "nodejs18.x": "es2022",
};

/** node.go `esTargetMap`: the targets `nodejs.esbuild.target` may name; any other keeps the runtime's. */
const NAMED_TARGETS = new Set([
  "esnext",
  "es5",
  "es6",
  "es2015",
  "es2016",
  "es2017",
  "es2018",
  "es2019",
  "es2020",
  "es2021",
  "es2022",
  "es2023",
]);

/** build.go's banner for ESM output: `require`, `__filename` and `__dirname` for CommonJS code in an ES module. */
const ESM_BANNER = [
  `import { createRequire as topLevelCreateRequire } from 'module';`,
  `const require = topLevelCreateRequire(import.meta.url);`,
  `import { fileURLToPath as topLevelFileUrlToPath, URL as topLevelURL } from "url"`,
  `const __filename = topLevelFileUrlToPath(import.meta.url)`,
  `const __dirname = topLevelFileUrlToPath(new topLevelURL(".", import.meta.url))`,
];

/** node.go NODE_EXTENSIONS, in order: how `functions/judge.handler` finds functions/judge.ts. */
const NODE_EXTENSIONS = [".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs"];

/** The source file of a handler such as `functions/judge.handler`, relative to `root`. */
export function handlerFile(root: string, handler: string): string {
  const base = path.join(root, handler.slice(0, handler.lastIndexOf(".")));
  const found = NODE_EXTENSIONS.map((extension) => base + extension).find((file) => existsSync(file));
  if (!found) throw new Error(`handler not found: ${handler}`);
  return found;
}

/** The esbuild options SST 4.17.1 builds `entry` with for a deploy, into `outDir`/bundle.mjs. */
function sstBuildOptions(entry: string, outDir: string, runtime: string, nodejs: SstNodejsArgs = {}): BuildOptions {
  const unknownNodejs = Object.keys(nodejs).filter((key) => !MODELLED_NODEJS.has(key));
  const esbuild = nodejs.esbuild ?? {};
  const unknownEsbuild = Object.keys(esbuild).filter((key) => !MODELLED_ESBUILD.has(key));
  if (unknownNodejs.length || unknownEsbuild.length)
    throw new Error(
      `not modelled on SST 4.17.1's bundler: ${[...unknownNodejs, ...unknownEsbuild.map((key) => `esbuild.${key}`)].join(", ")}`,
    );
  const runtimeTarget = RUNTIME_TARGETS[runtime];
  if (!runtimeTarget) throw new Error(`no esbuild target known for runtime ${runtime}`);
  const target = typeof esbuild.target === "string" && NAMED_TARGETS.has(esbuild.target.toLowerCase()) ? esbuild.target : runtimeTarget;
  const sourcemap = esbuild.sourcemap === undefined ? "linked" : esbuild.sourcemap;
  return {
    entryPoints: [entry],
    platform: "node",
    external: [...FORCE_EXTERNAL, ...(esbuild.external ?? [])],
    keepNames: esbuild.keepNames ?? true,
    bundle: true,
    splitting: false,
    metafile: true,
    outfile: path.join(outDir, "bundle.mjs"),
    sourcemap: sourcemap === true ? "linked" : sourcemap,
    write: true,
    format: "esm",
    target,
    mainFields: esbuild.mainFields?.length ? esbuild.mainFields : ["module", "main"],
    ...(esbuild.conditions?.length ? { conditions: esbuild.conditions } : {}),
    banner: { js: [...ESM_BANNER, nodejs.banner ?? ""].join("\n") },
    nodePaths: esbuild.nodePaths,
    define: esbuild.define,
    ...(nodejs.minify ? { minify: true } : {}),
    logLevel: "silent",
  };
}

/** Builds one function as SST does; returns the bundle's path and esbuild's metafile. */
export async function buildLikeSst(
  entry: string,
  outDir: string,
  runtime: string,
  nodejs: SstNodejsArgs = {},
): Promise<{ bundle: string; metafile: Metafile }> {
  const options = sstBuildOptions(entry, outDir, runtime, nodejs);
  const result = await build(options);
  return { bundle: options.outfile!, metafile: result.metafile! };
}

/**
 * The files of `pkg` a bundle holds more than once, in two builds (ESM `.mjs` beside CommonJS
 * `.js`, or `esm/` beside `cjs/`): a second copy of a module whose classes are checked with
 * instanceof.
 */
export function duplicatedModules(metafile: Metafile, pkg: string): string[] {
  const prefix = `node_modules/${pkg}/`;
  const seen = new Map<string, string>();
  const duplicated: string[] = [];
  for (const input of Object.keys(metafile.inputs)) {
    const at = input.lastIndexOf(prefix);
    if (at === -1) continue;
    const file = input.slice(at + prefix.length);
    const key = file.replace(/\.(mjs|cjs|js)$/, "").replace(/(^|\/)(esm|cjs|dist-es|dist-cjs|commonjs)(?=\/)/g, "$1*");
    const other = seen.get(key);
    if (other) duplicated.push(`${other} + ${file}`);
    else seen.set(key, file);
  }
  return duplicated;
}
