import { errorClassesByCode } from '../futures/errors.js';

/**
 * How a thrown value crosses a thread or process boundary. Structured clone keeps an error's message but
 * loses its class, its own properties and often its cause; this keeps all of them.
 */
export type WireError =
  | {
      readonly error: true;
      readonly name: string;
      readonly ctor: string;
      readonly message: string;
      readonly stack: string | undefined;
      readonly props: Record<string, unknown>;
      readonly cause?: WireError;
      readonly errors?: WireError[];
    }
  | { readonly error: false; readonly value: unknown };

const BUILTINS: Record<string, ErrorConstructor> = {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
};

/** How many levels of `cause` and `errors` are sent. */
const MAX_DEPTH = 8;

function cloneable(value: unknown): boolean {
  try {
    structuredClone(value);
    return true;
  } catch {
    return false;
  }
}

/** Turns any thrown value into something that can be posted. */
export function toWire(thrown: unknown, depth = 0): WireError {
  if (!(thrown instanceof Error)) {
    return { error: false, value: cloneable(thrown) ? thrown : String(thrown) };
  }
  const props: Record<string, unknown> = {};
  for (const key of Object.keys(thrown)) {
    if (key === 'cause' || key === 'errors') continue;
    const value = (thrown as unknown as Record<string, unknown>)[key];
    if (cloneable(value)) props[key] = value;
  }
  const wire: {
    error: true;
    name: string;
    ctor: string;
    message: string;
    stack: string | undefined;
    props: Record<string, unknown>;
    cause?: WireError;
    errors?: WireError[];
  } = { error: true, name: thrown.name, ctor: thrown.constructor?.name ?? 'Error', message: thrown.message, stack: thrown.stack, props };
  // Causes and aggregated errors can form cycles; past MAX_DEPTH they are cut off.
  if ('cause' in thrown && depth < MAX_DEPTH) wire.cause = toWire(thrown.cause, depth + 1);
  if (thrown instanceof AggregateError) {
    wire.errors = depth < MAX_DEPTH ? thrown.errors.map((e: unknown) => toWire(e, depth + 1)) : [];
  }
  return wire;
}

/** Rebuilds a thrown value on this side: same class where it is known here, same name, message, stack. */
export function fromWire(wire: WireError): unknown {
  if (!wire.error) return wire.value;
  const options = wire.cause === undefined ? undefined : { cause: fromWire(wire.cause) };
  const code = wire.props['code'];
  const known = typeof code === 'string' ? errorClassesByCode.get(code) : undefined;
  let error: Error;
  if (wire.errors !== undefined) error = new AggregateError(wire.errors.map(fromWire), wire.message, options);
  else if (known !== undefined) error = new known(wire.message, options);
  else error = new (BUILTINS[wire.ctor] ?? Error)(wire.message, options);
  if (error.name !== wire.name) {
    Object.defineProperty(error, 'name', { value: wire.name, writable: true, configurable: true, enumerable: false });
  }
  if (wire.stack !== undefined) error.stack = wire.stack;
  Object.assign(error, wire.props);
  return error;
}
