import "reflect-metadata";
import { Min, ValidateNested } from "class-validator";
import { graphql } from "graphql";
import { describe, expect, it } from "vitest";
import { Arg, Field, InputType, Int, Query, Resolver } from "type-graphql";
import { buildFederatedSchema } from "../federation.js";
import { TrimmedLength } from "../validation.js";

@InputType({ description: "A note." })
class NoteInput {
  @Field(() => String, { description: "Text." })
  @TrimmedLength(3, 10)
  text: string;

  @Field(() => [NoteLineInput], { description: "Lines." })
  @ValidateNested({ each: true })
  lines: NoteLineInput[];
}

@InputType({ description: "A line." })
class NoteLineInput {
  @Field(() => Int, { description: "Number." })
  @Min(1)
  number: number;
}

@InputType({ description: "Paging." })
class WindowInput {
  @Field(() => Int, { description: "Size." })
  @Min(1)
  size: number;
}

@Resolver()
class NoteResolver {
  @Query(() => String, { description: "Echoes the note." })
  note(
    @Arg("window", () => WindowInput, { description: "Paging." }) _window: WindowInput,
    @Arg("draft", () => NoteInput, { description: "The note." }) draft: NoteInput,
  ): string {
    return draft.text.trim();
  }
}

describe("argument validation", async () => {
  const schema = await buildFederatedSchema({ resolvers: [NoteResolver] });
  const run = (source: string) => graphql({ schema, source });

  it("names every offending field by its path from the argument it belongs to", async () => {
    const result = await run('{ note(window: { size: 1 }, draft: { text: "  x  ", lines: [{ number: 2 }, { number: 0 }] }) }');

    expect(result.errors?.[0]?.extensions).toEqual({
      code: "BAD_USER_INPUT",
      field: "draft.text",
      fields: ["draft.text", "draft.lines[1].number"],
    });
    expect(result.errors?.[0]?.message).toBe(
      "draft.text: must be 3–10 characters, not counting surrounding spaces; draft.lines[1].number: must not be less than 1",
    );
  });

  it("tells arguments apart by their input type", async () => {
    const result = await run('{ note(window: { size: 0 }, draft: { text: "fine", lines: [] }) }');

    expect(result.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "window.size" });
  });

  it("lets valid input through, and counts length without surrounding spaces", async () => {
    const result = await run('{ note(window: { size: 1 }, draft: { text: "   abc   ", lines: [{ number: 1 }] }) }');

    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({ note: "abc" });
  });
});
