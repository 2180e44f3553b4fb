import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { CancelledError, Future, ReturnWhen, wait, type DoneAndNotDone } from 'aiox';
import { failed, finished, pending, recordCallbacks } from '../fixtures/futures.js';
import { enableMockTimers } from '../fixtures/quiet.js';
import { nextTurn, track } from '../fixtures/settle.js';

/**
 * Same members by identity. `assert.deepEqual` cannot tell futures apart (their state is in #private fields),
 * so sets of futures are compared member by member.
 */
function assertSameSet<T>(actual: Set<T>, expected: readonly T[], label: string): void {
  assert.equal(actual.size, new Set(expected).size, `${label}: size`);
  for (const item of expected) assert.ok(actual.has(item), `${label}: missing member`);
}

function assertSets<T>(result: DoneAndNotDone<T>, done: readonly Future<T>[], notDone: readonly Future<T>[]): void {
  assertSameSet(result.done, done, 'done');
  assertSameSet(result.notDone, notDone, 'notDone');
}

function fakeTimers(t: TestContext): void {
  enableMockTimers(t, { apis: ['setTimeout'] });
}

describe('wait: ALL_COMPLETED (the default)', () => {
  test('resolves only when every future is done', async () => {
    const [a, b, c] = pending(3) as [Future<number>, Future<number>, Future<number>];
    const waiting = track(wait([a, b, c]));
    a.setResult(1);
    b.cancel();
    await nextTurn();
    assert.equal(waiting.settled, false);
    c.setException(new Error('failures do not stop ALL_COMPLETED'));
    assertSets(await waiting.promise, [a, b, c], []);
  });

  test('spelled out explicitly it behaves the same', async () => {
    const [a, b] = pending(2) as [Future<number>, Future<number>];
    const waiting = track(wait([a, b], { returnWhen: ReturnWhen.ALL_COMPLETED }));
    a.setException(new Error('x'));
    await nextTurn();
    assert.equal(waiting.settled, false);
    b.setResult(2);
    assertSets(await waiting.promise, [a, b], []);
  });

  test('resolves at once when everything is already done', async () => {
    const a = finished(1);
    const b = failed(new Error('x'));
    const c = new Future<number>();
    c.cancel();
    assertSets(await wait([a, b, c]), [a, b, c], []);
  });

  test('an empty input resolves to two empty sets', async () => {
    assertSets(await wait([]), [], []);
  });
});

describe('wait: FIRST_COMPLETED', () => {
  test('resolves when the first future finishes', async () => {
    const [a, b, c] = pending(3) as [Future<number>, Future<number>, Future<number>];
    const waiting = track(wait([a, b, c], { returnWhen: 'FIRST_COMPLETED' }));
    await nextTurn();
    assert.equal(waiting.settled, false);
    b.setResult(2);
    assertSets(await waiting.promise, [b], [a, c]);
  });

  test('a cancellation or a failure counts as completion', async () => {
    const [a, b] = pending(2) as [Future<number>, Future<number>];
    const cancelled = wait([a, b], { returnWhen: ReturnWhen.FIRST_COMPLETED });
    a.cancel();
    assertSets(await cancelled, [a], [b]);

    const [c, d] = pending(2) as [Future<number>, Future<number>];
    const failing = wait([c, d], { returnWhen: ReturnWhen.FIRST_COMPLETED });
    d.setException(0);
    assertSets(await failing, [d], [c]);
  });

  test('resolves at once when one future is already done', async () => {
    const a = finished(1);
    const [b] = pending(1) as [Future<number>];
    assertSets(await wait([b, a], { returnWhen: ReturnWhen.FIRST_COMPLETED }), [a], [b]);
  });

  test('the sets returned do not change when more futures finish later', async () => {
    const [a, b] = pending(2) as [Future<number>, Future<number>];
    const waiting = wait([a, b], { returnWhen: ReturnWhen.FIRST_COMPLETED });
    a.setResult(1);
    const result = await waiting;
    b.setResult(2);
    assertSets(result, [a], [b]);
  });
});

