import { describe, expect, it } from "vitest";
import { judgeJob, parseJudgeJob } from "../judge-job.message.js";

describe("parseJudgeJob", () => {
  it("round-trips a job built by judgeJob", () => {
    expect(parseJudgeJob(JSON.stringify(judgeJob("run-1")))).toEqual({ kind: "evaluation-run", runId: "run-1", slice: 0 });
    expect(parseJudgeJob(JSON.stringify(judgeJob("run-1", 7)))).toEqual({ kind: "evaluation-run", runId: "run-1", slice: 7 });
    expect(parseJudgeJob(JSON.stringify(judgeJob("run-1", null)))).toEqual({ kind: "evaluation-run", runId: "run-1", slice: null });
  });

  it("drops properties it does not know, and reads a job from before slices as slice 0", () => {
    expect(parseJudgeJob(JSON.stringify({ kind: "evaluation-run", runId: "run-1", extra: "x" }))).toEqual({
      kind: "evaluation-run",
      runId: "run-1",
      slice: 0,
    });
  });

  it.each([
    ["malformed JSON", "{not json", /not JSON/],
    ["JSON null", "null", /no valid kind and runId/],
    ["a wrong kind", JSON.stringify({ kind: "something-else", runId: "run-1" }), /no valid kind and runId/],
    ["a missing runId", JSON.stringify({ kind: "evaluation-run" }), /no valid kind and runId/],
    ["an empty runId", JSON.stringify({ kind: "evaluation-run", runId: "" }), /no valid kind and runId/],
    ["a numeric runId", JSON.stringify({ kind: "evaluation-run", runId: 42 }), /no valid kind and runId/],
    ["a runId longer than an id column", JSON.stringify({ kind: "evaluation-run", runId: "x".repeat(37) }), /no valid kind and runId/],
    ["a negative slice", JSON.stringify({ kind: "evaluation-run", runId: "run-1", slice: -1 }), /invalid slice/],
    ["a fractional slice", JSON.stringify({ kind: "evaluation-run", runId: "run-1", slice: 1.5 }), /invalid slice/],
    ["a slice as text", JSON.stringify({ kind: "evaluation-run", runId: "run-1", slice: "2" }), /invalid slice/],
  ])("rejects %s", (_label, body, message) => {
    expect(() => parseJudgeJob(body)).toThrow(message);
  });
});
