import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { CancelledError, Future, FutureState, InvalidStateError } from 'aiox';
import { catchWarningsOfType } from '../fixtures/quiet.js';
import { nextTurn, watchUnhandledRejections } from '../fixtures/settle.js';

// setOwner is internal, so it comes from the sources compiled file by file with the tests (build/src/), and
// so does the Future class its tests use: the package is a bundle with its own copy of Future, whose private
// fields this setOwner cannot reach.
import { Future as SourceFuture, setOwner } from '../../src/futures/future.js';

function running<T>(): Future<T> {
  const f = new Future<T>();
  assert.equal(f.setRunningOrNotifyCancel(), true);
  return f;
}

describe('Future state machine', () => {
  test('a new future is pending and not done', () => {
    const f = new Future<number>();
    assert.equal(f.state, FutureState.PENDING);
    assert.equal(f.state, 'pending');
    assert.equal(f.done(), false);
    assert.equal(f.running(), false);
    assert.equal(f.cancelled(), false);
    assert.equal(f.succeeded(), false);
  });

  test('setRunningOrNotifyCancel moves a pending future to running', () => {
    const f = new Future<number>();
    assert.equal(f.setRunningOrNotifyCancel(), true);
    assert.equal(f.state, FutureState.RUNNING);
    assert.equal(f.running(), true);
    assert.equal(f.done(), false);
    assert.equal(f.cancelled(), false);
  });

  test('setResult finishes a running future', () => {
    const f = running<string>();
    f.setResult('ok');
    assert.equal(f.state, FutureState.FINISHED);
    assert.equal(f.done(), true);
    assert.equal(f.running(), false);
    assert.equal(f.cancelled(), false);
    assert.equal(f.succeeded(), true);
  });

  test('setException finishes a running future as failed', () => {
    const f = running<string>().markObserved();
    f.setException(new Error('boom'));
    assert.equal(f.state, FutureState.FINISHED);
    assert.equal(f.done(), true);
    assert.equal(f.running(), false);
    assert.equal(f.succeeded(), false);
  });

  test('a pending future can be completed without going through running', () => {
    const f = new Future<number>();
    f.setResult(1);
    assert.equal(f.state, FutureState.FINISHED);
    assert.equal(f.result(), 1);
  });

  test('FutureState lists exactly the four states', () => {
    assert.deepEqual(Object.values(FutureState).sort(), ['cancelled', 'finished', 'pending', 'running']);
  });

  test('toStringTag is Future', () => {
    assert.equal(Object.prototype.toString.call(new Future()), '[object Future]');
  });

  test('inspect shows the state, and the outcome once finished', () => {
    const pending = new Future<number>();
    assert.equal(inspect(pending), 'Future <pending>');
    pending.setRunningOrNotifyCancel();
    assert.equal(inspect(pending), 'Future <running>');
    pending.setResult(42);
    assert.equal(inspect({ job: pending }), '{ job: Future <finished: 42> }');
    const failed = new Future<number>().markObserved();
    failed.setException('boom');
    assert.equal(inspect(failed), "Future <finished, failed: 'boom'>");
    const cancelled = new Future<number>();
    cancelled.cancel();
    assert.equal(inspect(cancelled), 'Future <cancelled>');
  });
});

describe('Future.cancel', () => {
  test('cancels a pending future', () => {
    const f = new Future<number>();
    assert.equal(f.cancel(), true);
    assert.equal(f.state, FutureState.CANCELLED);
    assert.equal(f.cancelled(), true);
    assert.equal(f.done(), true);
    assert.equal(f.running(), false);
    assert.equal(f.succeeded(), false);
  });

  test('returns true again for an already-cancelled future', () => {
    const f = new Future<number>();
    assert.equal(f.cancel(), true);
    assert.equal(f.cancel(), true);
    assert.equal(f.cancelled(), true);
  });

  test('returns false for a running future and leaves it running', () => {
    const f = running<number>();
    assert.equal(f.cancel(), false);
    assert.equal(f.state, FutureState.RUNNING);
    assert.equal(f.cancelled(), false);
    f.setResult(3);
    assert.equal(f.result(), 3);
  });

  test('returns false for a finished future and keeps its result', () => {
    const ok = running<number>();
    ok.setResult(5);
    assert.equal(ok.cancel(), false);
    assert.equal(ok.cancelled(), false);
    assert.equal(ok.result(), 5);

    const failed = running<number>();
    const error = new Error('boom');
    failed.setException(error);
    assert.equal(failed.cancel(), false);
    assert.equal(failed.exception(), error);
  });

  test('a cancelled future cannot be completed', () => {
    const f = new Future<number>();
    f.cancel();
    assert.throws(() => f.setResult(1), InvalidStateError);
    assert.throws(() => f.setException(new Error('late')), InvalidStateError);
    assert.equal(f.cancelled(), true);
  });
});