describe('wait: FIRST_EXCEPTION', () => {
  test('resolves when a future fails, not when others succeed', async () => {
    const [a, b, c] = pending(3) as [Future<number>, Future<number>, Future<number>];
    const waiting = track(wait([a, b, c], { returnWhen: ReturnWhen.FIRST_EXCEPTION }));
    a.setResult(1);
    await nextTurn();
    assert.equal(waiting.settled, false);
    b.setException(new Error('boom'));
    assertSets(await waiting.promise, [a, b], [c]);
  });

  test('a cancellation is not an exception', async () => {
    const [a, b, c] = pending(3) as [Future<number>, Future<number>, Future<number>];
    const waiting = track(wait([a, b, c], { returnWhen: ReturnWhen.FIRST_EXCEPTION }));
    a.cancel();
    await nextTurn();
    assert.equal(waiting.settled, false);
    c.setException(new CancelledError('a CancelledError raised by the work is a failure'));
    assertSets(await waiting.promise, [a, c], [b]);
  });

  test('a falsy exception is an exception', async () => {
    const [a, b] = pending(2) as [Future<number>, Future<number>];
    const waiting = wait([a, b], { returnWhen: ReturnWhen.FIRST_EXCEPTION });
    a.setException(undefined);
    assertSets(await waiting, [a], [b]);
  });

  test('resolves when all are done without any exception', async () => {
    const [a, b] = pending(2) as [Future<number>, Future<number>];
    const waiting = track(wait([a, b], { returnWhen: ReturnWhen.FIRST_EXCEPTION }));
    a.setResult(1);
    await nextTurn();
    assert.equal(waiting.settled, false);
    b.cancel();
    assertSets(await waiting.promise, [a, b], []);
  });

  test('resolves at once when a future has already failed', async () => {
    const bad = failed(new Error('early'));
    const ok = finished(1);
    const [c] = pending(1) as [Future<number>];
    assertSets(await wait([c, ok, bad], { returnWhen: ReturnWhen.FIRST_EXCEPTION }), [ok, bad], [c]);
  });

  test('does not resolve at once when only successes and cancellations are done', async () => {
    const ok = finished(1);
    const cancelled = new Future<number>();
    cancelled.cancel();
    const [c] = pending(1) as [Future<number>];
    const waiting = track(wait([ok, cancelled, c], { returnWhen: ReturnWhen.FIRST_EXCEPTION }));
    await nextTurn();
    assert.equal(waiting.settled, false);
    c.setResult(3);
    assertSets(await waiting.promise, [ok, cancelled, c], []);
  });
});

describe('wait: input', () => {
  test('duplicates collapse', async () => {
    const [a, b] = pending(2) as [Future<number>, Future<number>];
    const waiting = track(wait([a, a, b, a, b]));
    a.setResult(1);
    await nextTurn();
    assert.equal(waiting.settled, false);
    b.setResult(2);
    const result = await waiting.promise;
    assertSets(result, [a, b], []);
  });

  test('duplicates collapse for FIRST_COMPLETED too', async () => {
    const [a, b] = pending(2) as [Future<number>, Future<number>];
    const waiting = wait([b, a, b], { returnWhen: ReturnWhen.FIRST_COMPLETED });
    b.setResult(2);
    assertSets(await waiting, [b], [a]);
  });

  test('accepts a generator', async () => {
    const fs = pending(3);
    let pulled = 0;
    function* gen(): Generator<Future<number>> {
      for (const f of fs) {
        pulled += 1;
        yield f;
      }
    }
    const waiting = wait(gen());
    assert.equal(pulled, 3, 'the generator is read when wait is called');
    fs.forEach((f, i) => f.setResult(i));
    assertSets(await waiting, fs, []);
  });

  test('accepts a Set', async () => {
    const fs = pending(2);
    const waiting = wait(new Set(fs), { returnWhen: ReturnWhen.FIRST_COMPLETED });
    fs[1]!.setResult(1);
    assertSets(await waiting, [fs[1]!], [fs[0]!]);
  });

  test('returns new sets, never the Set it was given', async () => {
    const input = new Set([finished(1)]);
    const result = await wait(input);
    assert.notEqual(result.done, input);
    assert.notEqual(result.notDone, input);
  });
});

