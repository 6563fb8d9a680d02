import { inspect } from "node:util";
import { assert, expect } from "vitest";

/** An error class, abstract or not, to check a thrown error against. */
type ErrorClass<E> = abstract new (...args: any[]) => E;

/** What was caught, checked to be a `type` when one is given. */
function caught<E>(error: unknown, type: ErrorClass<E> | undefined): E {
  if (type) expect(error).toBeInstanceOf(type);
  return error as E;
}

const expected = (type: ErrorClass<unknown> | undefined) => (type ? type.name : "an error");
const shown = (value: unknown) => inspect(value, { depth: 1, breakLength: Number.POSITIVE_INFINITY });

/**
 * The error `work` throws. Fails the test when `work` returns instead, and, given `type`, when
 * what it throws is not one of those.
 */
export function thrownBy(work: () => unknown): unknown;
export function thrownBy<E>(work: () => unknown, type: ErrorClass<E>): E;
export function thrownBy<E>(work: () => unknown, type?: ErrorClass<E>): E {
  let returned: unknown;
  try {
    returned = work();
  } catch (error) {
    return caught(error, type);
  }
  if (returned instanceof Promise) {
    // Its rejection, if any, is the caller's mistake reported here, not an unhandled one.
    returned.catch(() => {});
    assert.fail(`expected ${expected(type)} to be thrown, got a promise: use rejectionOf for asynchronous work`);
  }
  return assert.fail(`expected ${expected(type)} to be thrown, but the work returned ${shown(returned)}`);
}

/**
 * The error `promise` rejects with. Fails the test when it resolves instead, and, given `type`,
 * when what it rejects with is not one of those.
 */
export function rejectionOf(promise: Promise<unknown>): Promise<unknown>;
export function rejectionOf<E>(promise: Promise<unknown>, type: ErrorClass<E>): Promise<E>;
export async function rejectionOf<E>(promise: Promise<unknown>, type?: ErrorClass<E>): Promise<E> {
  let resolved: unknown;
  try {
    resolved = await promise;
  } catch (error) {
    return caught(error, type);
  }
  return assert.fail(`expected a rejection with ${expected(type)}, but the promise resolved to ${shown(resolved)}`);
}