describe('awaiting a Future', () => {
  test('gives the result when awaited before completion', async () => {
    const f = running<number>();
    const awaited = (async () => await f)();
    f.setResult(42);
    assert.equal(await awaited, 42);
  });

  test('gives the result when awaited after completion', async () => {
    const f = running<{ n: number }>();
    const value = { n: 1 };
    f.setResult(value);
    assert.equal(await f, value);
  });

  test('throws the exception, before or after completion', async () => {
    const error = new TypeError('bad');
    const early = running<number>();
    const awaited = (async () => await early)();
    early.setException(error);
    await assert.rejects(awaited, (e) => e === error);

    const late = running<number>();
    late.setException(error);
    await assert.rejects(async () => await late, (e) => e === error);
  });

  test('throws CancelledError when cancelled, before or after the await starts', async () => {
    const early = new Future<number>();
    const awaited = (async () => await early)();
    early.cancel();
    await assert.rejects(awaited, CancelledError);

    const late = new Future<number>();
    late.cancel();
    await assert.rejects(async () => await late, CancelledError);
  });

  test('several awaiters all see the outcome', async () => {
    const f = running<string>();
    const all = Promise.all([f, f, (async () => await f)()]);
    f.setResult('x');
    assert.deepEqual(await all, ['x', 'x', 'x']);
  });

  test('then, catch and finally behave like a promise', async () => {
    const ok = running<number>();
    ok.setResult(2);
    assert.equal(await ok.then((n) => n * 10), 20);

    const bad = running<number>();
    bad.setException('nope');
    assert.equal(await bad.catch((e: unknown) => `caught ${String(e)}`), 'caught nope');

    let finallyRan = false;
    const fin = running<number>();
    fin.setResult(7);
    assert.equal(await fin.finally(() => (finallyRan = true)), 7);
    assert.equal(finallyRan, true);
  });

  test('is a native promise that Promise.resolve, and so await and Promise.all, take as it is', () => {
    const f = new Future<number>();
    assert.ok(f instanceof Promise);
    assert.ok(f instanceof Future);
    assert.equal(Promise.resolve(f), f);
    // Derived promises are plain ones (a Future cannot be built from an executor).
    assert.equal(Object.getPrototypeOf(f.then()), Promise.prototype);
    f.setResult(1);
  });

  test('cannot be copied, as a promise cannot (README: submit, Future and await)', () => {
    const f = new Future<number>();
    assert.throws(() => structuredClone(f), { name: 'DataCloneError' });
    assert.throws(() => structuredClone({ nested: [f] }), { name: 'DataCloneError' });
    f.setResult(1);
  });

  test('its prototype still names Future, and a subclass is a future and a promise too', async () => {
    const f = new Future<number>();
    assert.equal(Object.getPrototypeOf(f).constructor, Future);
    assert.equal(Future.prototype.constructor, Future);
    f.cancel();
    class Tagged extends Future<number> {
      readonly tag = 'mine';
    }
    const t = new Tagged();
    const all = Promise.all([t, t.then((n) => n * 2)]);
    t.setResult(21);
    assert.deepEqual(await all, [21, 42]);
    assert.equal(await t, 21);
    assert.equal(Object.getPrototypeOf(t.then()), Promise.prototype);
  });

  test('an awaiter resumes as early as one of a plain promise settled at the same moment', async () => {
    // A thenable would be adopted through an extra job and two extra promises, resuming two turns later.
    const order: string[] = [];
    const f = running<number>();
    let settle!: (value: number) => void;
    const plain = new Promise<number>((resolve) => (settle = resolve));
    const both = Promise.all([
      (async () => {
        await f;
        order.push('future');
      })(),
      (async () => {
        await plain;
        order.push('promise');
      })(),
    ]);
    f.setResult(1);
    settle(1);
    await both;
    assert.deepEqual(order, ['future', 'promise']);
  });

  test('a failure or a cancellation reaches its awaiters one job after a plain promise rejected at the same moment, within the turn', async () => {
    // A future keeps no reject function (64 bytes per pending future): it rejects its promise through its
    // resolve function and a thenable, one job later than a plain promise would.
    const cases: Array<[Future<number>, (f: Future<number>) => void]> = [
      [running<number>(), (f) => f.setException(new Error('x'))],
      [new Future<number>(), (f) => void f.cancel()],
    ];
    for (const [f, fail] of cases) {
      const order: string[] = [];
      let reject!: (reason: unknown) => void;
      const plain = new Promise<number>((_, rejectPlain) => (reject = rejectPlain));
      const both = Promise.all([f.catch(() => order.push('future')), plain.catch(() => order.push('promise'))]);
      // A plain promise rejected at the same moment, whose awaiter is one job further: the future's comes
      // first (it would come after, were the future two jobs late).
      let rejectLater!: (reason: unknown) => void;
      const later = new Promise<number>((_, rejectPlain) => (rejectLater = rejectPlain));
      const oneJobLater = later.catch(() => undefined).then(() => order.push('one job later'));
      const turn = new Promise<void>((resolve) => setImmediate(() => resolve(void order.push('next turn'))));
      fail(f);
      reject(new Error('y'));
      rejectLater(new Error('z'));
      await Promise.all([both, oneJobLater, turn]);
      assert.deepEqual(order, ['promise', 'future', 'one job later', 'next turn']);
    }
  });

  test('a result that is a promise which rejects leaves no unhandled rejection when nobody awaits the future', async (t) => {
    const noUnhandled = watchUnhandledRejections(t);
    const f = running<Promise<number>>();
    const inner = Promise.reject(new Error('inner'));
    inner.catch(() => undefined);
    f.setResult(inner);
    assert.equal(f.result(), inner);
    await noUnhandled();
  });

  test('a failure or cancellation awaited by Promise.all rejects it once, with no unhandled rejection', async (t) => {
    const noUnhandled = watchUnhandledRejections(t);
    const error = new Error('first');
    const [a, b, c] = [running<number>(), running<number>(), new Future<number>()];
    const all = Promise.all([a, b, c]);
    a.setException(error);
    b.setException(new Error('second'));
    c.cancel();
    await assert.rejects(all, (e) => e === error);
    await noUnhandled();
  });
});