describe('wait: timeout', () => {
  test('resolves with what is done when the timeout passes, and does not throw', async (t) => {
    fakeTimers(t);
    const [a, b, c] = pending(3) as [Future<number>, Future<number>, Future<number>];
    const waiting = track(wait([a, b, c], { timeout: 1000 }));
    a.setResult(1);
    t.mock.timers.tick(999);
    await nextTurn();
    assert.equal(waiting.settled, false);
    t.mock.timers.tick(1);
    assertSets(await waiting.promise, [a], [b, c]);
    assert.equal(b.state, 'pending', 'the futures are left alone');
  });

  test('the sets returned on timeout do not change when the rest finish', async (t) => {
    fakeTimers(t);
    const [a, b] = pending(2) as [Future<number>, Future<number>];
    const waiting = wait([a, b], { timeout: 10, returnWhen: ReturnWhen.FIRST_EXCEPTION });
    t.mock.timers.tick(10);
    const result = await waiting;
    a.setException(new Error('after the timeout'));
    b.setResult(2);
    assertSets(result, [], [a, b]);
  });

  test('resolves before the timeout when the condition holds', async (t) => {
    fakeTimers(t);
    const [a] = pending(1) as [Future<number>];
    const waiting = wait([a], { timeout: 1000 });
    t.mock.timers.tick(500);
    a.setResult(1);
    assertSets(await waiting, [a], []);
  });

  test('timeout 0 returns the current split at once', async () => {
    const a = finished(1);
    const [b] = pending(1) as [Future<number>];
    assertSets(await wait([a, b], { timeout: 0 }), [a], [b]);
    assertSets(await wait([b], { timeout: 0 }), [], [b]);
  });

  test('an infinite timeout waits for completion', async (t) => {
    fakeTimers(t);
    const [a] = pending(1) as [Future<number>];
    const waiting = track(wait([a], { timeout: Infinity }));
    t.mock.timers.tick(2 ** 40);
    await nextTurn();
    assert.equal(waiting.settled, false);
    a.setResult(1);
    assertSets(await waiting.promise, [a], []);
  });

  test('a timeout longer than setTimeout can hold does not pass early', async (t) => {
    // Node fires a setTimeout whose delay exceeds 2**31 - 1 ms after 1 ms; the mocked timers do the same.
    fakeTimers(t);
    const [a] = pending(1) as [Future<number>];
    const timeout = 2 ** 31 + 1000;
    const waiting = track(wait([a], { timeout }));
    t.mock.timers.tick(2 ** 31 - 1);
    await nextTurn();
    assert.equal(waiting.settled, false, 'still waiting after 2**31 - 1 ms');
    t.mock.timers.tick(timeout - (2 ** 31 - 1) - 1);
    await nextTurn();
    assert.equal(waiting.settled, false, 'still waiting 1 ms before the timeout');
    t.mock.timers.tick(1);
    assertSets(await waiting.promise, [], [a]);
  });
});

test('wait: a timeout longer than setTimeout can hold raises no TimeoutOverflowWarning', async () => {
  // Real timers here: Node warns, and fires the timer after 1 ms, when a delay exceeds 2**31 - 1 ms.
  const warnings: Error[] = [];
  const listener = (warning: Error): void => {
    if (warning.name === 'TimeoutOverflowWarning') warnings.push(warning);
  };
  process.on('warning', listener);
  try {
    const [a] = pending(1) as [Future<number>];
    const waiting = wait([a], { timeout: 2 ** 31 + 1000 });
    await nextTurn();
    a.setResult(1);
    assertSets(await waiting, [a], []);
    await nextTurn();
    assert.deepEqual(warnings, []);
  } finally {
    process.off('warning', listener);
  }
});

