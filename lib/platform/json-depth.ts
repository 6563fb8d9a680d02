/**
 * Nesting depth of a JSON value (a scalar is 0, `{}` is 1), walked without recursion so that
 * measuring a hostile document cannot overflow the stack. Stops counting past `limit`.
 */
export function jsonDepth(value: unknown, limit = Number.POSITIVE_INFINITY): number {
  let deepest = 0;
  const pending: [unknown, number][] = [[value, 1]];
  while (pending.length) {
    const [current, depth] = pending.pop()!;
    if (current === null || typeof current !== "object") continue;
    deepest = Math.max(deepest, depth);
    if (deepest > limit) return deepest;
    for (const child of Object.values(current)) pending.push([child, depth + 1]);
  }
  return deepest;
}

/**
 * Deepest request body accepted. GraphQL, JSON scalars and serialisers all recurse; a body
 * nested thousands deep would exhaust their stack long before any validation could refuse it.
 */
export const MAX_REQUEST_DEPTH = 64;
