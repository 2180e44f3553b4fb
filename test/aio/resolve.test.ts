import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { Future, resolve, type Completed, type WorkContext } from 'aiox';
import { deferred, fakeClock, nextTurn, track, type Deferred } from '../fixtures/settle.js';
import { assertType, type Equal } from '../fixtures/types.js';

/** What a step's future holds: the value, or the failure's message. */
function outcome<T>({ future }: Completed<T>): T | string {
  assert.ok(future instanceof Future);
  assert.equal(future.done(), true);
  return future.succeeded() ? future.result() : `error: ${(future.exception() as Error).message}`;
}

describe('resolve: order and outcomes', () => {
  test("the original's test: 0..4 on 2 workers gives [0, 1, 2, <error>, 4] after 400 ms", async (t) => {
    const advance = fakeClock(t);
    const started: Array<[number, number]> = [];
    const work = async (n: number): Promise<number> => {
      started.push([n, Date.now()]);
      await new Promise((r) => setTimeout(r, n === 0 ? 400 : 100));
      if (n === 3) throw new Error(`failed ${n}`);
      return n;
    };
    const received: Array<[number | string, number]> = [];
    const consume = (async () => {
      for await (const step of resolve([0, 1, 2, 3, 4].map((n) => () => work(n)), { workers: 2 })) {
        received.push([outcome(step), Date.now()]);
      }
    })();
    await advance(500);
    await consume;
    assert.deepEqual(started, [[0, 0], [1, 0], [2, 100], [3, 200], [4, 300]]);
    assert.deepEqual(received, [[0, 400], [1, 400], [2, 400], ['error: failed 3', 400], [4, 400]]);
  });

  test('yields { future } objects that are not thenable, as soon as the head is done', async () => {
    const gates = [deferred<number>(), deferred<number>()];
    const it = resolve(gates.map((g) => () => g.promise));
    const first = track(it.next());
    gates[1]!.resolve(1);
    await nextTurn();
    assert.equal(first.settled, false, 'item 1 is done but item 0 comes first');
    gates[0]!.resolve(0);
    const step = await first.promise;
    assert.equal(step.done, false);
    assert.deepEqual(Object.keys(step.value!), ['future']);
    assert.equal(typeof (step.value as { then?: unknown }).then, 'undefined');
    assertType<Equal<typeof step.value, Completed<number>>>();
    assert.equal(outcome(step.value!), 0);
    assert.equal(outcome((await it.next()).value!), 1);
    assert.deepEqual(await it.next(), { done: true, value: undefined });
  });

  test('a failure surfaces at its position and the others go on', async () => {
    const items = [1, Promise.reject(new Error('two')), () => 3, () => Promise.reject(new Error('four')), 5];
    const got: Array<number | string> = [];
    for await (const step of resolve(items, { workers: 1 })) got.push(outcome(step));
    assert.deepEqual(got, [1, 'error: two', 3, 'error: four', 5]);
  });

  test('concurrent next() calls are answered in input order', async () => {
    const gates = [deferred<number>(), deferred<number>(), deferred<number>()];
    const it = resolve(gates.map((g) => () => g.promise));
    const steps = [it.next(), it.next(), it.next(), it.next()];
    gates[2]!.resolve(2);
    gates[1]!.resolve(1);
    gates[0]!.resolve(0);
    const results = await Promise.all(steps);
    assert.deepEqual(
      results.map((s) => (s.done === true ? 'done' : outcome(s.value))),
      [0, 1, 2, 'done'],
    );
  });

  test('reads an async iterable', async () => {
    async function* input(): AsyncGenerator<(c: WorkContext) => Promise<number>> {
      for (let i = 0; i < 5; i++) yield async () => i * i;
    }
    const got: Array<number | string> = [];
    for await (const step of resolve(input(), { workers: 2 })) got.push(outcome(step));
    assert.deepEqual(got, [0, 1, 4, 9, 16]);
  });

  test('nothing starts before the first next()', async () => {
    let calls = 0;
    const it = resolve([() => ++calls]);
    await nextTurn();
    assert.equal(calls, 0);
    assert.equal(outcome((await it.next()).value!), 1);
  });

  test('an error thrown by the input is thrown after the items before it, then the iteration ends', async () => {
    const boom = new Error('input broke');
    function* input(): Generator<number> {
      yield 1;
      yield 2;
      throw boom;
    }
    const it = resolve(input());
    assert.equal(outcome((await it.next()).value!), 1);
    assert.equal(outcome((await it.next()).value!), 2);
    await assert.rejects(it.next(), boom);
    assert.deepEqual(await it.next(), { done: true, value: undefined });
  });

  test('values() yields the results themselves and throws the first failure at its position, stopping the rest', async () => {
    const signals: AbortSignal[] = [];
    const boom = new Error('two');
    const items = [
      () => 0,
      () => 1,
      () => Promise.reject(boom),
      ({ signal }: WorkContext) => {
        signals.push(signal);
        return new Promise<number>(() => undefined);
      },
    ];
    const got: number[] = [];
    const iterate = async (): Promise<void> => {
      for await (const value of resolve(items, { workers: 4 }).values()) {
        assertType<Equal<typeof value, number>>();
        got.push(value);
      }
    };
    await assert.rejects(iterate(), boom);
    assert.deepEqual(got, [0, 1]);
    assert.equal(signals.length, 1);
    assert.equal(signals[0]!.aborted, true, 'the item still running is told to stop');
    assert.deepEqual(await resolve([1, 2]).values().next(), { done: false, value: 1 });
  });

  test('options are validated', () => {
    assert.throws(() => resolve([], { workers: 0 }), { name: 'RangeError', message: 'workers must be an integer >= 1, received 0' });
    assert.throws(() => resolve([], { greediness: 0 }), {
      name: 'RangeError',
      message: 'greediness must be an integer >= 1, received 0',
    });
    assert.throws(() => resolve(null as never), TypeError);
  });
});