describe('wait: signal', () => {
  test('an abort rejects with the reason and leaves no listener behind', async (t) => {
    fakeTimers(t);
    const controller = new AbortController();
    const [a, b] = pending(2) as [Future<number>, Future<number>];
    const stillRegistered = recordCallbacks(t, [a, b], 'wait');
    const waiting = wait([a, b], { signal: controller.signal, timeout: 1000 });
    assert.equal(getEventListeners(controller.signal, 'abort').length, 1);
    const reason = { why: 'stop' };
    controller.abort(reason);
    await assert.rejects(waiting, (e) => e === reason);
    assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
    assert.equal(a.state, 'pending', 'the futures are left alone');
    assert.equal(stillRegistered(), 0);
  });

  test('resolving removes the callbacks from the futures still pending', async (t) => {
    const fs = pending(3);
    const stillRegistered = recordCallbacks(t, fs, 'wait');
    const waiting = wait(fs, { returnWhen: ReturnWhen.FIRST_COMPLETED });
    fs[0]!.setResult(1);
    await waiting;
    assert.equal(stillRegistered(), 0);
  });

  test('the default abort reason is an AbortError', async () => {
    const controller = new AbortController();
    const waiting = wait(pending(1), { signal: controller.signal });
    controller.abort();
    await assert.rejects(waiting, { name: 'AbortError' });
  });

  test('an already-aborted signal rejects at once', async () => {
    const reason = new Error('already');
    const signal = AbortSignal.abort(reason);
    await assert.rejects(wait(pending(1), { signal }), (e) => e === reason);
    await assert.rejects(wait([finished(1)], { signal }), (e) => e === reason);
    await assert.rejects(wait(pending(1), { signal, timeout: 0 }), (e) => e === reason);
    assert.equal(getEventListeners(signal, 'abort').length, 0);
  });

  test('no listener is left behind when the futures complete', async () => {
    const controller = new AbortController();
    const [a] = pending(1) as [Future<number>];
    const waiting = wait([a], { signal: controller.signal });
    a.setResult(1);
    await waiting;
    assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
    controller.abort();
  });

  test('no listener is left behind when the timeout passes', async (t) => {
    fakeTimers(t);
    const controller = new AbortController();
    const waiting = wait(pending(1), { signal: controller.signal, timeout: 5 });
    t.mock.timers.tick(5);
    await waiting;
    assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
  });

  test('an abort after wait resolved changes nothing', async () => {
    const controller = new AbortController();
    const [a] = pending(1) as [Future<number>];
    const waiting = wait([a], { signal: controller.signal });
    a.setResult(1);
    const result = await waiting;
    controller.abort();
    assertSets(result, [a], []);
  });
});

describe('wait: bad arguments', () => {
  for (const timeout of [-1, Number.NaN, -Infinity, '10', null]) {
    test(`timeout ${typeof timeout === 'string' ? JSON.stringify(timeout) : String(timeout)} throws RangeError`, () => {
      assert.throws(() => wait(pending(1), { timeout: timeout as number }), {
        name: 'RangeError',
        message: /^timeout must be .*received/,
      });
    });
  }

  for (const returnWhen of ['first_completed', 'ANY', '', 0, null]) {
    test(`returnWhen ${JSON.stringify(returnWhen)} throws TypeError`, () => {
      assert.throws(() => wait(pending(1), { returnWhen: returnWhen as ReturnWhen }), {
        name: 'TypeError',
        message: /^returnWhen must be one of FIRST_COMPLETED, FIRST_EXCEPTION, ALL_COMPLETED, received/,
      });
    });
  }

  test('a signal that is not an AbortSignal throws TypeError', () => {
    assert.throws(() => wait(pending(1), { signal: {} as AbortSignal }), { name: 'TypeError', message: /^signal must be an AbortSignal/ });
  });

  test('bad arguments are reported even when every future is done', () => {
    assert.throws(() => wait([finished(1)], { timeout: -5 }), RangeError);
    assert.throws(() => wait([finished(1)], { returnWhen: 'SOON' as ReturnWhen }), TypeError);
  });

  test('ReturnWhen lists the three conditions', () => {
    assert.deepEqual(Object.values(ReturnWhen).sort(), ['ALL_COMPLETED', 'FIRST_COMPLETED', 'FIRST_EXCEPTION']);
  });
});

test('wait refuses what is not an iterable of Futures, naming the bad element', () => {
  assert.throws(() => wait(null as never), { name: 'TypeError', message: 'futures must be an iterable of Futures, received null' });
  assert.throws(() => wait(42 as never), /futures must be an iterable of Futures, received 42/);
  assert.throws(() => wait([1, 2] as never), { name: 'TypeError', message: 'futures[0] must be a Future, received 1' });
  assert.throws(() => wait([new Future(), Promise.resolve(1)] as never), /futures\[1\] must be a Future, received a promise/);
});