describe('result() and exception()', () => {
  test('throw InvalidStateError while pending or running', () => {
    const f = new Future<number>();
    assert.throws(() => f.result(), InvalidStateError);
    assert.throws(() => f.exception(), InvalidStateError);
    f.setRunningOrNotifyCancel();
    assert.throws(() => f.result(), InvalidStateError);
    assert.throws(() => f.exception(), InvalidStateError);
  });

  test('are synchronous once the future succeeded', () => {
    const f = running<number[]>();
    const value = [1, 2];
    f.setResult(value);
    assert.equal(f.result(), value);
    assert.equal(f.exception(), undefined);
  });

  test('result() throws the exception and exception() returns it once failed', () => {
    const f = running<number>();
    const error = new RangeError('out');
    f.setException(error);
    assert.throws(() => f.result(), (e) => e === error);
    assert.equal(f.exception(), error);
  });

  test('both throw CancelledError once cancelled', () => {
    const f = new Future<number>();
    f.cancel();
    assert.throws(() => f.result(), CancelledError);
    assert.throws(() => f.exception(), CancelledError);
  });

  test('a result of undefined is a success', async () => {
    const f = running<undefined>();
    f.setResult(undefined);
    assert.equal(f.succeeded(), true);
    assert.equal(f.result(), undefined);
    assert.equal(await f, undefined);
  });
});

