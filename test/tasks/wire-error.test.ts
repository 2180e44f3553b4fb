import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { deserialize, serialize } from 'node:v8';
import {
  BrokenExecutor,
  BrokenProcessPool,
  BrokenThreadPool,
  CancelledError,
  ChannelError,
  InvalidStateError,
  TimeoutError,
} from '../../src/futures/errors.js';

// wire-error is internal, so it comes from the sources compiled file by file with the tests (build/src/); the
// package itself is a bundle that does not expose it. The error classes come from the same build: wire-error
// rebuilds an error as the very class of its own copy of aiox.
type WireErrorModule = typeof import('../../src/tasks/wire-error.js');
const { toWire, toSendableWire, fromWire } = (await import(new URL('../../src/tasks/wire-error.js', import.meta.url).href)) as WireErrorModule;

/** Both ways a thrown value really travels: structured clone (threads) and V8 serialization (processes). */
const CROSSINGS: ReadonlyArray<readonly [string, (value: unknown) => unknown]> = [
  ['structuredClone', (value) => structuredClone(value)],
  ['v8 serialize', (value) => deserialize(serialize(value))],
];

/** Sends a thrown value across a boundary and rebuilds it, the way a pool does. */
function roundTrip(thrown: unknown, cross: (value: unknown) => unknown = CROSSINGS[0]![1]): unknown {
  return fromWire(cross(toWire(thrown)) as ReturnType<typeof toWire>);
}

function asError(value: unknown): Error & Record<string, unknown> {
  assert.ok(value instanceof Error, `expected an Error, received ${String(value)}`);
  return value as Error & Record<string, unknown>;
}

