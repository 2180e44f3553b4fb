import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { test } from 'node:test';
import { handle, noise, patched } from '../fixtures/forged-memory.js';
import { SharedEvent, ThreadPoolExecutor } from 'aiox';
import { Gates } from '../fixtures/gate.js';
import { nextTurn, track } from '../fixtures/settle.js';
import { setEvent, waitForEvent, waitForEventAsync } from '../fixtures/shared-tasks.js';

test('set() on the main thread wakes blocked and async waiters in workers', { timeout: 30_000 }, async () => {
  const gates = new Gates('thread', 2);
  await using pool = new ThreadPoolExecutor({ maxWorkers: 2 });
  const event = new SharedEvent();
  const blocked = pool.submit(waitForEvent, event, gates.handle(0), Infinity);
  const awaiting = pool.submit(waitForEventAsync, event, gates.handle(1));
  await gates.started(0);
  await gates.started(1);
  event.set();
  assert.deepEqual(await Promise.all([blocked, awaiting]), [true, true]);
});

// Only an async waiter can say it waits: it starts its wait before it opens its gate. A blocking waiter opens
// its gate before it blocks, so a set() and clear() could both land in between and it would rightly wait on.
test('a set() followed at once by clear() still wakes a waiter that was waiting', { timeout: 30_000 }, async () => {
  const gates = new Gates('thread', 1);
  await using pool = new ThreadPoolExecutor({ maxWorkers: 1 });
  const event = new SharedEvent();
  const awaiting = pool.submit(waitForEventAsync, event, gates.handle(0));
  await gates.started(0);
  event.set();
  event.clear();
  assert.equal(await awaiting, true);
  assert.equal(event.isSet(), false);
});

test('set() in a worker wakes a wait on the main thread', { timeout: 30_000 }, async () => {
  await using pool = new ThreadPoolExecutor({ maxWorkers: 1 });
  const event = new SharedEvent();
  const waiting = track(event.wait());
  await nextTurn();
  assert.equal(waiting.state, 'pending');
  await pool.submit(setEvent, event);
  assert.equal(await waiting.promise, true);
  assert.equal(event.isSet(), true);
});

test('wait resolves false when its timeout passes, and waitSync in a worker returns false', async () => {
  await using pool = new ThreadPoolExecutor({ maxWorkers: 1 });
  const gates = new Gates('thread', 1);
  const event = new SharedEvent();
  assert.equal(await event.wait({ timeout: 5 }), false);
  assert.equal(await pool.submit(waitForEvent, event, gates.handle(0), 5), false);
  event.set();
  assert.equal(await event.wait({ timeout: 0 }), true);
});

test('an aborted wait rejects with the reason and leaves no listener', async () => {
  const event = new SharedEvent();
  const controller = new AbortController();
  const waiting = track(event.wait({ signal: controller.signal }));
  await nextTurn();
  assert.equal(getEventListeners(controller.signal, 'abort').length, 1);
  controller.abort(new Error('stop'));
  await assert.rejects(waiting.promise, /stop/);
  assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
  await assert.rejects(event.wait({ signal: AbortSignal.abort(new Error('already')) }), /already/);
});

test('waitSync is refused on the main thread; from() checks the kind', () => {
  const event = new SharedEvent();
  assert.throws(() => event.waitSync(), /waitSync\(\) blocks and is not allowed on the main thread; await wait\(\) instead/);
  assert.throws(() => SharedEvent.from({} as never), /value must be a SharedEvent or its structured clone/);
  const clone = SharedEvent.from(structuredClone(event));
  clone.set();
  assert.equal(event.isSet(), true);
});

test('from() refuses memory that is not a SharedEvent', async () => {
  assert.throws(() => SharedEvent.from(handle('SharedEvent', noise(12))), /not a valid SharedEvent: it does not carry the mark of a SharedEvent/);
  const real = new SharedEvent();
  assert.throws(() => SharedEvent.from(handle('SharedEvent', patched(real.buffer, { 0: 5 }))), /its flag is 5, expected 0 or 1/);
});
