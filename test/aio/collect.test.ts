import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { Future, collect, type WorkContext } from 'aiox';
import { deferred, nextTurn, track, watchUnhandledRejections, type Deferred } from '../fixtures/settle.js';
import { assertType, type Equal } from '../fixtures/types.js';

/** Functions that each wait for their own deferred, recording when they were called and with what. */
function gated(n: number): {
  gates: Deferred<number>[];
  items: Array<(context: WorkContext) => Promise<number>>;
  called: number[];
  signals: AbortSignal[];
} {
  const gates = Array.from({ length: n }, () => deferred<number>());
  const called: number[] = [];
  const signals: AbortSignal[] = [];
  const items = gates.map((gate, i) => ({ signal }: WorkContext) => {
    called.push(i);
    signals.push(signal);
    return gate.promise;
  });
  return { gates, items, called, signals };
}

describe('collect: results', () => {
  test('resolves to the results in input order, whatever order items finish in', async () => {
    const { gates, items } = gated(3);
    const call = collect(items);
    gates[2]!.resolve(2);
    gates[0]!.resolve(0);
    gates[1]!.resolve(1);
    assert.deepEqual(await call, [0, 1, 2]);
  });

  test('takes plain values, promises, thenables and functions returning either', async () => {
    const future = new Future<number>();
    future.setRunningOrNotifyCancel();
    future.setResult(4);
    const results = await collect<number | string>([1, Promise.resolve(2), () => 3, future, async () => 'five']);
    assert.deepEqual(results, [1, 2, 3, 4, 'five']);
  });

  test('infers the result type from the items', async () => {
    const results = await collect([() => Promise.resolve(1), 2, Promise.resolve(3), async () => 4]);
    assertType<Equal<typeof results, number[]>>();
    assert.deepEqual(results, [1, 2, 3, 4]);
  });

  test('an empty input resolves to [] at once', async () => {
    const call = track(collect([]));
    await Promise.resolve();
    await Promise.resolve();
    assert.equal(call.settled, true, 'should not wait for a timer or an event loop turn');
    assert.deepEqual(await call.promise, []);
  });

  test('reads an async iterable, one next() at a time', async () => {
    let inNext = 0;
    let maxInNext = 0;
    let i = 0;
    const input: AsyncIterable<() => Promise<number>> = {
      [Symbol.asyncIterator]: () => ({
        async next() {
          maxInNext = Math.max(maxInNext, ++inNext);
          await nextTurn();
          inNext--;
          const n = i++;
          return n < 6 ? { done: false, value: async () => n * 10 } : { done: true, value: undefined };
        },
      }),
    };
    assert.deepEqual(await collect(input, { workers: 3 }), [0, 10, 20, 30, 40, 50]);
    assert.equal(maxInNext, 1, 'concurrent next() calls on an async iterator');
  });
});

describe('collect: workers', () => {
  test('never has more than `workers` functions in flight, and a free worker takes the next item at once', async () => {
    const { gates, items, called } = gated(5);
    const call = collect(items, { workers: 2 });
    await nextTurn();
    assert.deepEqual(called, [0, 1]);
    gates[1]!.resolve(1);
    await nextTurn();
    assert.deepEqual(called, [0, 1, 2], 'the worker freed by item 1 takes item 2');
    gates[0]!.resolve(0);
    await nextTurn();
    assert.deepEqual(called, [0, 1, 2, 3]);
    gates[3]!.resolve(3);
    gates[2]!.resolve(2);
    await nextTurn();
    assert.deepEqual(called, [0, 1, 2, 3, 4]);
    gates[4]!.resolve(4);
    assert.deepEqual(await call, [0, 1, 2, 3, 4]);
  });

  test('pulls a lazy generator only as fast as workers free up', async () => {
    const gates: Deferred<number>[] = [];
    let pulled = 0;
    function* input(): Generator<() => Promise<number>> {
      for (let i = 0; i < 100; i++) {
        pulled++;
        const gate = deferred<number>();
        gates.push(gate);
        yield () => gate.promise;
      }
    }
    const call = collect(input(), { workers: 3 });
    await nextTurn();
    assert.equal(pulled, 3);
    gates[0]!.resolve(0);
    await nextTurn();
    assert.equal(pulled, 4);
    for (let i = 1; i < 100; i++) {
      while (gates[i] === undefined) await nextTurn();
      assert.ok(pulled <= i + 3, `pulled ${pulled} items with only ${i} settled`);
      gates[i]!.resolve(i);
    }
    const results = await call;
    assert.equal(results.length, 100);
    assert.equal(results[99], 99);
  });

  test('workers must be an integer >= 1', () => {
    assert.throws(() => collect([], { workers: 0 }), { name: 'RangeError', message: 'workers must be an integer >= 1, received 0' });
    assert.throws(() => collect([], { workers: 1.5 }), RangeError);
    assert.throws(() => collect(42 as never), { name: 'TypeError', message: 'items must be an iterable or an async iterable, received 42' });
    assert.throws(() => collect([], { signal: 'no' as never }), TypeError);
  });
});

