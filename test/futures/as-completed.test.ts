import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { Future, TimeoutError, asCompleted, type Completed } from 'aiox';
import { finished, pending, recordCallbacks } from '../fixtures/futures.js';
import { jumpClock, nextTurn, track } from '../fixtures/settle.js';
import type { IsAny } from '../fixtures/types.js';

/**
 * Checks that `value` is one step of asCompleted for `expected`: a plain `{ future }` object, not itself
 * thenable (so awaiting it cannot unwrap it), whose `future` is that very Future object.
 */
function assertCompleted<T>(value: unknown, expected: Future<T>): asserts value is Completed<T> {
  assert.ok(typeof value === 'object' && value !== null, 'expected a { future } object');
  assert.ok(!(value instanceof Future), 'expected { future }, got a bare Future');
  assert.equal(typeof (value as { then?: unknown }).then, 'undefined', 'a step value must not be thenable');
  assert.deepEqual(Object.keys(value), ['future']);
  assert.equal((value as Completed<T>).future, expected);
}

/** Checks that the next step yields `{ future: expected }`. */
async function expectNext<T>(it: AsyncIterator<Completed<T>>, expected: Future<T>): Promise<void> {
  const step = await it.next();
  assert.equal(step.done, false, 'expected another future');
  assertCompleted(step.value, expected);
}

async function assertEnded<T>(it: AsyncIterator<Completed<T>>): Promise<void> {
  assert.deepEqual(await it.next(), { done: true, value: undefined });
}

describe('asCompleted: order', () => {
  test('yields already-done futures first, in input order, then in completion order', async () => {
    const [p1, p2, p3] = pending(3) as [Future<number>, Future<number>, Future<number>];
    const d1 = finished(1);
    const d2 = new Future<number>();
    d2.cancel();
    const it = asCompleted([p1, d1, p2, d2, p3]);
    p3.setResult(3);
    p1.setException(new Error('failures are yielded too'));
    await expectNext(it, d1);
    await expectNext(it, d2);
    await expectNext(it, p3);
    await expectNext(it, p1);
    const waiting = track(it.next());
    await nextTurn();
    assert.equal(waiting.settled, false);
    p2.setResult(2);
    assertCompleted((await waiting.promise).value, p2);
    await assertEnded(it);
  });

  test('a future that completes while the consumer waits is yielded then', async () => {
    const [a, b] = pending(2) as [Future<number>, Future<number>];
    const it = asCompleted([a, b]);
    const first = track(it.next());
    await nextTurn();
    assert.equal(first.settled, false);
    b.setResult(2);
    assertCompleted((await first.promise).value, b);
    a.cancel();
    await expectNext(it, a);
    await assertEnded(it);
  });

  test('concurrent next() calls are answered in completion order', async () => {
    const [a, b, c] = pending(3) as [Future<number>, Future<number>, Future<number>];
    const it = asCompleted([a, b, c]);
    const steps = [it.next(), it.next(), it.next(), it.next()];
    c.setResult(3);
    a.setResult(1);
    b.setResult(2);
    const results = await Promise.all(steps);
    assertCompleted(results[0]!.value, c);
    assertCompleted(results[1]!.value, a);
    assertCompleted(results[2]!.value, b);
    assert.deepEqual(results[3], { done: true, value: undefined });
  });

  test('an empty input ends at once', async () => {
    await assertEnded(asCompleted([]));
  });

  test('keeps answering done after the end', async () => {
    const d = finished(1);
    const it = asCompleted([d]);
    await expectNext(it, d);
    await assertEnded(it);
    await assertEnded(it);
  });
});