for (const [crossing, cross] of CROSSINGS) {
  describe(`wire errors through ${crossing}`, () => {
    describe('built-in classes', () => {
      const builtins = [Error, TypeError, RangeError, SyntaxError, ReferenceError, EvalError, URIError];
      for (const Cls of builtins) {
        test(`${Cls.name} keeps its class, message and stack`, () => {
          const original = new Cls(`a ${Cls.name}`);
          const rebuilt = asError(roundTrip(original, cross));
          assert.notEqual(rebuilt, original);
          assert.equal(Object.getPrototypeOf(rebuilt), Cls.prototype);
          assert.ok(rebuilt instanceof Cls);
          assert.equal(rebuilt.name, Cls.name);
          assert.equal(rebuilt.message, original.message);
          assert.equal(rebuilt.stack, original.stack);
        });
      }

      test('a real error thrown by Node keeps its class and code', () => {
        let thrown: unknown;
        try {
          Buffer.alloc(-1);
        } catch (error) {
          thrown = error;
        }
        const rebuilt = asError(roundTrip(thrown, cross));
        assert.ok(rebuilt instanceof RangeError);
        assert.equal(rebuilt.code, (thrown as { code: unknown }).code);
        assert.equal(rebuilt.message, (thrown as Error).message);
      });

      test('an empty message stays empty', () => {
        const rebuilt = asError(roundTrip(new TypeError(''), cross));
        assert.equal(rebuilt.message, '');
        assert.ok(rebuilt instanceof TypeError);
      });
    });

    describe('AggregateError', () => {
      test('keeps its class, message and errors, each rebuilt', () => {
        const inner = [new TypeError('first'), 'second', 0, new CancelledError('third')];
        const original = new AggregateError(inner, 'several failed');
        const rebuilt = asError(roundTrip(original, cross));
        assert.ok(rebuilt instanceof AggregateError);
        assert.equal(rebuilt.message, 'several failed');
        assert.equal(rebuilt.stack, original.stack);
        const errors = (rebuilt as unknown as AggregateError).errors;
        assert.equal(errors.length, 4);
        assert.ok(errors[0] instanceof TypeError);
        assert.equal((errors[0] as Error).message, 'first');
        assert.equal(errors[1], 'second');
        assert.equal(errors[2], 0);
        assert.ok(errors[3] instanceof CancelledError);
      });

      test('an empty AggregateError stays one', () => {
        const rebuilt = roundTrip(new AggregateError([], 'none'), cross);
        assert.ok(rebuilt instanceof AggregateError);
        assert.deepEqual(rebuilt.errors, []);
      });

      test('nested in a cause', () => {
        const original = new Error('outer', { cause: new AggregateError([new RangeError('r')], 'inner') });
        const cause = asError(roundTrip(original, cross)).cause;
        assert.ok(cause instanceof AggregateError);
        assert.ok(cause.errors[0] instanceof RangeError);
      });
    });

    test('an AggregateError that contains itself does not recurse forever', () => {
      const original = new AggregateError([new TypeError('t')], 'loop');
      original.errors.push(original);
      const rebuilt = roundTrip(original, cross);
      assert.ok(rebuilt instanceof AggregateError);
      assert.equal(rebuilt.message, 'loop');
      assert.ok(rebuilt.errors[0] instanceof TypeError);
      let depth = 0;
      for (let e: unknown = rebuilt; e instanceof AggregateError && e.errors.length > 1; e = e.errors[1]) depth += 1;
      assert.ok(depth >= 1 && depth < 100, `the nesting is cut, depth ${depth}`);
    });

    describe('custom classes', () => {
      class HttpError extends Error {
        override name = 'HttpError';
        constructor(
          message: string,
          readonly status: number,
        ) {
          super(message);
        }
      }

      class ProtoNamedError extends Error {}
      ProtoNamedError.prototype.name = 'ProtoNamedError';

      test('a custom class arrives as an Error with its name, message, stack and fields', () => {
        const original = new HttpError('not found', 404);
        const rebuilt = asError(roundTrip(original, cross));
        assert.equal(rebuilt.name, 'HttpError');
        assert.equal(rebuilt.message, 'not found');
        assert.equal(rebuilt.status, 404);
        assert.equal(rebuilt.stack, original.stack);
        assert.match(String(rebuilt), /^HttpError: not found$/);
      });

      test('a name set on the prototype is kept too', () => {
        const rebuilt = asError(roundTrip(new ProtoNamedError('p'), cross));
        assert.equal(rebuilt.name, 'ProtoNamedError');
        assert.match(String(rebuilt), /^ProtoNamedError: p$/);
      });

      test('a name changed on the instance is kept', () => {
        const original = new TypeError('renamed');
        original.name = 'ValidationError';
        const rebuilt = asError(roundTrip(original, cross));
        assert.equal(rebuilt.name, 'ValidationError');
        assert.ok(rebuilt instanceof TypeError);
      });

      test('a DOMException keeps its name and message', () => {
        const rebuilt = asError(roundTrip(new DOMException('stopped', 'AbortError'), cross));
        assert.equal(rebuilt.name, 'AbortError');
        assert.equal(rebuilt.message, 'stopped');
      });
    });

    describe('own properties', () => {
      test('cloneable own properties are kept, with their values', () => {
        const original = Object.assign(new Error('with props'), {
          code: 'E_CUSTOM',
          errno: -2,
          path: '/tmp/x',
          details: { retry: true, list: [1, 2] },
          when: new Date(0),
          empty: undefined,
        });
        const rebuilt = asError(roundTrip(original, cross));
        assert.equal(rebuilt.code, 'E_CUSTOM');
        assert.equal(rebuilt.errno, -2);
        assert.equal(rebuilt.path, '/tmp/x');
        assert.deepEqual(rebuilt.details, { retry: true, list: [1, 2] });
        assert.deepEqual(rebuilt.when, new Date(0));
        assert.equal(Object.prototype.hasOwnProperty.call(rebuilt, 'empty'), true);
      });

      test('a property that cannot be cloned is dropped, the rest still cross', () => {
        const original = Object.assign(new Error('mixed'), { handler: () => 1, kept: 'yes' });
        const wire = toWire(original);
        assert.doesNotThrow(() => cross(wire));
        const rebuilt = asError(fromWire(cross(wire) as typeof wire));
        assert.equal(rebuilt.kept, 'yes');
        assert.equal('handler' in rebuilt, false);
      });
    });

    describe('cause chain', () => {
      test('every link keeps its class and message', () => {
        const root = new RangeError('root');
        const middle = new TypeError('middle', { cause: root });
        const top = new Error('top', { cause: middle });
        const rebuilt = asError(roundTrip(top, cross));
        const rebuiltMiddle = asError(rebuilt.cause);
        assert.ok(rebuiltMiddle instanceof TypeError);
        assert.equal(rebuiltMiddle.message, 'middle');
        const rebuiltRoot = asError(rebuiltMiddle.cause);
        assert.ok(rebuiltRoot instanceof RangeError);
        assert.equal(rebuiltRoot.message, 'root');
        assert.equal(rebuiltRoot.stack, root.stack);
        assert.equal('cause' in rebuiltRoot, false);
      });

      test('a cause that is not an Error is kept', () => {
        assert.deepEqual(asError(roundTrip(new Error('e', { cause: { status: 500 } }), cross)).cause, { status: 500 });
        assert.equal(asError(roundTrip(new Error('e', { cause: 0 }), cross)).cause, 0);
      });

      test('an explicit undefined cause stays present, a missing one stays absent', () => {
        const withUndefined = asError(roundTrip(new Error('e', { cause: undefined }), cross));
        assert.equal('cause' in withUndefined, true);
        assert.equal(withUndefined.cause, undefined);
        assert.equal('cause' in asError(roundTrip(new Error('e'), cross)), false);
      });

      test('a cause that cannot be cloned still lets the error cross', () => {
        const wire = toWire(new Error('e', { cause: () => 'fn' }));
        const rebuilt = asError(fromWire(cross(wire) as typeof wire));
        assert.equal(rebuilt.message, 'e');
        assert.equal(typeof rebuilt.cause, 'string');
      });

      test('a cause cycle does not recurse forever', () => {
        const a = new Error('a');
        const b = new Error('b', { cause: a });
        (a as { cause?: unknown }).cause = b;
        const rebuilt = asError(roundTrip(a, cross));
        let links = 0;
        for (let e: unknown = rebuilt; e instanceof Error; e = e.cause) links += 1;
        assert.ok(links >= 2, 'the first links are kept');
        assert.ok(links < 100, 'the chain is cut');
      });
    });

    describe('aiox errors', () => {
      const classes = [CancelledError, TimeoutError, InvalidStateError, BrokenExecutor, BrokenThreadPool, BrokenProcessPool];
      for (const Cls of classes) {
        test(`${Cls.name} is rebuilt as itself, by its code`, () => {
          const cause = new Error('underneath');
          const original = new Cls(`a ${Cls.name}`, { cause });
          const rebuilt = roundTrip(original, cross);
          assert.ok(rebuilt instanceof Cls);
          assert.equal(Object.getPrototypeOf(rebuilt), Cls.prototype, 'the real class, not only a matching code');
          const e = asError(rebuilt);
          assert.equal(e.name, Cls.name);
          assert.equal(e.code, original.code);
          assert.equal(e.message, original.message);
          assert.equal(e.stack, original.stack);
          assert.equal(asError(e.cause).message, 'underneath');
        });
      }

      test('a BrokenThreadPool keeps its exit details and is a BrokenExecutor', () => {
        const original = Object.assign(new BrokenThreadPool('worker exited with code 3'), { exitCode: 3 });
        const rebuilt = asError(roundTrip(original, cross));
        assert.equal(rebuilt.exitCode, 3);
        assert.ok(rebuilt instanceof BrokenThreadPool);
        assert.ok(rebuilt instanceof BrokenExecutor);
      });
    });

    describe('values that are not Errors', () => {
      const values: ReadonlyArray<readonly [string, unknown]> = [
        ['0', 0],
        ['undefined', undefined],
        ['null', null],
        ['false', false],
        ['NaN', Number.NaN],
        ['empty string', ''],
        ['a string', 'plain failure'],
        ['a bigint', 10n],
        ['an object', { reason: 'quota', retryAfter: 30 }],
        ['an array', [1, 'two', { three: 3 }]],
      ];
      for (const [label, value] of values) {
        test(`${label} arrives as the same value`, () => {
          const rebuilt = roundTrip(value, cross);
          if (typeof value === 'object' && value !== null) {
            assert.notEqual(rebuilt, value);
            assert.deepEqual(rebuilt, value);
          } else {
            assert.ok(Object.is(rebuilt, value), `expected ${String(value)}, received ${String(rebuilt)}`);
          }
        });
      }

      test('a value that cannot be cloned arrives as its string form', () => {
        assert.equal(roundTrip(Symbol('why'), cross), 'Symbol(why)');
        const fn = function explode(): void {};
        assert.equal(roundTrip(fn, cross), String(fn));
        assert.equal(typeof roundTrip({ callback: () => 1 }, cross), 'string');
      });
    });
  });
}

