/**
 * The error a promise rejects with, for asserting on it: fails when the
 * promise resolves instead, or when the error is not of the expected class.
 */
type ErrorClass<E> = abstract new (...args: never[]) => E;

export async function rejection<E = unknown>(promise: Promise<unknown>, type?: ErrorClass<E>): Promise<E> {
  const outcome = await promise.then(
    (value: unknown) => ({ resolved: true as const, value }),
    (error: unknown) => ({ resolved: false as const, error }),
  );
  if (outcome.resolved) throw new Error(`expected a rejection${type ? ` with a ${type.name}` : ''}, but it resolved with ${describe(outcome.value)}`);
  if (type && !(outcome.error instanceof type)) throw new Error(`expected a rejection with a ${type.name}, got ${describe(outcome.error)}`, { cause: outcome.error });
  return outcome.error as E;
}

function describe(value: unknown): string {
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
