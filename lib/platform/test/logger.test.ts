import { Writable } from "node:stream";
import { ApolloServer } from "@apollo/server";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { errorRequestIds, formatError } from "../errors.js";
import { serveGraphQL, type RunningServer } from "../http-server.js";
import { REQUEST_ID_HEADER, createLogger, jobLog, log, requestLog } from "../logger.js";

/** A logger like the process's, writing into `lines` instead of stdout. */
function capturingLogger(lines: Record<string, unknown>[]) {
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split("\n").filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return createLogger(sink);
}

describe("log lines", () => {
  const lines: Record<string, unknown>[] = [];
  beforeAll(() => {
    // Child loggers of the process's logger write where a capturing logger's children would.
    const capturing = capturingLogger(lines);
    vi.spyOn(log, "child").mockImplementation((bindings) => capturing.child(bindings));
  });
  afterEach(() => {
    lines.length = 0;
  });
  afterAll(() => {
    vi.restoreAllMocks();
  });

  it("are JSON with a level by name, the time, the process's id and the request's or job's id", () => {
    requestLog("req-1").warn("about a request");
    jobLog("decay-sweep:1").error({ decayed: 2 }, "about a job");

    expect(lines).toEqual([
      { level: "warn", time: expect.any(Number), processId: expect.any(String), requestId: "req-1", msg: "about a request" },
      { level: "error", time: expect.any(Number), processId: expect.any(String), jobId: "decay-sweep:1", decayed: 2, msg: "about a job" },
    ]);
    expect(lines[0]!.processId).toBe(lines[1]!.processId);
  });

  describe("of a GraphQL request served over HTTP", () => {
    let server: RunningServer;
    beforeAll(async () => {
      const apollo = new ApolloServer({
        typeDefs: "type Query { ok: Boolean, broken: Boolean }",
        resolvers: {
          Query: {
            ok: () => true,
            broken: () => {
              throw new Error("connection reset by the database");
            },
          },
        },
        formatError,
        plugins: [errorRequestIds],
        stopOnTerminationSignals: false,
      });
      server = await serveGraphQL(apollo, { host: "127.0.0.1", port: 0, maxBodyBytes: 1024, context: async () => ({}) });
    });
    afterAll(async () => {
      await server?.stop();
    });

    const post = (query: string, headers: Record<string, string> = {}) =>
      fetch(server.url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify({ query }) });

    it("carry the caller's request id, which the response echoes", async () => {
      const response = await post("{ broken }", { [REQUEST_ID_HEADER]: "trace-42" });

      expect(response.headers.get(REQUEST_ID_HEADER)).toBe("trace-42");
      expect((await response.json()).errors).toEqual([expect.objectContaining({ extensions: { code: "INTERNAL_SERVER_ERROR" } })]);
      expect(lines).toEqual([
        expect.objectContaining({
          level: "error",
          requestId: "trace-42",
          msg: "internal error, answered as INTERNAL_SERVER_ERROR",
          err: expect.objectContaining({ message: "connection reset by the database" }),
        }),
      ]);
    });

    it("get a new id when the caller sends none or one that is not a plain token", async () => {
      const none = await post("{ ok }");
      const odd = await post("{ broken }", { [REQUEST_ID_HEADER]: "two words" });

      expect(none.headers.get(REQUEST_ID_HEADER)).toMatch(/^[0-9a-f-]{36}$/);
      const given = odd.headers.get(REQUEST_ID_HEADER);
      expect(given).toMatch(/^[0-9a-f-]{36}$/);
      expect(given).not.toBe(none.headers.get(REQUEST_ID_HEADER));
      expect(lines.map((line) => line.requestId)).toEqual([given]);
    });
  });
});