test('toWire gives a plain value that both crossings accept', () => {
  const error = Object.assign(new AggregateError([new TypeError('t', { cause: () => 0 })], 'm'), { fn: () => 0 });
  const wire = toWire(error);
  assert.doesNotThrow(() => structuredClone(wire));
  assert.doesNotThrow(() => serialize(wire));
});

test('toWire never throws, and what it gives is well formed, whatever reading the value does', () => {
  // An abort's reason travels to the task through toWire: one it could not describe would throw out of the
  // pool's abort listener, and the task would never be stopped.
  const throwing = Object.defineProperty(new Error('has a bad getter'), 'bad', { enumerable: true, get: () => { throw new Error('getter'); } });
  const symbolName = Object.assign(new Error('symbol name'), { name: Symbol('name') });
  const fnMessage = Object.defineProperty(new Error('x'), 'message', { value: () => 1 });
  const trap = (): never => {
    throw new Error('trap');
  };
  const proxy = new Proxy({}, { get: trap, has: trap, ownKeys: trap, getPrototypeOf: trap });
  const errorProxy = new Proxy(new Error('proxied'), { get: trap, has: trap, ownKeys: trap });
  const badCause = new Error('outer', { cause: proxy });
  const nullProto = Object.assign(Object.create(null) as object, { f: () => 1 });
  for (const value of [throwing, symbolName, fnMessage, proxy, errorProxy, badCause, nullProto]) {
    const wire = toWire(value);
    assert.doesNotThrow(() => structuredClone(wire));
    assert.doesNotThrow(() => serialize(wire));
    assert.ok(!(fromWire(wire) instanceof ChannelError), `malformed: ${JSON.stringify(wire)}`);
  }
  assert.equal(asError(fromWire(toWire(throwing))).message, 'has a bad getter');
  assert.equal(asError(fromWire(toWire(symbolName))).name, 'Symbol(name)');
  assert.equal(asError(fromWire(toWire(badCause))).message, 'outer');
});