describe('collect: failures', () => {
  test('a failure stops new items and rejects once the items before it have settled', async () => {
    const { gates, items, called, signals } = gated(5);
    const call = track(collect(items, { workers: 3 }));
    await nextTurn();
    const boom = new Error('item 1 failed');
    gates[1]!.reject(boom);
    await nextTurn();
    assert.deepEqual(called, [0, 1, 2], 'no new item starts after a failure');
    assert.equal(call.settled, false, 'item 0 may still fail first in input order');
    assert.equal(signals[2]!.aborted, false);
    gates[0]!.resolve(0);
    await assert.rejects(call.promise, boom);
    assert.equal(signals[2]!.aborted, true, 'functions still running are told to stop');
    assert.equal((signals[2]!.reason as Error).name, 'AbortError');
    gates[2]!.resolve(2);
    await nextTurn();
    assert.deepEqual(called, [0, 1, 2]);
  });

  test('rejects with the first failure in input order, not in time order', async () => {
    const { gates, items } = gated(3);
    const call = collect(items);
    gates[2]!.reject(new Error('late in input, first in time'));
    await nextTurn();
    const first = new Error('first in input');
    gates[0]!.reject(first);
    await assert.rejects(call, first);
  });

  test('does not wait for items after the failed one', async () => {
    const { gates, items } = gated(3);
    const call = track(collect(items));
    const boom = new Error('boom');
    gates[0]!.reject(boom);
    // Items 1 and 2 never settle: the call has failed without them.
    await nextTurn();
    assert.equal(call.settled, true);
    await assert.rejects(call.promise, boom);
  });

  test('a function that throws synchronously fails its item', async () => {
    const boom = new Error('sync');
    await assert.rejects(
      collect([1, () => {
        throw boom;
      }]),
      boom,
    );
  });

  test('closes the input on failure: a generator runs its finally', async () => {
    let closed = false;
    let pulled = 0;
    function* input(): Generator<() => Promise<number>> {
      try {
        for (let i = 0; ; i++) {
          pulled++;
          yield () => (i === 2 ? Promise.reject(new Error('two')) : Promise.resolve(i));
        }
      } finally {
        closed = true;
      }
    }
    await assert.rejects(collect(input(), { workers: 2 }), /two/);
    assert.equal(closed, true);
    assert.ok(pulled <= 4, `read ${pulled} items of an endless input`);
  });

  test('an error thrown by the input rejects the call', async () => {
    const boom = new Error('input broke');
    function* input(): Generator<number> {
      yield 1;
      throw boom;
    }
    await assert.rejects(collect(input()), boom);
    async function* asyncInput(): AsyncGenerator<number> {
      yield 1;
      throw boom;
    }
    await assert.rejects(collect(asyncInput()), boom);
  });

  test('promises of an array that were never taken raise no unhandled rejection', async (t) => {
    const check = watchUnhandledRejections(t);
    const first = Promise.reject(new Error('first'));
    const second = Promise.reject(new Error('second, never taken'));
    await assert.rejects(collect([first, second], { workers: 1 }), /first/);
    await check();
  });

  test('settle: gathers every failure into an AggregateError, in input order', async () => {
    const { gates, items, called } = gated(4);
    const call = collect(items, { settle: true, workers: 2 });
    gates[1]!.reject(new Error('one'));
    await nextTurn();
    assert.deepEqual(called, [0, 1, 2], 'keeps starting items after a failure');
    gates[2]!.resolve(2);
    gates[0]!.reject(new Error('zero'));
    await nextTurn();
    gates[3]!.reject(new Error('three'));
    const error = await call.then(
      () => assert.fail('should reject'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof AggregateError);
    assert.deepEqual(
      error.errors.map((e: Error) => e.message),
      ['zero', 'one', 'three'],
    );
    assert.equal(error.message, '3 of 4 items failed');
  });

  test('settle: resolves to the results when nothing fails', async () => {
    assert.deepEqual(await collect([1, () => 2, Promise.resolve(3)], { settle: true }), [1, 2, 3]);
  });
});

describe('collect: signal', () => {
  test('an aborted signal rejects at once with its reason and calls nothing', async () => {
    let calls = 0;
    const reason = new Error('stop');
    await assert.rejects(collect([() => ++calls], { signal: AbortSignal.abort(reason) }), reason);
    assert.equal(calls, 0);
  });

  test('aborting rejects with the reason, stops new items, aborts running ones, leaves no listener', async () => {
    const controller = new AbortController();
    const { items, called, signals } = gated(4);
    const call = collect(items, { workers: 2, signal: controller.signal });
    await nextTurn();
    assert.equal(getEventListeners(controller.signal, 'abort').length, 1);
    const reason = new Error('user stop');
    controller.abort(reason);
    await assert.rejects(call, reason);
    assert.deepEqual(called, [0, 1]);
    assert.equal(signals[0]!.aborted, true);
    assert.equal(signals[0]!.reason, reason);
    assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
  });

  test('leaves no listener behind after success or failure', async () => {
    const controller = new AbortController();
    await collect([1, async () => 2], { signal: controller.signal });
    await assert.rejects(collect([Promise.reject(new Error('x'))], { signal: controller.signal }));
    assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
  });
});
