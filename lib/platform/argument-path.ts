import { BREAK, type ASTNode, type GraphQLError, Kind, parse, visit } from "graphql";

/**
 * The nodes graphql-js's ValuesOfCorrectTypeRule reports on: a value written into the document
 * (a literal) that its type refuses, e.g. `occurredAt: "yesterday"` for a DateTimeISO, or an input
 * field the type lacks. A variable is not among them: its misuse is the document's mistake.
 */
const VALUE_KINDS = new Set<string>([
  Kind.INT,
  Kind.FLOAT,
  Kind.STRING,
  Kind.BOOLEAN,
  Kind.NULL,
  Kind.ENUM,
  Kind.LIST,
  Kind.OBJECT,
  Kind.OBJECT_FIELD,
]);

/**
 * The argument path a validation error about a literal value is about, written as variable errors
 * name theirs (`input.cases[2].input`), or undefined for any other error. graphql-js reports only
 * the offending value node (a scalar's own parser words the message), so the document is parsed
 * again, only on this error path, to find the field argument around it.
 */
export function literalArgumentPath(error: GraphQLError): string | undefined {
  const node = error.nodes?.[0];
  if (!node?.loc || !error.source || !VALUE_KINDS.has(node.kind)) return undefined;
  let chain: ASTNode[] | undefined;
  try {
    visit(parse(error.source), {
      enter(candidate, _key, parent, _path, ancestors) {
        if (candidate.kind !== node.kind || candidate.loc?.start !== node.loc?.start) return undefined;
        // `ancestors` stops short of the parent, which comes apart.
        chain = [...ancestors, parent ?? []].filter((ancestor): ancestor is ASTNode => !Array.isArray(ancestor));
        chain.push(candidate);
        return BREAK;
      },
    });
  } catch {
    return undefined;
  }
  if (!chain) return undefined;
  const at = chain.findIndex((candidate, index) => candidate.kind === Kind.ARGUMENT && chain?.[index - 1]?.kind === Kind.FIELD);
  const argument = chain[at];
  if (at < 0 || argument?.kind !== Kind.ARGUMENT) return undefined;
  let path = argument.name.value;
  for (let index = at + 1; index < chain.length; index += 1) {
    const step = chain[index]!;
    if (step.kind === Kind.OBJECT_FIELD) path += `.${step.name.value}`;
    if (step.kind === Kind.LIST && index + 1 < chain.length) path += `[${step.values.indexOf(chain[index + 1] as never)}]`;
  }
  // A missing input field is reported on the object that lacks it; name the field itself.
  const missing = /^Field "[^".]+\.(\w+)" of required type/.exec(error.message)?.[1];
  return missing ? `${path}.${missing}` : path;
}
