import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter, getEventListeners, once } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import { CancelledError, InvalidStateError, TaskGroup, TaskGroupState } from 'aiox';
import { deferred, nextTurn, track } from '../fixtures/settle.js';

/** A child that runs until its signal aborts, then rejects with the signal's reason. */
function untilAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
}

test("children receive the group's signal and the group waits for all of them", async () => {
  const group = new TaskGroup();
  const gate = deferred<number>();
  const signals: AbortSignal[] = [];
  const a = group.start((signal) => {
    signals.push(signal);
    return gate.promise;
  });
  const b = group.start((signal) => {
    signals.push(signal);
    return 'b';
  });
  assert.deepEqual(signals, [group.signal, group.signal]);
  const waited = track(group.wait());
  await nextTurn();
  assert.equal(waited.state, 'pending');
  // A child may start another while the group waits.
  const c = group.start(async () => 'c');
  gate.resolve(1);
  await nextTurn();
  assert.equal(waited.state, 'fulfilled');
  assert.deepEqual(await Promise.all([a, b, c]), [1, 'b', 'c']);
  assert.equal(group.state, TaskGroupState.DONE);
  assert.equal(group.signal.aborted, false);
});

test('the first failure aborts the others and the group rejects with an AggregateError of the failures', async () => {
  const group = new TaskGroup();
  const boom = new Error('boom');
  const fail = deferred<never>();
  const patient = group.start(untilAborted);
  let sawAbort: unknown;
  group.start(async (signal) => {
    await untilAborted(signal).catch((reason: unknown) => (sawAbort = reason));
    throw new Error('cleanup failed too');
  });
  group.start(() => fail.promise);
  const waited = track(group.wait());
  fail.reject(boom);
  await nextTurn();
  assert.equal(group.signal.aborted, true);
  assert.ok(sawAbort instanceof CancelledError);
  assert.equal((sawAbort as CancelledError).cause, boom);
  assert.ok(waited.reason instanceof AggregateError);
  // The child that obeyed the abort is not a failure; one that failed in its own way is.
  assert.deepEqual(
    (waited.reason as AggregateError).errors.map((e: Error) => e.message),
    ['boom', 'cleanup failed too'],
  );
  await assert.rejects(patient, CancelledError);
  assert.throws(() => group.start(() => 1), InvalidStateError);
});

test('a child that throws synchronously fails the group like one that rejects', async () => {
  const group = new TaskGroup();
  const child = group.start(() => {
    throw new Error('sync');
  });
  await assert.rejects(child, /sync/);
  await assert.rejects(group.wait(), (e: AggregateError) => e.errors.length === 1 && e.errors[0].message === 'sync');
});

test("aborting the group's own signal aborts every child and the group rejects with the reason", async () => {
  const controller = new AbortController();
  const group = new TaskGroup({ signal: controller.signal });
  const children = [group.start(untilAborted), group.start(untilAborted)];
  assert.equal(getEventListeners(controller.signal, 'abort').length, 1);
  const waited = track(group.wait());
  const reason = new Error('shutting down');
  controller.abort(reason);
  await nextTurn();
  assert.equal(group.signal.reason, reason);
  assert.equal(waited.reason, reason);
  for (const child of children) await assert.rejects(child, (e) => e === reason);
  assert.equal(getEventListeners(controller.signal, 'abort').length, 0, 'the group stops listening once done');
});

test("a group that finishes normally stops listening to its signal", async () => {
  const controller = new AbortController();
  const group = new TaskGroup({ signal: controller.signal });
  group.start(async () => 1);
  assert.equal(getEventListeners(controller.signal, 'abort').length, 1);
  await group.wait();
  assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
});

test('a group made with an already aborted signal refuses to start children', async () => {
  const group = new TaskGroup({ signal: AbortSignal.abort(new Error('late')) });
  assert.throws(() => group.start(() => 1), InvalidStateError);
  await assert.rejects(group.wait(), /late/);
});