test('toSendableWire gives plain data, read once, that both crossings accept, and keeps what it can', () => {
  // What the engine tells a worker (an abort's reason) is cloned as it leaves: a getter read again then, or a
  // SharedArrayBuffer on its way to a process, must not make it throw.
  let reads = 0;
  const flaky = {
    get detail(): number {
      if (++reads > 1) throw new Error('read twice');
      return 1;
    },
  };
  const shared = Object.assign(new Error('shared', { cause: new Error('inner') }), { code: 'E_SHARED', memory: new SharedArrayBuffer(8) });
  for (const value of [flaky, shared]) {
    const wire = toSendableWire(value);
    assert.doesNotThrow(() => structuredClone(wire));
    assert.doesNotThrow(() => serialize(wire));
    assert.ok(!(fromWire(wire) instanceof ChannelError), `malformed: ${JSON.stringify(wire)}`);
  }
  assert.equal(asError(fromWire(toSendableWire(shared))).message, 'shared');
  const kept = asError(fromWire(toSendableWire(Object.assign(new TypeError('plain', { cause: new Error('inner') }), { code: 'E_PLAIN' }))));
  assert.ok(kept instanceof TypeError);
  assert.equal(kept['code'], 'E_PLAIN');
  assert.equal(asError(kept.cause).message, 'inner');
});

