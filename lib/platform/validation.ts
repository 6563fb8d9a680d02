import { ValidateBy, validate, type ValidationError, type ValidationOptions } from "class-validator";
import { getNamedType } from "graphql";
import type { ValidatorFn } from "type-graphql";
import { BadUserInputError } from "./errors.js";

/** A string whose length, once surrounding whitespace is trimmed, is within [min, max]: what gets stored. */
export function TrimmedLength(min: number, max: number, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: "trimmedLength",
      constraints: [min, max],
      validator: {
        validate: (value: unknown) => typeof value === "string" && value.trim().length >= min && value.trim().length <= max,
        defaultMessage: () =>
          min > 0 ? `must be ${min}–${max} characters, not counting surrounding spaces` : `must be at most ${max} characters`,
      },
    },
    options,
  );
}

function flatten(errors: ValidationError[], prefix: string): { field: string; message: string }[] {
  return errors.flatMap((error) => {
    const field = /^\d+$/.test(error.property) ? `${prefix}[${error.property}]` : `${prefix}.${error.property}`;
    const own = Object.values(error.constraints ?? {}).map((constraint) => ({
      field,
      // class-validator starts its messages with the bare property name; the path says it better.
      message: constraint.startsWith(`${error.property} `) ? constraint.slice(error.property.length + 1) : constraint,
    }));
    return [...own, ...flatten(error.children ?? [], field)];
  });
}

/**
 * type-graphql's argument validation, reporting the failure as one BAD_USER_INPUT error that names
 * every offending field by its full path from the argument (`filter.minCompositeScore`,
 * `input.cases[2].caseId`).
 */
export const validateArgument: ValidatorFn = async (value, type, { info }) => {
  if (value === null || typeof value !== "object") return;
  const items: object[] = Array.isArray(value) ? value.filter((item) => item !== null && typeof item === "object") : [value];
  const errors = (
    await Promise.all(items.map((item) => validate(item, { skipMissingProperties: true, forbidUnknownValues: false })))
  ).flat();
  if (errors.length === 0) return;
  const typeName = typeof type === "function" ? type.name : undefined;
  const argument =
    info.parentType.getFields()[info.fieldName]?.args.find((arg) => getNamedType(arg.type).name === typeName)?.name ?? "input";
  const problems = flatten(errors, argument);
  throw new BadUserInputError(
    problems[0]?.field ?? argument,
    problems.map((p) => `${p.field}: ${p.message}`).join("; "),
    problems.map((p) => p.field),
  );
};
