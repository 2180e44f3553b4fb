import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BrokenExecutor,
  BrokenProcessPool,
  BrokenThreadPool,
  CancelledError,
  InvalidStateError,
  TimeoutError,
} from 'aiox';

const CODE = Symbol.for('aiox.error.code');

type AnyErrorClass = new (message?: string, options?: ErrorOptions) => Error & { readonly code: string };

const CLASSES: ReadonlyArray<readonly [string, AnyErrorClass, string]> = [
  ['CancelledError', CancelledError, 'ERR_AIOX_CANCELLED'],
  ['TimeoutError', TimeoutError, 'ERR_AIOX_TIMEOUT'],
  ['InvalidStateError', InvalidStateError, 'ERR_AIOX_INVALID_STATE'],
  ['BrokenExecutor', BrokenExecutor, 'ERR_AIOX_BROKEN_EXECUTOR'],
  ['BrokenThreadPool', BrokenThreadPool, 'ERR_AIOX_BROKEN_THREAD_POOL'],
  ['BrokenProcessPool', BrokenProcessPool, 'ERR_AIOX_BROKEN_PROCESS_POOL'],
];

/**
 * What another copy of aiox (a second version in the same dependency tree) would make: unrelated classes
 * whose prototypes carry the same registered-symbol code. `parentCode` gives the prototype chain a parent.
 */
function foreignError(code: string, parentCode?: string): Error {
  let base: new (message?: string) => Error = Error;
  if (parentCode !== undefined) {
    const Parent = class extends Error {};
    Object.defineProperty(Parent.prototype, CODE, { value: parentCode });
    base = Parent;
  }
  const Foreign = class extends base {};
  Object.defineProperty(Foreign.prototype, CODE, { value: code });
  return new Foreign('from another copy');
}

describe('error classes', () => {
  for (const [name, Cls, code] of CLASSES) {
    describe(name, () => {
      test('name equals the class name, on the class and on instances', () => {
        const e = new Cls('msg');
        assert.equal(Cls.name, name);
        assert.equal(e.name, name);
        assert.equal(Object.prototype.hasOwnProperty.call(e, 'name'), false, 'name comes from the prototype');
        assert.match(String(e), new RegExp(`^${name}: msg$`));
        assert.match(e.stack ?? '', new RegExp(`^${name}: msg`));
      });

      test(`code is ${code} on instances and on the class`, () => {
        const e = new Cls();
        assert.equal(e.code, code);
        assert.equal((Cls as unknown as { code: unknown }).code, code);
      });

      test('is an Error and an instance of itself', () => {
        const e = new Cls('x');
        assert.ok(e instanceof Error);
        assert.ok(e instanceof Cls);
      });

      test('has a default message, and keeps a given one', () => {
        assert.ok(new Cls().message.length > 0);
        assert.equal(new Cls('custom').message, 'custom');
      });

      test('keeps the cause', () => {
        const cause = new Error('root');
        assert.equal(new Cls('wrapped', { cause }).cause, cause);
        assert.equal(new Cls(undefined, { cause: 0 }).cause, 0);
        assert.equal('cause' in new Cls('no cause'), false);
      });

      test('is not an instance of the other aiox classes, apart from its parent', () => {
        const e = new Cls();
        for (const [otherName, Other] of CLASSES) {
          if (Other === Cls) continue;
          const parent = otherName === 'BrokenExecutor' && (name === 'BrokenThreadPool' || name === 'BrokenProcessPool');
          assert.equal(e instanceof Other, parent, `${name} instanceof ${otherName}`);
        }
      });

      test('an object from another copy with the same code is an instance', () => {
        assert.ok(foreignError(code) instanceof Cls);
        const plain = Object.create(Object.create(null, { [CODE]: { value: code } })) as object;
        assert.ok(plain instanceof Cls, 'the code anywhere on the prototype chain counts');
      });
    });
  }

  test('the codes are all different', () => {
    const codes = CLASSES.map(([, , code]) => code);
    assert.equal(new Set(codes).size, codes.length);
  });
});

describe('BrokenThreadPool and BrokenProcessPool', () => {
  test('are BrokenExecutors and Errors', () => {
    for (const e of [new BrokenThreadPool('t'), new BrokenProcessPool('p')]) {
      assert.ok(e instanceof BrokenExecutor);
      assert.ok(e instanceof Error);
      assert.equal(Object.getPrototypeOf(Object.getPrototypeOf(e)), BrokenExecutor.prototype);
    }
    assert.equal(new BrokenThreadPool() instanceof BrokenProcessPool, false);
    assert.equal(new BrokenProcessPool() instanceof BrokenThreadPool, false);
    assert.equal(new BrokenExecutor() instanceof BrokenThreadPool, false);
  });

  test('one from another copy is a BrokenExecutor there too', () => {
    const foreign = foreignError('ERR_AIOX_BROKEN_THREAD_POOL', 'ERR_AIOX_BROKEN_EXECUTOR');
    assert.ok(foreign instanceof BrokenThreadPool);
    assert.ok(foreign instanceof BrokenExecutor);
    assert.equal(foreign instanceof BrokenProcessPool, false);
  });
});

describe('instanceof', () => {
  test('is false for unrelated values', () => {
    for (const value of [null, undefined, 0, 'ERR_AIOX_CANCELLED', {}, new Error('plain'), new TypeError('t'), Symbol('s')]) {
      assert.equal(value instanceof CancelledError, false);
      assert.equal(value instanceof BrokenExecutor, false);
    }
  });

  test('is false for a look-alike: a plain code property, an unregistered symbol', () => {
    const withCode = Object.assign(new Error('x'), { code: 'ERR_AIOX_CANCELLED' });
    assert.equal(withCode instanceof CancelledError, false);
    const otherSymbol = Object.create({ [Symbol('aiox.error.code')]: 'ERR_AIOX_TIMEOUT' }) as object;
    assert.equal(otherSymbol instanceof TimeoutError, false, 'only the registered symbol counts');
  });

  test('a foreign object with a different code is not an instance', () => {
    assert.equal(foreignError('ERR_AIOX_TIMEOUT') instanceof CancelledError, false);
    assert.equal(foreignError('ERR_SOMETHING_ELSE') instanceof BrokenExecutor, false);
  });

  test('a user subclass works like any class', () => {
    class RetryTimeout extends TimeoutError {
      readonly attempts = 3;
    }
    const e = new RetryTimeout('gave up');
    assert.ok(e instanceof RetryTimeout);
    assert.ok(e instanceof TimeoutError);
    assert.ok(e instanceof Error);
    assert.equal(e.code, 'ERR_AIOX_TIMEOUT');
    assert.equal(e.attempts, 3);
    assert.equal(new TimeoutError('plain') instanceof RetryTimeout, false, 'a plain TimeoutError is not a RetryTimeout');
    assert.equal(foreignError('ERR_AIOX_TIMEOUT') instanceof RetryTimeout, false);
  });
});
