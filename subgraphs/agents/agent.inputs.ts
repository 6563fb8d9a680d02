import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsEnum, ValidateBy, type ValidationArguments } from "class-validator";
import { Field, InputType } from "type-graphql";
import { AgentDomain } from "../../lib/contracts/agent-domain.js";
import { TrimmedLength } from "../../lib/platform/validation.js";
import { forbiddenCharacterIn, normaliseAgentName } from "./agent-name.rules.js";

const NAME_MAX = 120;

/**
 * A name that can be shown as it is stored: no control, bidirectional-formatting or invisible
 * character (which would let a listing display as another agent's name), and within the column
 * once composed (NFC can lengthen a few scripts' text). Which character offends is named by code
 * point, since it cannot be seen.
 */
function ShowableName(): PropertyDecorator {
  const problemOf = (value: unknown): string | null => {
    if (typeof value !== "string") return null; // TrimmedLength reports non-strings and lengths before normalising
    const name = normaliseAgentName(value);
    return forbiddenCharacterIn(name) ?? (name.length > NAME_MAX ? `must be at most ${NAME_MAX} characters once normalised (NFC)` : null);
  };
  return ValidateBy({
    name: "showableName",
    validator: {
      validate: (value: unknown) => problemOf(value) === null,
      defaultMessage: (args?: ValidationArguments) => problemOf(args?.value) ?? "is not a name that can be shown",
    },
  });
}

@InputType({ description: "What a builder states when registering an agent." })
export class RegisterAgentInput {
  @Field(() => String, {
    description:
      "Display name, 1–120 characters, stored NFC-normalised. Control, bidirectional-formatting and invisible (zero-width) characters are refused, and so is a name that reads like (has the Unicode TR39 confusable skeleton of) an existing agent's.",
  })
  @TrimmedLength(1, NAME_MAX)
  @ShowableName()
  name: string;

  @Field(() => String, { description: "What the agent does, 1–4000 characters." })
  @TrimmedLength(1, 4000)
  description: string;

  @Field(() => [AgentDomain], { description: "The workflows the agent serves; at least one, no repeats." })
  @ArrayMinSize(1)
  @ArrayMaxSize(4)
  @ArrayUnique()
  @IsEnum(AgentDomain, { each: true })
  domains: AgentDomain[];
}