describe('resolve: bounded memory', () => {
  test('greediness bounds how many finished results wait for the consumer', async () => {
    const head = deferred<number>();
    let calls = 0;
    function* input(): Generator<() => number | Promise<number>> {
      yield () => {
        calls++;
        return head.promise;
      };
      // Long enough to show the bound, finite so that a broken bound fails instead of looping forever.
      for (let i = 1; i < 10_000; i++) {
        yield () => {
          calls++;
          return i;
        };
      }
    }
    const it = resolve(input(), { workers: 2, greediness: 3 });
    const first = it.next();
    await nextTurn();
    await nextTurn();
    assert.equal(calls, 4, 'the slow head plus 3 finished results, then workers wait');
    head.resolve(0);
    assert.equal(outcome((await first).value!), 0);
    for (let i = 1; i <= 50; i++) {
      assert.equal(outcome((await it.next()).value!), i);
      await nextTurn();
      assert.ok(calls <= i + 1 + 3, `after ${i} taken, ${calls} items were started`);
    }
    await it.return();
  });

  test('breaking out stops the input and aborts running functions', async () => {
    let closed = false;
    const signals: AbortSignal[] = [];
    const gates: Deferred<number>[] = [];
    function* input(): Generator<(c: WorkContext) => number | Promise<number>> {
      try {
        yield () => 0;
        for (;;) {
          const gate = deferred<number>();
          gates.push(gate);
          yield ({ signal }) => {
            signals.push(signal);
            return gate.promise;
          };
        }
      } finally {
        closed = true;
      }
    }
    for await (const step of resolve(input(), { workers: 3 })) {
      assert.equal(outcome(step), 0);
      break;
    }
    assert.equal(closed, true);
    assert.equal(signals.length, 3);
    assert.ok(signals.every((s) => s.aborted));
    const before = gates.length;
    gates.forEach((g, i) => g.resolve(i));
    await nextTurn();
    assert.equal(gates.length, before, 'no item starts after the consumer left');
  });
});

describe('resolve: signal', () => {
  test('aborting makes the next step reject with the reason, then the iteration ends; no listener left', async () => {
    const controller = new AbortController();
    const signals: AbortSignal[] = [];
    const it = resolve(
      [1, 2, 3].map(() => ({ signal }: WorkContext) => {
        signals.push(signal);
        return new Promise<number>(() => undefined);
      }),
      { signal: controller.signal },
    );
    const step = it.next();
    await nextTurn();
    assert.equal(getEventListeners(controller.signal, 'abort').length, 1);
    const reason = new Error('stop');
    controller.abort(reason);
    await assert.rejects(step, reason);
    assert.deepEqual(await it.next(), { done: true, value: undefined });
    assert.equal(signals.length, 3);
    assert.ok(signals.every((s) => s.reason === reason));
    assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
  });

  test('an already aborted signal rejects the first step and calls nothing', async () => {
    let calls = 0;
    const reason = new Error('early');
    const it = resolve([() => ++calls], { signal: AbortSignal.abort(reason) });
    await assert.rejects(it.next(), reason);
    assert.equal(calls, 0);
  });

  test('leaves no listener after a normal end', async () => {
    const controller = new AbortController();
    const got: Array<number | string> = [];
    for await (const step of resolve([1, 2], { signal: controller.signal })) got.push(outcome(step));
    assert.deepEqual(got, [1, 2]);
    assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
  });
});
