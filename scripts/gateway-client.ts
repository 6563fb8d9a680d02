/** A step of a script failed; the message names the step and says what the server or network answered. */
export class StepFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StepFailure";
  }
}

interface GraphQLAnswer {
  data?: Record<string, unknown> | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: { code?: string; field?: string } }[];
}

/** One GraphQL error as a person reads it: the message, then its code and field when it has them. */
function describe(error: NonNullable<GraphQLAnswer["errors"]>[number]): string {
  const details = [error.extensions?.code, error.extensions?.field && `field ${error.extensions.field}`].filter(Boolean);
  return details.length ? `${error.message} (${details.join(", ")})` : error.message;
}

/** Why fetch failed: Node says only "fetch failed" and keeps the reason (ECONNREFUSED, …) in `cause`. */
function networkReason(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? String(error);
}

export type Call = <T>(step: string, query: string, variables?: Record<string, unknown>, token?: string) => Promise<T>;

/**
 * Posts operations to the gateway at `url`; any answer with `errors` (or without data), and any
 * failure to reach it, becomes a StepFailure carrying the server's own message.
 */
export function gatewayClient(url: string): Call {
  return async <T>(step: string, query: string, variables: Record<string, unknown> = {}, token?: string): Promise<T> => {
    let response: Response;
    try {
      response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify({ query, variables }),
      });
    } catch (error) {
      throw new StepFailure(`${step}: cannot reach the gateway at ${url} (${networkReason(error)}); is \`npm start\` running?`);
    }
    const text = await response.text();
    let answer: GraphQLAnswer;
    try {
      answer = JSON.parse(text) as GraphQLAnswer;
    } catch {
      throw new StepFailure(`${step}: the gateway answered HTTP ${response.status} without a GraphQL answer: ${text.slice(0, 200)}`);
    }
    if (answer.errors?.length) throw new StepFailure(`${step}: ${answer.errors.map(describe).join("; ")}`);
    if (!answer.data) throw new StepFailure(`${step}: the gateway answered HTTP ${response.status} without data`);
    return answer.data as T;
  };
}