describe('asCompleted: what it yields', () => {
  test('yields { future } objects holding the Future objects themselves', async () => {
    const fs = [finished(10), finished(20)];
    const seen: unknown[] = [];
    for await (const step of asCompleted(fs)) seen.push(step);
    assert.equal(seen.length, 2);
    assertCompleted(seen[0], fs[0]!);
    assertCompleted(seen[1], fs[1]!);
  });

  test('the loop variable is typed as Completed<T>, so future is a Future<T>', async () => {
    const fs = [finished(10), finished(20)];
    const results: number[] = [];
    // Checked by the build, which type-checks the tests: destructuring `{ future }` would not compile if the
    // loop variable were typed as the awaited result (number), nor these lines if `future` were not a
    // Future<number>; IsAny rules out `any`, which would let them all compile.
    for await (const { future } of asCompleted(fs)) {
      const r: number = future.result();
      const same: Future<number> = future;
      const _notAny: IsAny<typeof future> = false;
      assert.equal(same, future);
      results.push(r);
    }
    assert.deepEqual(results, [10, 20]);
  });

  test('a failed or cancelled future is yielded, not thrown', async () => {
    const bad = new Future<number>();
    bad.setException(new Error('boom'));
    const cancelled = new Future<number>();
    cancelled.cancel();
    const seen: Future<number>[] = [];
    for await (const { future } of asCompleted([bad, cancelled])) seen.push(future);
    assert.equal(seen.length, 2);
    assert.equal(seen[0], bad);
    assert.equal(seen[1], cancelled);
  });

  test('each future is yielded once; duplicates collapse', async () => {
    const [a, b] = pending(2) as [Future<number>, Future<number>];
    const d = finished(0);
    const it = asCompleted([a, d, a, b, d, a]);
    b.setResult(2);
    a.setResult(1);
    const seen: Future<number>[] = [];
    for await (const { future } of it) seen.push(future);
    assert.equal(seen.length, 3);
    assert.equal(seen[0], d);
    assert.equal(seen[1], b);
    assert.equal(seen[2], a);
  });

  test('accepts a generator and a Set', async () => {
    const fs = [finished(1), finished(2)];
    function* gen(): Generator<Future<number>> {
      yield* fs;
    }
    const fromGenerator: Future<number>[] = [];
    for await (const { future } of asCompleted(gen())) fromGenerator.push(future);
    assert.equal(fromGenerator[0], fs[0]);
    assert.equal(fromGenerator[1], fs[1]);
    const fromSet: Future<number>[] = [];
    for await (const { future } of asCompleted(new Set(fs))) fromSet.push(future);
    assert.equal(fromSet.length, 2);
    assert.equal(fromSet[0], fs[0]);
    assert.equal(fromSet[1], fs[1]);
  });

  test('is its own async iterator', () => {
    const it = asCompleted([]);
    assert.equal(it[Symbol.asyncIterator](), it);
  });
});

describe('asCompleted: timeout', () => {
  test('throws TimeoutError naming how many futures are unfinished', async (t) => {
    const advance = jumpClock(t);
    const d = finished(1);
    const [a, b, c] = pending(3) as [Future<number>, Future<number>, Future<number>];
    const it = asCompleted([d, a, b, c, a], { timeout: 1000 });
    await expectNext(it, d);
    b.setResult(2);
    await expectNext(it, b);
    const step = track(it.next());
    advance(999);
    await nextTurn();
    assert.equal(step.settled, false);
    advance(1);
    await assert.rejects(step.promise, (e) => {
      assert.ok(e instanceof TimeoutError);
      assert.equal(e.code, 'ERR_AIOX_TIMEOUT');
      assert.equal(e.message, '2 (of 4) futures unfinished');
      return true;
    });
    await assertEnded(it);
    assert.equal(a.state, 'pending', 'the futures are left alone');
  });

  test('the timeout counts from the call, not from the first next()', async (t) => {
    const advance = jumpClock(t);
    const it = asCompleted(pending(2), { timeout: 100 });
    advance(100);
    await assert.rejects(it.next(), { name: 'TimeoutError', message: '2 (of 2) futures unfinished' });
  });

  test('timeout 0 yields what is already done, then throws', async () => {
    const d = finished(1);
    const it = asCompleted([pending(1)[0]!, d], { timeout: 0 });
    await expectNext(it, d);
    await assert.rejects(it.next(), { name: 'TimeoutError', message: '1 (of 2) futures unfinished' });
  });

  test('does not throw when everything completes in time', async (t) => {
    const advance = jumpClock(t);
    const [a, b] = pending(2) as [Future<number>, Future<number>];
    const it = asCompleted([a, b], { timeout: 1000 });
    const first = it.next();
    advance(600);
    a.setResult(1);
    assertCompleted((await first).value, a);
    advance(399);
    b.setResult(2);
    await expectNext(it, b);
    await assertEnded(it);
    advance(10_000);
  });

  test('a timeout longer than setTimeout can hold does not pass early', async (t) => {
    const advance = jumpClock(t);
    const [a] = pending(1) as [Future<number>];
    const it = asCompleted([a], { timeout: 2 ** 31 + 1000 });
    const step = track(it.next());
    advance(2 ** 31);
    await nextTurn();
    assert.equal(step.settled, false);
    advance(1000);
    await assert.rejects(step.promise, TimeoutError);
  });

  test('a timeout longer than setTimeout can hold raises no TimeoutOverflowWarning', async () => {
    // Real timers here: Node warns, and fires the timer after 1 ms, when a delay exceeds 2**31 - 1 ms.
    const warnings: Error[] = [];
    const listener = (warning: Error): void => {
      if (warning.name === 'TimeoutOverflowWarning') warnings.push(warning);
    };
    process.on('warning', listener);
    try {
      const [a] = pending(1) as [Future<number>];
      const it = asCompleted([a], { timeout: 2 ** 31 + 1000 });
      const step = it.next();
      await nextTurn();
      a.setResult(1);
      assertCompleted((await step).value, a);
      await assertEnded(it);
      await nextTurn();
      assert.deepEqual(warnings, []);
    } finally {
      process.off('warning', listener);
    }
  });

  test('a timeout removes the done callbacks', async (t) => {
    const fs = pending(2);
    const stillRegistered = recordCallbacks(t, fs, 'asCompleted');
    const it = asCompleted(fs, { timeout: 0 });
    await assert.rejects(it.next(), TimeoutError);
    assert.equal(stillRegistered(), 0);
  });
});

