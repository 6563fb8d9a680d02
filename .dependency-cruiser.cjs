/**
 * The layout's dependency rules (docs/architecture.md): contexts meet only through lib/contracts
 * and runtime/; platform code knows no context; nothing imports the entry points above it.
 * @type {import('dependency-cruiser').IConfiguration}
 */
module.exports = {
  forbidden: [
    {
      name: "no-subgraph-to-subgraph",
      comment: "A context never imports another: hand-offs are contracts in lib/contracts, wired in runtime/.",
      severity: "error",
      from: { path: "^subgraphs/([^/]+)/" },
      to: { path: "^subgraphs/([^/]+)/", pathNot: "^subgraphs/$1/" },
    },
    {
      name: "no-lib-to-app",
      comment: "lib/ is below every context: it imports no subgraph, gateway, runtime or function.",
      severity: "error",
      from: { path: "^lib/" },
      to: { path: "^(subgraphs|gateway|runtime|functions|scripts)/" },
    },
    {
      name: "no-platform-to-contracts",
      comment: "Platform code (database, queue, HTTP, identity, config, logging) knows no domain contract.",
      severity: "error",
      from: { path: "^lib/platform/" },
      to: { path: "^lib/contracts/" },
    },
    {
      name: "no-upward-to-runtime",
      comment: "Only functions/ and scripts/ (and tests) start the runtime; contexts, lib and the gateway never import it.",
      severity: "error",
      from: { path: "^(subgraphs|lib|gateway)/", pathNot: "/test/" },
      to: { path: "^runtime/" },
    },
    {
      name: "no-upward-to-functions",
      comment: "functions/ are the Lambda entry points, at the top: nothing in the system imports them.",
      severity: "error",
      from: { path: "^(subgraphs|lib|gateway|runtime|scripts|bench)/" },
      to: { path: "^functions/" },
    },
    {
      name: "no-gateway-to-contexts",
      comment: "The gateway knows the supergraph, not the subgraphs' code.",
      severity: "error",
      from: { path: "^gateway/" },
      to: { path: "^subgraphs/" },
    },
    {
      name: "gateway-lambda-holds-no-context",
      comment: "The gateway's Lambda bundle carries no subgraph code: a small bundle and a short cold start.",
      severity: "error",
      from: { path: "^functions/gateway\\.ts$" },
      to: { path: "^subgraphs/", reachable: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^(node_modules|dist|\\.data|\\.sst)/" },
    tsPreCompilationDeps: true,
    // TypeScript 7 has no JavaScript API yet; swc parses the sources instead.
    parser: "swc",
    tsConfig: { fileName: "tsconfig.json" },
  },
};