describe('falsy exceptions still count as failures', () => {
  for (const value of [0, '', undefined, null, false, Number.NaN]) {
    test(`setException(${String(value === '' ? "''" : value)})`, async () => {
      const f = running<string>();
      f.setException(value);
      assert.equal(f.done(), true);
      assert.equal(f.succeeded(), false);
      assert.equal(f.cancelled(), false);
      assert.throws(
        () => f.result(),
        (e) => Object.is(e, value),
      );
      assert.ok(Object.is(f.exception(), value));
      await assert.rejects(
        async () => await f,
        (e) => Object.is(e, value),
      );
    });
  }

  test('an awaiter that started before the falsy failure rejects too', async () => {
    const f = running<string>();
    const outcome = f.then(
      () => 'fulfilled',
      (e: unknown) => ['rejected', e],
    );
    f.setException(0);
    assert.deepEqual(await outcome, ['rejected', 0]);
  });
});

describe('completing twice', () => {
  test('throws InvalidStateError and keeps the first outcome', () => {
    const f = running<number>();
    f.setResult(1);
    assert.throws(() => f.setResult(2), InvalidStateError);
    assert.throws(() => f.setException(new Error('late')), InvalidStateError);
    assert.equal(f.result(), 1);

    const g = running<number>();
    const error = new Error('first');
    g.setException(error);
    assert.throws(() => g.setResult(2), InvalidStateError);
    assert.throws(() => g.setException(new Error('second')), InvalidStateError);
    assert.equal(g.exception(), error);
  });

  test('the InvalidStateError has the stable code', () => {
    const f = running<number>();
    f.setResult(1);
    assert.throws(() => f.setResult(2), { name: 'InvalidStateError', code: 'ERR_AIOX_INVALID_STATE' });
  });
});

describe('setRunningOrNotifyCancel', () => {
  test('returns false for a cancelled future and leaves it cancelled', () => {
    const f = new Future<number>();
    f.cancel();
    assert.equal(f.setRunningOrNotifyCancel(), false);
    assert.equal(f.state, FutureState.CANCELLED);
  });

  test('throws InvalidStateError for a running future', () => {
    const f = running<number>();
    assert.throws(() => f.setRunningOrNotifyCancel(), InvalidStateError);
    assert.equal(f.state, FutureState.RUNNING);
  });

  test('throws InvalidStateError for a finished future', () => {
    const ok = running<number>();
    ok.setResult(1);
    assert.throws(() => ok.setRunningOrNotifyCancel(), InvalidStateError);
    const failed = running<number>().markObserved();
    failed.setException(new Error('x'));
    assert.throws(() => failed.setRunningOrNotifyCancel(), InvalidStateError);
    assert.equal(failed.state, FutureState.FINISHED);
  });
});

