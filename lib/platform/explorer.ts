import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { ROLES } from "./identity.js";

/**
 * GraphiQL for people trying the API in a browser, from the npm packages installed with it: it
 * works with no internet, and nothing on the page talks to anyone but this server (no CDN, no
 * telemetry; the Content-Security-Policy below holds the page to that).
 */

/** Where the page's scripts and styles are served, next to the API. */
export const EXPLORER_ASSET_PREFIX = "/explorer/";

export interface ExplorerResponse {
  contentType: string;
  body: string | Buffer;
}

export interface Explorer {
  /** The page, for a browser asking `GET /graphql` with `Accept: text/html`. */
  page: ExplorerResponse;
  /** A script or style sheet by its name under EXPLORER_ASSET_PREFIX; undefined for anything else. */
  asset(name: string): ExplorerResponse | undefined;
}

/**
 * Only same-origin scripts, styles and fetches. GraphiQL sets inline style attributes and embeds
 * its fonts as data: URLs, which the style and font rules allow; nothing else is loosened.
 */
export const EXPLORER_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "font-src 'self' data:",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

const JS = "text/javascript; charset=utf-8";
const CSS = "text/css; charset=utf-8";

/** The packaged builds GraphiQL's UMD bundle needs: React 18 and ReactDOM as globals, then GraphiQL. */
const PACKAGED: Record<string, { from: string; file: string; contentType: string }> = {
  "react.js": { from: "react", file: "umd/react.production.min.js", contentType: JS },
  "react-dom.js": { from: "react-dom", file: "umd/react-dom.production.min.js", contentType: JS },
  "graphiql.js": { from: "graphiql", file: "graphiql.min.js", contentType: JS },
  "graphiql.css": { from: "graphiql", file: "graphiql.min.css", contentType: CSS },
};

const DEFAULT_QUERY = `# Anyone may search the agents; press the run button.
# To act as someone, paste a token above.
query SearchAgents {
  searchAgents(first: 10, filter: { eligibleOnly: false }) {
    edges {
      node {
        id
        name
        trust { compositeScore tier eligible }
      }
    }
  }
}
`;

/**
 * Runs in the browser: GraphiQL with a fetcher that POSTs JSON (which passes the CSRF guard) to
 * the page's own URL, adding the pasted token unless the Headers tab already sets Authorization.
 * The token stays in the page, never in storage.
 */
const CLIENT_SCRIPT = `"use strict";
(function () {
  var tokenInput = document.getElementById("token");
  function fetcher(params, options) {
    var headers = Object.assign({}, options && options.headers);
    var token = tokenInput.value.trim().replace(/^Bearer\\s+/i, "");
    var named = Object.keys(headers).some(function (name) { return name.toLowerCase() === "authorization"; });
    if (token && !named) headers.authorization = "Bearer " + token;
    headers["content-type"] = "application/json";
    headers.accept = "application/graphql-response+json, application/json";
    return fetch(window.location.pathname, { method: "POST", headers: headers, body: JSON.stringify(params) }).then(function (response) {
      return response.json();
    });
  }
  ReactDOM.createRoot(document.getElementById("graphiql")).render(
    React.createElement(GraphiQL, { fetcher: fetcher, defaultQuery: ${JSON.stringify(DEFAULT_QUERY)}, shouldPersistHeaders: false }),
  );
})();
`;

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Agent Trust API explorer</title>
<link rel="stylesheet" href="${EXPLORER_ASSET_PREFIX}graphiql.css">
<link rel="stylesheet" href="${EXPLORER_ASSET_PREFIX}explorer.css">
</head>
<body>
<header>
  <h1>Agent Trust API</h1>
  <p>Anonymous by default. To act as someone, make a token on the server's machine with
  <code>npm run token -- --role builder --sub alice</code> (roles: ${ROLES.join(", ")}),
  and paste its last line here; it is sent as <code>Authorization: Bearer &lt;token&gt;</code>.
  The Headers tab below works too: <code>{"Authorization": "Bearer &lt;token&gt;"}</code>.</p>
  <label>Bearer token <input id="token" type="password" autocomplete="off" spellcheck="false" placeholder="paste the token from npm run token"></label>
</header>
<main id="graphiql">Loading the explorer…</main>
<script src="${EXPLORER_ASSET_PREFIX}react.js"></script>
<script src="${EXPLORER_ASSET_PREFIX}react-dom.js"></script>
<script src="${EXPLORER_ASSET_PREFIX}graphiql.js"></script>
<script src="${EXPLORER_ASSET_PREFIX}explorer.js"></script>
</body>
</html>
`;

const PAGE_STYLE = `html, body { height: 100%; margin: 0; }
body { display: flex; flex-direction: column; font-family: system-ui, sans-serif; }
header { padding: 8px 16px; border-bottom: 1px solid #d0d4dc; background: #f6f7f9; font-size: 14px; }
header h1 { margin: 0 0 4px; font-size: 16px; }
header p { margin: 0 0 6px; }
header input { width: 28em; margin-left: 6px; font-family: monospace; }
code { background: #e8eaef; padding: 0 3px; border-radius: 3px; }
#graphiql { flex: 1; min-height: 0; }
`;

/**
 * Reads GraphiQL, React and ReactDOM from their installed packages, once at start-up, so a
 * missing package stops the server with its name instead of breaking the page later.
 */
export function createExplorer(): Explorer {
  const require = createRequire(import.meta.url);
  const assets = new Map<string, ExplorerResponse>();
  for (const [name, { from, file, contentType }] of Object.entries(PACKAGED)) {
    let directory: string;
    try {
      directory = path.dirname(require.resolve(`${from}/package.json`));
    } catch {
      throw new Error(`The explorer needs the npm package "${from}": run npm install, or set EXPLORER=false`);
    }
    assets.set(name, { contentType, body: readFileSync(path.join(directory, file)) });
  }
  assets.set("explorer.js", { contentType: JS, body: CLIENT_SCRIPT });
  assets.set("explorer.css", { contentType: CSS, body: PAGE_STYLE });
  return {
    page: { contentType: "text/html; charset=utf-8", body: PAGE },
    asset: (name) => assets.get(name),
  };
}

/** A browser navigating to the API asks for HTML; GraphQL clients never do. */
export function wantsHtml(method: string | undefined, accept: string | undefined): boolean {
  return method === "GET" && accept !== undefined && /(^|,)\s*text\/html\s*(;|,|$)/i.test(accept);
}
