import type { BuildOptions } from "esbuild";

/**
 * Every function's `nodejs.esbuild` (infra/lambda.ts). Plain data in a file of its own, free of
 * `sst` types, so that test/integration/lambda-bundle.test.ts builds each handler with exactly
 * these options on top of the ones SST 4.17.1 sets itself, and the two cannot drift apart.
 *
 * SST 4.17.1 lets few options through: its `EsbuildOptions` type picks target, sourcemap,
 * keepNames, define, banner, external, inject, nodePaths, mainFields and conditions from esbuild's
 * BuildOptions, and its Go bundler (pkg/runtime/node) reads fewer still (no `inject`; a banner only
 * from `nodejs.banner`). `alias` and `plugins` are not among them.
 */
export const esbuildOptions: Pick<BuildOptions, "external" | "mainFields"> = {
  // SQLite serves only `sqlite:` URLs, which production never uses, and its native addon is
  // built for the developer's machine; TypeORM loads it by name, and this keeps any future
  // static import from dragging it into a bundle. esbuild emits no decorator metadata, and
  // every decorator in the code names its type, so nothing else is needed.
  external: ["better-sqlite3"],
  // One copy of graphql per bundle. SST resolves `module` before `main`, and graphql 16 has both
  // builds and no `exports` map: our ESM code and the ESM packages would then get index.mjs while
  // @apollo/gateway, @apollo/federation-internals and @apollo/subgraph `require()` the CommonJS
  // files, and graphql's instanceof checks fail across the two copies (the gateway refused every
  // operation with a required variable: "Expected ID to be a GraphQL nullable type"). `main` first
  // is esbuild's own default for Node. Packages with an `exports` map are not affected by this
  // setting either way; the test checks that graphql stays single.
  mainFields: ["main", "module"],
};