describe('done callbacks', () => {
  test('run once each, in the order added, with the future', () => {
    const f = running<number>();
    const calls: Array<[string, Future<number>]> = [];
    f.addDoneCallback((g) => calls.push(['a', g]));
    f.addDoneCallback((g) => calls.push(['b', g]));
    f.addDoneCallback((g) => calls.push(['c', g]));
    assert.equal(calls.length, 0);
    f.setResult(1);
    assert.deepEqual(
      calls.map(([name]) => name),
      ['a', 'b', 'c'],
    );
    assert.ok(calls.every(([, g]) => g === f));
    assert.throws(() => f.setResult(2), InvalidStateError);
    assert.equal(calls.length, 3);
  });

  test('the same function added twice runs twice', () => {
    const f = running<number>();
    let count = 0;
    const cb = (): void => {
      count += 1;
    };
    f.addDoneCallback(cb);
    f.addDoneCallback(cb);
    f.setResult(1);
    assert.equal(count, 2);
  });

  test('run on failure and on cancellation, and see the final state', () => {
    const failed = running<number>();
    const seen: unknown[] = [];
    failed.addDoneCallback((g) => seen.push(g.exception()));
    failed.setException('bad');

    const cancelled = new Future<number>();
    cancelled.addDoneCallback((g) => seen.push(g.cancelled()));
    cancelled.cancel();
    assert.deepEqual(seen, ['bad', true]);
  });

  test('run synchronously, before awaiters resume', async () => {
    const f = running<number>();
    const order: string[] = [];
    const awaited = (async () => {
      await f;
      order.push('await');
    })();
    f.addDoneCallback(() => order.push('callback'));
    f.setResult(1);
    order.push('after setResult');
    await awaited;
    assert.deepEqual(order, ['callback', 'after setResult', 'await']);
  });

  test('run at once when added to a done future', () => {
    const f = running<number>();
    f.setResult(9);
    const seen: number[] = [];
    f.addDoneCallback((g) => seen.push(g.result()));
    assert.deepEqual(seen, [9]);

    const c = new Future<number>();
    c.cancel();
    let ran = false;
    c.addDoneCallback(() => (ran = true));
    assert.equal(ran, true);
  });

  test('one added by another callback during completion runs at once', () => {
    const f = running<number>();
    const order: string[] = [];
    f.addDoneCallback((g) => {
      order.push('outer');
      g.addDoneCallback(() => order.push('inner'));
      order.push('outer end');
    });
    f.addDoneCallback(() => order.push('second'));
    f.setResult(1);
    assert.deepEqual(order, ['outer', 'inner', 'outer end', 'second']);
  });

  test('a throwing callback is reported as a warning and the others still run', async (t) => {
    const warnings = catchWarningsOfType(t, 'AioxCallbackWarning');
    const f = running<number>();
    const order: string[] = [];
    f.addDoneCallback(() => order.push('first'));
    f.addDoneCallback(() => {
      throw new Error('callback exploded');
    });
    f.addDoneCallback(() => order.push('third'));
    f.setResult(1);
    assert.deepEqual(order, ['first', 'third']);
    assert.equal(f.result(), 1);
    await nextTurn();
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!.message, /callback exploded/);
    assert.equal(warnings[0]!.code, 'ERR_AIOX_CALLBACK');
  });

  test('a callback throwing a non-Error is reported too', async (t) => {
    const warnings = catchWarningsOfType(t, 'AioxCallbackWarning');
    const f = running<number>();
    let after = false;
    f.addDoneCallback(() => {
      throw 'plain string';
    });
    f.addDoneCallback(() => {
      throw undefined;
    });
    f.addDoneCallback(() => (after = true));
    f.setException(new Error('work failed'));
    assert.equal(after, true);
    await nextTurn();
    assert.equal(warnings.length, 2);
    assert.match(warnings[0]!.message, /plain string/);
  });

  test('a callback added to a done future that throws is reported, not thrown', async (t) => {
    const warnings = catchWarningsOfType(t, 'AioxCallbackWarning');
    const f = running<number>();
    f.setResult(1);
    assert.doesNotThrow(() =>
      f.addDoneCallback(() => {
        throw new Error('late callback');
      }),
    );
    await nextTurn();
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!.message, /late callback/);
  });

  test('addDoneCallback rejects a non-function', () => {
    const f = new Future<number>();
    assert.throws(() => f.addDoneCallback(42 as unknown as () => void), TypeError);
  });
});

describe('removeDoneCallback', () => {
  test('removes every registration of the function and returns the count', () => {
    const f = running<number>();
    const calls: string[] = [];
    const a = (): void => {
      calls.push('a');
    };
    const b = (): void => {
      calls.push('b');
    };
    f.addDoneCallback(a);
    f.addDoneCallback(b);
    f.addDoneCallback(a);
    assert.equal(f.removeDoneCallback(a), 2);
    assert.equal(f.removeDoneCallback(a), 0);
    f.setResult(1);
    assert.deepEqual(calls, ['b']);
  });

  test('removes a single registration', () => {
    const f = running<number>();
    let ran = false;
    const cb = (): void => {
      ran = true;
    };
    f.addDoneCallback(cb);
    assert.equal(f.removeDoneCallback(cb), 1);
    f.setResult(1);
    assert.equal(ran, false);
  });

  test('returns 0 for a function never added, and leaves the others', () => {
    const f = running<number>();
    assert.equal(
      f.removeDoneCallback(() => {}),
      0,
    );
    let ran = 0;
    f.addDoneCallback(() => (ran += 1));
    assert.equal(
      f.removeDoneCallback(() => {}),
      0,
    );
    f.addDoneCallback(() => (ran += 1));
    assert.equal(
      f.removeDoneCallback(() => {}),
      0,
    );
    f.setResult(1);
    assert.equal(ran, 2);
  });

  test('returns 0 once the callbacks have run', () => {
    const f = running<number>();
    const cb = (): void => {};
    f.addDoneCallback(cb);
    f.setResult(1);
    assert.equal(f.removeDoneCallback(cb), 0);
  });

  test('a callback can be added again after removal', () => {
    const f = running<number>();
    let count = 0;
    const cb = (): void => {
      count += 1;
    };
    f.addDoneCallback(cb);
    f.addDoneCallback(cb);
    f.removeDoneCallback(cb);
    f.addDoneCallback(cb);
    f.setResult(1);
    assert.equal(count, 1);
  });
});