describe('what a peer sends is not trusted', () => {
  const base = { error: true, name: 'Error', ctor: 'Error', message: 'm', stack: undefined, props: {} } as const;

  for (const ctor of ['toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf']) {
    test(`a ctor named "${ctor}" is revived as a plain Error, never looked up on a prototype`, () => {
      const rebuilt = fromWire({ ...base, ctor, name: 'Named' } as never);
      assert.equal(Object.getPrototypeOf(rebuilt), Error.prototype);
      assert.equal((rebuilt as Error).name, 'Named');
    });
  }

  test('an own "__proto__" among the props stays a plain property: the prototype is not replaced', () => {
    const props = JSON.parse('{"__proto__": {"then": 1, "polluted": true}, "kept": 1}') as Record<string, unknown>;
    const rebuilt = fromWire({ ...base, props } as never) as Error & Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(rebuilt), Error.prototype);
    assert.equal(rebuilt['polluted'], undefined);
    assert.equal(rebuilt['kept'], 1);
    assert.equal(Object.prototype.hasOwnProperty.call(rebuilt, '__proto__'), true);
  });

  test('a code inherited from a prototype does not pick a class', () => {
    const props = Object.create({ code: 'ERR_AIOX_CANCELLED' }) as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(fromWire({ ...base, props } as never)), Error.prototype);
  });

  const malformed: ReadonlyArray<readonly [string, unknown, RegExp]> = [
    ['null', null, /it is not an object$/],
    ['a string', 'boom', /it is not an object$/],
    ['no error flag', { name: 'x' }, /"error" flag is not a boolean$/],
    ['a value-less non-error', { error: false }, /it has no value$/],
    ['a name that is a number', { ...base, name: 5 }, /its name is not a string$/],
    ['a message that is an object', { ...base, message: {} }, /its message is not a string$/],
    ['a stack that is a number', { ...base, stack: 1 }, /its stack is not a string$/],
    ['null props', { ...base, props: null }, /its props are not an object$/],
    ['props that are an array', { ...base, props: [] }, /its props are not an object$/],
    ['a cause that is malformed', { ...base, cause: { error: true } }, /its cause is malformed: its name is not a string$/],
    ['errors that are not an array', { ...base, errors: 'x' }, /its errors are not an array$/],
    ['an error among errors that is malformed', { ...base, errors: [base, 7] }, /one of its errors is malformed: it is not an object$/],
  ];
  for (const [label, wire, expected] of malformed) {
    test(`${label}: a ChannelError that says what is wrong, nothing thrown`, () => {
      const rebuilt = fromWire(wire as never);
      assert.ok(rebuilt instanceof ChannelError, String(rebuilt));
      assert.match(rebuilt.message, /^received a malformed error from a worker: /);
      assert.match(rebuilt.message, expected);
    });
  }

  test('causes nested beyond any depth toWire sends are refused, without recursing deeply', () => {
    let wire: Record<string, unknown> = { ...base };
    for (let i = 0; i < 100_000; i++) wire = { ...base, cause: wire };
    const rebuilt = fromWire(wire as never);
    assert.ok(rebuilt instanceof ChannelError);
    assert.match(rebuilt.message, /nested too deep/);
  });
});