test('abort() stops the children and makes wait reject with the reason', async () => {
  const group = new TaskGroup();
  const child = group.start(untilAborted);
  group.abort(new Error('enough'));
  await assert.rejects(group.wait(), /enough/);
  await assert.rejects(child, /enough/);
});

test('await using waits for the children at the end of the block', async () => {
  const finished: string[] = [];
  const gate = deferred<void>();
  const block = track(
    (async () => {
      await using group = new TaskGroup();
      group.start(async () => {
        await gate.promise;
        finished.push('child');
      });
    })(),
  );
  await nextTurn();
  assert.equal(block.state, 'pending');
  gate.resolve();
  await nextTurn();
  assert.equal(block.state, 'fulfilled');
  assert.deepEqual(finished, ['child']);
});

test('starting a task in a finished group throws', async () => {
  const group = new TaskGroup();
  group.start(() => 1);
  await group.wait();
  assert.throws(() => group.start(() => 2), { name: 'InvalidStateError', message: 'cannot start a task in a TaskGroup that is done' });
  assert.throws(() => new TaskGroup().start(3 as never), TypeError);
});

test('TaskGroup.run: a body that throws aborts the children, waits for them, and rejects with its error first', async () => {
  const slow = deferred<void>();
  let childSignal: AbortSignal | undefined;
  const outcome = track(
    TaskGroup.run(async (group) => {
      group.start(untilAborted);
      group.start(async (signal) => {
        childSignal = signal;
        await slow.promise; // ignores the abort: the group must still wait for it
        throw new Error('child failed too');
      });
      await nextTurn();
      throw new Error('body failed');
    }),
  );
  await nextTurn();
  assert.equal(childSignal?.aborted, true);
  assert.ok(childSignal.reason instanceof CancelledError);
  assert.equal((childSignal.reason as CancelledError).cause instanceof Error, true);
  assert.equal(outcome.state, 'pending', 'waits for the child that ignores its signal');
  slow.resolve();
  await nextTurn();
  assert.equal(outcome.state, 'rejected');
  const error = outcome.reason as AggregateError;
  assert.ok(error instanceof AggregateError);
  assert.deepEqual(
    error.errors.map((e: Error) => e.message),
    ['body failed', 'child failed too'],
  );
});

test('TaskGroup.run resolves to the body result once every child is done; child failures reject as in wait()', async () => {
  const gate = deferred<number>();
  let child: Promise<number> | undefined;
  const outcome = track(TaskGroup.run((group) => ((child = group.start(() => gate.promise)), 'body')));
  await nextTurn();
  assert.equal(outcome.state, 'pending');
  gate.resolve(7);
  assert.equal(await outcome.promise, 'body');
  assert.equal(await child, 7);
  await assert.rejects(
    TaskGroup.run((group) => void group.start(async () => { throw new Error('boom'); })),
    (e: AggregateError) => e.errors.length === 1 && (e.errors[0] as Error).message === 'boom',
  );
  const controller = new AbortController();
  const reason = new Error('outer');
  const aborted = TaskGroup.run(async (group) => {
    controller.abort(reason);
    await nextTurn();
    group.signal.throwIfAborted(); // the body obeys the abort: that is no failure of its own
  }, { signal: controller.signal });
  await assert.rejects(aborted, (e) => e === reason);
  assert.throws(() => TaskGroup.run(42 as never), /body must be a function, received 42/);
});

test('a child that obeys the abort through timers/promises or events.once is no failure', async () => {
  const group = new TaskGroup();
  // Both reject with an AbortError whose cause is the group's reason, not with the reason itself.
  group.start((signal) => delay(1e9, undefined, { signal }));
  group.start((signal) => once(new EventEmitter(), 'never', { signal }));
  const reason = new Error('stop');
  group.abort(reason);
  await assert.rejects(group.wait(), (error) => error === reason);
});