describe('unobserved outcomes', () => {
  test('a failed or cancelled future nobody awaits raises no unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const listener = (reason: unknown): void => {
      unhandled.push(reason);
    };
    process.on('unhandledRejection', listener);
    try {
      const failed = running<number>();
      failed.setException(new Error('nobody looks'));
      const falsy = running<number>();
      falsy.setException(undefined);
      const cancelled = new Future<number>();
      cancelled.cancel();
      const withCallback = running<number>();
      withCallback.addDoneCallback(() => {});
      withCallback.setException(new Error('only a callback looks'));
      await nextTurn();
      await nextTurn();
      assert.deepEqual(unhandled, []);
      // Reported as unobserved instead (see unobserved.test.ts); seen now, so this file stays quiet.
      failed.markObserved();
      falsy.markObserved();
    } finally {
      process.off('unhandledRejection', listener);
    }
  });

  test('code that reads constructor without awaiting leaves no unhandled rejection either', async (t) => {
    const noUnhandled = watchUnhandledRejections(t);
    const read = running<number>();
    assert.equal(read.constructor, Promise);
    read.setException(new Error('read, never awaited'));
    await noUnhandled();
  });

  test('a failure awaited later is still delivered', async () => {
    const f = running<number>();
    const error = new Error('late look');
    f.setException(error);
    await nextTurn();
    await assert.rejects(async () => await f, (e) => e === error);
  });
});

describe('owner (internal, for executors)', () => {
  /** An owner whose answers the test sets, recording what it was asked, and about which future. */
  function owner(answers: { cancel?: boolean; started?: boolean } = {}) {
    const asked: string[] = [];
    const about: SourceFuture<unknown>[] = [];
    return {
      asked,
      about,
      answers,
      cancel: (future: SourceFuture<unknown>) => (asked.push('cancel'), about.push(future), answers.cancel ?? true),
      started: (future: SourceFuture<unknown>) => (asked.push('started'), about.push(future), answers.started ?? false),
    };
  }

  test('is asked once when a pending future is cancelled, about that future, before the done callbacks', () => {
    const f = new SourceFuture<number>();
    const o = owner();
    setOwner(f as SourceFuture<unknown>, o);
    f.addDoneCallback(() => o.asked.push('callback'));
    assert.equal(f.cancel(), true);
    assert.equal(f.cancel(), true);
    assert.deepEqual(o.asked, ['cancel', 'callback']);
    assert.deepEqual(o.about, [f]);
  });

  test('an owner that says the work has started makes cancel() fail and the future running', () => {
    const f = new SourceFuture<number>();
    setOwner(f as SourceFuture<unknown>, owner({ cancel: false }));
    assert.equal(f.cancel(), false);
    assert.equal(f.state, FutureState.RUNNING);
    f.setResult(1);
    assert.equal(f.result(), 1);
  });

  test('the state of a pending future follows what its owner says', () => {
    const f = new SourceFuture<number>();
    const o = owner();
    setOwner(f as SourceFuture<unknown>, o);
    assert.equal(f.state, FutureState.PENDING);
    assert.equal(f.running(), false);
    o.answers.started = true;
    assert.equal(f.running(), true);
    assert.equal(f.state, FutureState.RUNNING);
    // Once running, the owner is not asked again, not even by cancel().
    const before = o.asked.length;
    assert.equal(f.cancel(), false);
    assert.equal(f.state, FutureState.RUNNING);
    assert.equal(o.asked.length, before);
  });

  test('is not asked once the future has left pending', () => {
    const f = new SourceFuture<number>();
    assert.equal(f.setRunningOrNotifyCancel(), true);
    const o = owner();
    setOwner(f as SourceFuture<unknown>, o);
    assert.equal(f.cancel(), false);
    f.setResult(1);
    assert.equal(f.cancel(), false);
    assert.deepEqual(o.asked, []);
  });
});
