import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { Future, FutureState, schedule, type Scheduled } from 'aiox';
import { deferred, nextTurn, track, watchUnhandledRejections } from '../fixtures/settle.js';
import { assertType, type Equal } from '../fixtures/types.js';

/** Checks that a handle resolved to a plain `{ future }`, not a thenable that awaiting would unwrap. */
function assertScheduled<T>(value: unknown): asserts value is Scheduled<T> {
  assert.ok(typeof value === 'object' && value !== null);
  assert.deepEqual(Object.keys(value), ['future']);
  assert.equal(typeof (value as { then?: unknown }).then, 'undefined');
  const { future } = value as Scheduled<T>;
  assert.ok(future instanceof Future);
  assert.equal(future.state, FutureState.FINISHED);
}

describe('schedule', () => {
  test('starts the work at once and resolves to { future } when it is done', async () => {
    let started = false;
    const gate = deferred<number>();
    const handle = track(
      schedule(() => {
        started = true;
        return gate.promise;
      }),
    );
    assert.equal(started, true, 'a function is called before schedule returns');
    await nextTurn();
    assert.equal(handle.settled, false);
    gate.resolve(42);
    const value = await handle.promise;
    assertScheduled<number>(value);
    assertType<Equal<typeof value.future, Future<number>>>();
    assert.equal(value.future.result(), 42);
  });

  test('awaiting the handle never throws: the failure is in the future', async (t) => {
    const check = watchUnhandledRejections(t);
    const boom = new Error('boom');
    const fromPromise = await schedule(Promise.reject(boom));
    assertScheduled(fromPromise);
    assert.throws(() => fromPromise.future.result(), boom);
    const fromThrow = await schedule(() => {
      throw boom;
    });
    assertScheduled(fromThrow);
    assert.equal(fromThrow.future.exception(), boom);
    await check();
  });

  test('takes a promise or a plain value too', async () => {
    const a = await schedule(Promise.resolve('a'));
    assert.equal(a.future.result(), 'a');
    const b = await schedule(7);
    assert.equal(b.future.result(), 7);
  });

  test('a signal that aborts first fails the future with its reason and leaves no listener', async () => {
    const controller = new AbortController();
    let received: AbortSignal | undefined;
    const handle = schedule(({ signal }) => {
      received = signal;
      return new Promise<number>(() => undefined);
    }, { signal: controller.signal });
    assert.equal(received, controller.signal, 'the function gets the signal');
    assert.equal(getEventListeners(controller.signal, 'abort').length, 1);
    const reason = new Error('stop');
    controller.abort(reason);
    const { future } = await handle;
    assert.equal(future.exception(), reason);
    assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
  });

  test('an already aborted signal fails the future without starting the work', async () => {
    let calls = 0;
    const reason = new Error('early');
    const { future } = await schedule(() => ++calls, { signal: AbortSignal.abort(reason) });
    assert.equal(future.exception(), reason);
    assert.equal(calls, 0);
  });

  test('the listener is removed when the work settles first', async () => {
    const controller = new AbortController();
    const { future } = await schedule(async () => 1, { signal: controller.signal });
    assert.equal(future.result(), 1);
    assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
  });
});
