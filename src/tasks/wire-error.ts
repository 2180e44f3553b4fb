import { ChannelError, errorClassesByCode } from '../futures/errors.js';
import { v8Module } from '../internal/lazy-builtins.js';

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

// A Map, not an object: a name sent by the peer ("toString", "__proto__") must never reach the prototype chain.
const BUILTINS: ReadonlyMap<string, ErrorConstructor> = new Map(
  [Error, TypeError, RangeError, SyntaxError, ReferenceError, EvalError, URIError].map((ctor) => [ctor.name, ctor]),
);

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

/** What {@link readOr} gives for an own property whose getter throws: it is left out. */
const UNREADABLE: unique symbol = Symbol('unreadable');

/** What reading `read` gives, or `fallback` if it throws: a thrown value's getters and traps are its owner's code. */
function readOr<T>(read: () => T, fallback: T): T {
  try {
    return read();
  } catch {
    return fallback;
  }
}

/** `value` as a string (what {@link fromWire} requires of a name or a message), or `fallback` if it cannot be one. */
function textOf(value: unknown, fallback: string): string {
  return typeof value === 'string' ? value : readOr(() => String(value), fallback);
}

/**
 * Turns any thrown value into something that can be posted, well formed (see {@link wireErrorProblem}).
 * Never throws: what cannot be read of the value (a getter or a proxy's trap that throws) is left out, and a
 * value of which nothing can be read is described as such.
 */
export function toWire(thrown: unknown, depth = 0): WireError {
  try {
    return describe(thrown, depth);
  } catch {
    return { error: false, value: 'a thrown value that could not be described' };
  }
}

/**
 * {@link toWire}, copied through the serializer: plain data, read once, that both crossings accept (a thread's
 * postMessage and a process's channel), for what the engine tells a worker that must not fail to leave (an
 * abort's reason, see WorkerSlot.askToStop). What toWire keeps was cloneable when it looked, but the message
 * is cloned again: a getter may throw only then, and a SharedArrayBuffer crosses to a thread, not to a
 * process. What cannot be copied so is left out (the error's props, causes and errors, or a value, which is
 * described instead). Never throws.
 */
export function toSendableWire(thrown: unknown): WireError {
  const wire = toWire(thrown);
  try {
    const { serialize, deserialize } = v8Module();
    return deserialize(serialize(wire)) as WireError;
  } catch {
    if (!wire.error) return { error: false, value: textOf(wire.value, 'a value that could not be sent') };
    return { error: true, name: wire.name, ctor: wire.ctor, message: wire.message, stack: wire.stack, props: {} };
  }
}

function describe(thrown: unknown, depth: number): WireError {
  if (!(thrown instanceof Error)) {
    return { error: false, value: cloneable(thrown) ? thrown : String(thrown) };
  }
  const props: Record<string, unknown> = {};
  for (const key of Object.keys(thrown)) {
    if (key === 'cause' || key === 'errors') continue;
    const value = readOr(() => (thrown as unknown as Record<string, unknown>)[key], UNREADABLE);
    if (value !== UNREADABLE && cloneable(value)) props[key] = value;
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
  } = {
    error: true,
    name: textOf(readOr(() => thrown.name, 'Error'), 'Error'),
    ctor: textOf(readOr(() => thrown.constructor?.name ?? 'Error', 'Error'), 'Error'),
    message: textOf(readOr(() => thrown.message, ''), ''),
    stack: readOr(() => (typeof thrown.stack === 'string' ? thrown.stack : undefined), undefined),
    props,
  };
  // Causes and aggregated errors can form cycles; past MAX_DEPTH they are cut off.
  if (readOr(() => 'cause' in thrown, false) && depth < MAX_DEPTH) wire.cause = toWire(readOr(() => thrown.cause, undefined), depth + 1);
  if (thrown instanceof AggregateError) {
    const errors = readOr(() => [...(thrown.errors as Iterable<unknown>)], []);
    wire.errors = depth < MAX_DEPTH ? errors.map((e: unknown) => toWire(e, depth + 1)) : [];
  }
  return wire;
}

/** Levels of `cause` and `errors` accepted from the peer: what toWire sends, with room to spare. */
const MAX_RECEIVED_DEPTH = 2 * MAX_DEPTH;

/** A plain object (not null, not an array), whose own properties a received message is read from. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Why `value`, received from a peer, is not a {@link WireError}, or undefined if it is one. Only own
 * properties are read, so nothing sent can reach a prototype.
 */
export function wireErrorProblem(value: unknown, depth = 0): string | undefined {
  if (!isRecord(value)) return 'it is not an object';
  if (value['error'] === false) return Object.hasOwn(value, 'value') ? undefined : 'it has no value';
  if (value['error'] !== true) return 'its "error" flag is not a boolean';
  for (const key of ['name', 'ctor', 'message'] as const) {
    if (typeof value[key] !== 'string') return `its ${key} is not a string`;
  }
  if (value['stack'] !== undefined && typeof value['stack'] !== 'string') return 'its stack is not a string';
  if (!isRecord(value['props'])) return 'its props are not an object';
  if (depth >= MAX_RECEIVED_DEPTH && (Object.hasOwn(value, 'cause') || Object.hasOwn(value, 'errors'))) return 'its causes are nested too deep';
  if (Object.hasOwn(value, 'cause')) {
    const problem = wireErrorProblem(value['cause'], depth + 1);
    if (problem !== undefined) return `its cause is malformed: ${problem}`;
  }
  if (Object.hasOwn(value, 'errors')) {
    const errors = value['errors'];
    if (!Array.isArray(errors)) return 'its errors are not an array';
    for (const error of errors) {
      const problem = wireErrorProblem(error, depth + 1);
      if (problem !== undefined) return `one of its errors is malformed: ${problem}`;
    }
  }
  return undefined;
}

/**
 * Rebuilds a thrown value on this side: same class where it is known here, same name, message, stack.
 * Never throws: a value that is not a well-formed {@link WireError} becomes a {@link ChannelError} saying so.
 */
export function fromWire(wire: WireError): unknown {
  const problem = wireErrorProblem(wire);
  if (problem !== undefined) return new ChannelError(`received a malformed error from a worker: ${problem}`);
  return revive(wire);
}

function revive(wire: WireError): unknown {
  if (!wire.error) return wire.value;
  const options = Object.hasOwn(wire, 'cause') ? { cause: revive(wire.cause!) } : undefined;
  const code = Object.hasOwn(wire.props, 'code') ? wire.props['code'] : undefined;
  const known = typeof code === 'string' ? errorClassesByCode.get(code) : undefined;
  let error: Error;
  if (wire.errors !== undefined) error = new AggregateError(wire.errors.map((e) => revive(e)), wire.message, options);
  else if (known !== undefined) error = new known(wire.message, options);
  else error = new (BUILTINS.get(wire.ctor) ?? Error)(wire.message, options);
  if (error.name !== wire.name) {
    Object.defineProperty(error, 'name', { value: wire.name, writable: true, configurable: true, enumerable: false });
  }
  if (wire.stack !== undefined) error.stack = wire.stack;
  // Defined, not assigned: an own "__proto__" key sent by the peer must stay a plain property.
  for (const key of Object.keys(wire.props)) {
    Object.defineProperty(error, key, { value: wire.props[key], writable: true, configurable: true, enumerable: true });
  }
  return error;
}
