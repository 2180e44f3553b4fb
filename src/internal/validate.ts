/**
 * Argument checks shared by every layer, so that bad options are reported with one message formula:
 * `<name> must be <expectation>, received <value>`.
 */

export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'function') return `function ${value.name || '(anonymous)'}`;
  if (value !== null && typeof value === 'object') return Array.isArray(value) ? 'an array' : 'an object';
  return String(value);
}

/**
 * An options object (arrays count as objects; `undefined` is the caller's default and never reaches here).
 * Every API that takes options checks them with this, so `null` or a number is reported the same way
 * everywhere: `options must be an object, received null`.
 */
export function validateOptions(value: unknown, name = 'options'): asserts value is object {
  if (value === null || typeof value !== 'object') throw new TypeError(`${name} must be an object, received ${describe(value)}`);
}

/** A duration in milliseconds: a number >= 0, `Infinity` allowed. */
export function validateTimeout(value: unknown, name = 'timeout'): asserts value is number {
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0) {
    throw new RangeError(`${name} must be a number >= 0 (milliseconds), received ${describe(value)}`);
  }
}

/** An integer >= `min`; `Infinity` allowed only when `allowInfinity`. */
export function validateInteger(value: unknown, name: string, min: number, allowInfinity = false): asserts value is number {
  const ok = typeof value === 'number' && (Number.isInteger(value) || (allowInfinity && value === Infinity)) && value >= min;
  if (!ok) throw new RangeError(`${name} must be an integer >= ${min}, received ${describe(value)}`);
}

export function validateSignal(value: unknown, name = 'signal'): asserts value is AbortSignal | undefined {
  if (value !== undefined && !(value instanceof AbortSignal)) {
    throw new TypeError(`${name} must be an AbortSignal, received ${describe(value)}`);
  }
}

export function validateFunction(value: unknown, name: string): asserts value is (...args: never[]) => unknown {
  if (typeof value !== 'function') throw new TypeError(`${name} must be a function, received ${describe(value)}`);
}

/** Whether `value` is a promise or any other thenable: what `await` would unwrap. */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== null && (typeof value === 'object' || typeof value === 'function') && typeof (value as { then?: unknown }).then === 'function';
}
