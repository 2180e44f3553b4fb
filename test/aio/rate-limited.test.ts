import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { rateLimited } from 'aiox';
import { fakeClock, nextTurn, track } from '../fixtures/settle.js';
import { assertType, type Equal } from '../fixtures/types.js';

describe('rateLimited: timing', () => {
  test('2 calls per 1000 ms, 200 ms apart: ten calls start at 0, 200, 1000, 1200, ..., 4000, 4200', async (t) => {
    const advance = fakeClock(t);
    const starts: Array<[number, number]> = [];
    const query = rateLimited({ maxCalls: 2, period: 1000, minInterval: 200 })(async (n: number) => {
      starts.push([n, Date.now()]);
      return n * 2;
    });
    const calls = Array.from({ length: 10 }, (_, n) => query(n));
    await advance(4300);
    assert.deepEqual(await Promise.all(calls), [0, 2, 4, 6, 8, 10, 12, 14, 16, 18]);
    assert.deepEqual(starts, [
      [0, 0], [1, 200], [2, 1000], [3, 1200], [4, 2000],
      [5, 2200], [6, 3000], [7, 3200], [8, 4000], [9, 4200],
    ]);
  });

  test('counts any window of `period`, not fixed buckets', async (t) => {
    const advance = fakeClock(t);
    const starts: number[] = [];
    const limited = rateLimited({ maxCalls: 3, period: 1000 })(() => void starts.push(Date.now()));
    void limited();
    await advance(500);
    void limited();
    void limited();
    void limited();
    void limited();
    await advance(1500);
    assert.deepEqual(starts, [0, 500, 500, 1000, 1500]);
  });

  test('a call that finds room starts at once, synchronously', () => {
    let started = false;
    void rateLimited({ maxCalls: 1, period: 1000 })(async () => {
      started = true;
    })();
    assert.equal(started, true);
  });

  test('queued calls start first in first out', async (t) => {
    const advance = fakeClock(t);
    const order: string[] = [];
    const limited = rateLimited({ maxCalls: 1, period: 100 })((name: string) => void order.push(name));
    for (const name of ['a', 'b', 'c', 'd']) void limited(name);
    await advance(300);
    assert.deepEqual(order, ['a', 'b', 'c', 'd']);
  });

  test('every wrapped function gets its own limiter', async (t) => {
    const advance = fakeClock(t);
    const starts: string[] = [];
    const limit = rateLimited({ maxCalls: 1, period: 1000 });
    const a = limit(() => void starts.push(`a@${Date.now()}`));
    const b = limit(() => void starts.push(`b@${Date.now()}`));
    void a();
    void b();
    void a();
    await advance(1000);
    assert.deepEqual(starts, ['a@0', 'b@0', 'a@1000']);
  });
});

describe('rateLimited: results and errors', () => {
  test('passes arguments, this and results through, with types', async () => {
    const limited = rateLimited({ maxCalls: 5, period: 10 })(async (a: number, b: string) => `${b}${a}`);
    const result = await limited(1, 'x');
    assertType<Equal<typeof result, string>>();
    assert.equal(result, 'x1');
    const obj = { k: 7, get: rateLimited({ maxCalls: 1, period: 10 })(function (this: { k: number }) { return this.k; }) };
    assert.equal(await obj.get(), 7);
  });

  test('errors of fn pass through, and a failed call still used its slot', async (t) => {
    const advance = fakeClock(t);
    const starts: number[] = [];
    const boom = new Error('boom');
    const limited = rateLimited({ maxCalls: 1, period: 100 })((mode: string) => {
      starts.push(Date.now());
      if (mode === 'throw') throw boom;
      if (mode === 'reject') return Promise.reject(boom);
      return Promise.resolve(mode);
    });
    const outcomes = Promise.allSettled([limited('throw'), limited('reject'), limited('ok')]);
    await advance(200);
    assert.deepEqual(await outcomes, [
      { status: 'rejected', reason: boom },
      { status: 'rejected', reason: boom },
      { status: 'fulfilled', value: 'ok' },
    ]);
    assert.deepEqual(starts, [0, 100, 200]);
  });

  test('bad options throw RangeError naming the option', () => {
    assert.throws(() => rateLimited({ maxCalls: 0, period: 1000 }), {
      name: 'RangeError',
      message: 'maxCalls must be an integer >= 1, received 0',
    });
    assert.throws(() => rateLimited({ maxCalls: 1, period: 0 }), {
      name: 'RangeError',
      message: 'period must be a finite number > 0 (milliseconds), received 0',
    });
    assert.throws(() => rateLimited({ maxCalls: 1, period: Infinity }), RangeError);
    assert.throws(() => rateLimited({ maxCalls: 1, period: 10, minInterval: -1 }), {
      name: 'RangeError',
      message: 'minInterval must be a finite number >= 0 (milliseconds), received -1',
    });
    assert.throws(() => rateLimited({ maxCalls: 1, period: 10 })('no' as never), TypeError);
  });
});

describe('rateLimited: signal', () => {
  test('a call aborted while queued rejects with the reason, uses no slot, and leaves no listener', async (t) => {
    const advance = fakeClock(t);
    const starts: Array<[string, number]> = [];
    const limited = rateLimited({ maxCalls: 2, period: 1000, minInterval: 200 })(
      (name: string) => void starts.push([name, Date.now()]),
    );
    const controller = new AbortController();
    void limited('a');
    const b = limited.withSignal(controller.signal)('b');
    const c = limited('c');
    assert.equal(getEventListeners(controller.signal, 'abort').length, 1);
    await advance(100);
    const reason = new Error('not needed');
    controller.abort(reason);
    await assert.rejects(b, reason);
    assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
    await advance(1000);
    await c;
    assert.deepEqual(starts, [['a', 0], ['c', 200]], 'c takes the place b left');
  });

  test('a call with an already aborted signal rejects at once and never runs', async () => {
    let calls = 0;
    const limited = rateLimited({ maxCalls: 1, period: 1000 })(() => ++calls);
    const reason = new Error('early');
    await assert.rejects(limited.withSignal(AbortSignal.abort(reason))(), reason);
    assert.equal(calls, 0);
    assert.equal(await limited(), 1, 'the slot is still free');
  });

  test('the listener is removed when the call starts', async (t) => {
    const advance = fakeClock(t);
    const controller = new AbortController();
    const limited = rateLimited({ maxCalls: 1, period: 100 })(() => 'ran');
    void limited();
    const call = track(limited.withSignal(controller.signal)());
    assert.equal(getEventListeners(controller.signal, 'abort').length, 1);
    await advance(100);
    await nextTurn();
    assert.equal(call.settled, true);
    assert.equal(await call.promise, 'ran');
    assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
  });
});