describe('asCompleted: leaving early', () => {
  test('break leaves no done callbacks registered', async (t) => {
    const d = finished(0);
    const fs = pending(3);
    const stillRegistered = recordCallbacks(t, fs, 'asCompleted');
    for await (const step of asCompleted([d, ...fs])) {
      assertCompleted(step, d);
      break;
    }
    assert.equal(stillRegistered(), 0);
  });

  test('break after waiting leaves no done callbacks registered', async (t) => {
    const fs = pending(3);
    const stillRegistered = recordCallbacks(t, fs, 'asCompleted');
    const it = asCompleted(fs);
    const first = it.next();
    fs[1]!.setResult(1);
    assertCompleted((await first).value, fs[1]!);
    await it.return?.();
    assert.equal(stillRegistered(), 0);
    await assertEnded(it);
  });

  test('an exception in the loop body leaves no done callbacks registered', async (t) => {
    const fs = pending(2);
    const stillRegistered = recordCallbacks(t, fs, 'asCompleted');
    await assert.rejects(async () => {
      for await (const _ of asCompleted([finished(1), ...fs])) throw new Error('consumer failed');
    }, /consumer failed/);
    assert.equal(stillRegistered(), 0);
  });

  test('return() ends the iteration even when futures are ready', async () => {
    const it = asCompleted([finished(1), finished(2)]);
    assert.deepEqual(await it.return?.(), { done: true, value: undefined });
    await assertEnded(it);
  });

  test('return() while a next() is waiting ends that next() too', async () => {
    const controller = new AbortController();
    const it = asCompleted(pending(1), { signal: controller.signal });
    const step = track(it.next());
    await nextTurn();
    await it.return?.();
    await nextTurn();
    assert.equal(step.settled, true, 'the waiting next() was left hanging');
    assert.deepEqual(await step.promise, { done: true, value: undefined });
    assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
  });
});

describe('asCompleted: signal', () => {
  test('an abort while waiting rejects the step with the reason and cleans up', async (t) => {
    const controller = new AbortController();
    const fs = pending(2);
    const stillRegistered = recordCallbacks(t, fs, 'asCompleted');
    const it = asCompleted(fs, { signal: controller.signal });
    const step = it.next();
    await nextTurn();
    assert.equal(getEventListeners(controller.signal, 'abort').length, 1);
    const reason = new Error('stop');
    controller.abort(reason);
    await assert.rejects(step, (e) => e === reason);
    assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
    assert.equal(stillRegistered(), 0);
    await assertEnded(it);
    assert.equal(fs[0]!.state, 'pending', 'the futures are left alone');
  });

  test('once aborted, the next step rejects even if futures are ready', async () => {
    const controller = new AbortController();
    const [a, b] = pending(2) as [Future<number>, Future<number>];
    const d = finished(0);
    const it = asCompleted([d, a, b], { signal: controller.signal });
    await expectNext(it, d);
    a.setResult(1);
    controller.abort('stopped');
    await assert.rejects(it.next(), (e) => e === 'stopped');
    await assertEnded(it);
  });

  test('an already-aborted signal rejects the first step', async () => {
    const it = asCompleted([finished(1), pending(1)[0]!], { signal: AbortSignal.abort('early') });
    await assert.rejects(it.next(), (e) => e === 'early');
  });

  test('no listener is left behind after a normal end', async () => {
    const controller = new AbortController();
    const [a, b] = pending(2) as [Future<number>, Future<number>];
    const it = asCompleted([a, b], { signal: controller.signal });
    const first = it.next();
    a.setResult(1);
    await first;
    b.setResult(2);
    await expectNext(it, b);
    await assertEnded(it);
    assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
  });
});

describe('asCompleted: bad arguments', () => {
  for (const timeout of [-1, Number.NaN, '5', null]) {
    test(`timeout ${typeof timeout === 'string' ? JSON.stringify(timeout) : String(timeout)} throws RangeError`, () => {
      assert.throws(() => asCompleted(pending(1), { timeout: timeout as number }), {
        name: 'RangeError',
        message: /^timeout must be .*received/,
      });
    });
  }

  test('a signal that is not an AbortSignal throws TypeError', () => {
    assert.throws(() => asCompleted(pending(1), { signal: 'stop' as unknown as AbortSignal }), {
      name: 'TypeError',
      message: /^signal must be an AbortSignal/,
    });
  });

  test('bad arguments register no callbacks', (t) => {
    const fs = pending(1);
    const add = t.mock.method(fs[0]!, 'addDoneCallback');
    assert.throws(() => asCompleted(fs, { timeout: -1 }), RangeError);
    assert.equal(add.mock.callCount(), 0);
  });
});

test('asCompleted refuses what is not an iterable of Futures, naming the bad element', () => {
  assert.throws(() => asCompleted([1] as never), { name: 'TypeError', message: 'futures[0] must be a Future, received 1' });
  assert.throws(() => asCompleted(undefined as never), /futures must be an iterable of Futures, received undefined/);
});
