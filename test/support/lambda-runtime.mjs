// A stand-in for Lambda's Node.js runtime, running ONE bundle as Lambda would: its own process, the
// bundle's folder as working directory and LAMBDA_TASK_ROOT, `bundle.mjs` imported once (the cold
// start, top-level await included), then `handler(event, context, callback)` per invocation.
// Plain JavaScript with only node: imports, so that nothing resolves from the repository's
// node_modules: whatever the bundle needs must be inside it.
//
//   node lambda-runtime.mjs <bundle folder> <timeout ms> <function name>
//
// Serves on 127.0.0.1 (a free port, reported to the parent over IPC with the cold import time):
// - POST /2015-03-31/functions/function/invocations: the Invoke API, as the Runtime Interface
//   Emulator exposes it. The body is the event; the answer is the handler's result as JSON, or
//   {errorType, errorMessage} with `X-Amz-Function-Error: Unhandled` when it threw.
// - anything else: the function URL. The HTTP request becomes a payload format 2.0 event and the
//   handler's result the HTTP response, as a Lambda function URL does it.
import { randomUUID } from "node:crypto";
import { createServer } from "node:http";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [dir, timeoutArg, functionName] = process.argv.slice(2);
const timeoutMs = Number(timeoutArg);
const INVOKE_PATH = "/2015-03-31/functions/function/invocations";

const started = performance.now();
const { handler } = await import(pathToFileURL(path.join(dir, "bundle.mjs")).href);
const importMs = performance.now() - started;
if (typeof handler !== "function") throw new Error(`${dir}/bundle.mjs exports no handler function`);

/** What Lambda hands a Node.js handler as its second argument. */
function contextFor(requestId) {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE ?? "1024",
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: "2026/01/01/[$LATEST]0000",
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

/** Runs the handler as Lambda does: a returned promise wins; a callback is honoured too. */
function invoke(event) {
  return new Promise((resolve, reject) => {
    const callback = (error, result) => (error ? reject(error) : resolve(result));
    try {
      const returned = handler(event, contextFor(randomUUID()), callback);
      if (returned && typeof returned.then === "function") returned.then(resolve, reject);
    } catch (error) {
      reject(error);
    }
  });
}

const readBody = async (request) => {
  const chunks = [];
  for await (const chunk of request) chunks.push(chunk);
  return Buffer.concat(chunks);
};

const TEXT_TYPES = /^(text\/|application\/(json|graphql|xml|x-www-form-urlencoded|javascript)|[^;]*\+json)/;

/** The payload format 2.0 event a function URL makes of an HTTP request. */
function functionUrlEvent(request, body, port) {
  const url = new URL(request.url, `http://127.0.0.1:${port}`);
  const headers = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (name !== "cookie") headers[name] = Array.isArray(value) ? value.join(",") : value;
  }
  const text = TEXT_TYPES.test(headers["content-type"] ?? "");
  const now = new Date();
  return {
    version: "2.0",
    routeKey: "$default",
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    ...(request.headers.cookie ? { cookies: request.headers.cookie.split("; ") } : {}),
    headers,
    ...(url.search ? { queryStringParameters: Object.fromEntries(url.searchParams) } : {}),
    requestContext: {
      accountId: "anonymous",
      apiId: functionName.toLowerCase(),
      domainName: `${functionName.toLowerCase()}.lambda-url.us-east-1.on.aws`,
      domainPrefix: functionName.toLowerCase(),
      http: {
        method: request.method,
        path: url.pathname,
        protocol: "HTTP/1.1",
        sourceIp: request.socket.remoteAddress?.replace(/^::ffff:/, "") ?? "127.0.0.1",
        userAgent: headers["user-agent"] ?? "",
      },
      requestId: randomUUID(),
      routeKey: "$default",
      stage: "$default",
      time: now.toISOString(),
      timeEpoch: now.getTime(),
    },
    ...(body.length
      ? { body: text ? body.toString("utf8") : body.toString("base64"), isBase64Encoded: !text }
      : { isBase64Encoded: false }),
  };
}

/** Writes a handler's result as a function URL does: a structured result as is, anything else as JSON. */
function respond(response, result) {
  if (result && typeof result === "object" && "statusCode" in result) {
    const headers = { ...result.headers };
    if (result.cookies?.length) headers["set-cookie"] = result.cookies;
    response.writeHead(result.statusCode, headers);
    response.end(result.body === undefined ? "" : Buffer.from(result.body, result.isBase64Encoded ? "base64" : "utf8"));
    return;
  }
  response.writeHead(200, { "content-type": "application/json" });
  response.end(JSON.stringify(result ?? null));
}

const server = createServer(async (request, response) => {
  const body = await readBody(request);
  if (request.method === "POST" && request.url === INVOKE_PATH) {
    try {
      const result = await invoke(JSON.parse(body.toString("utf8") || "{}"));
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify(result ?? null));
    } catch (error) {
      response.writeHead(200, { "content-type": "application/json", "x-amz-function-error": "Unhandled" });
      response.end(JSON.stringify({ errorType: error?.name ?? "Error", errorMessage: String(error?.message ?? error) }));
    }
    return;
  }
  try {
    respond(response, await invoke(functionUrlEvent(request, body, server.address().port)));
  } catch (error) {
    // A function URL answers a failed invocation with 502 and no detail.
    console.error(error);
    response.writeHead(502, { "content-type": "application/json" });
    response.end(JSON.stringify({ message: "Internal Server Error" }));
  }
});
server.listen(0, "127.0.0.1", () => process.send?.({ port: server.address().port, importMs }));
process.on("disconnect", () => process.exit(0));
