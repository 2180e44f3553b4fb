import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { Condition, InvalidStateError, Lock } from 'aiox';
import { nextTurn, track } from '../fixtures/settle.js';

/** Starts `count` tasks that each take the lock, wait, and record their number once they hold it again. */
async function waiters(cond: Condition, count: number, woken: number[]): Promise<Promise<void>[]> {
  const tasks = Array.from({ length: count }, async (_, i) => {
    await cond.acquire();
    await cond.wait();
    woken.push(i);
    cond.release();
  });
  await nextTurn();
  return tasks;
}

test('using the condition without holding its lock throws InvalidStateError', async () => {
  const cond = new Condition();
  await assert.rejects(cond.wait(), InvalidStateError);
  await assert.rejects(cond.waitFor(() => true), InvalidStateError);
  assert.throws(() => cond.notify(), InvalidStateError);
  assert.throws(() => cond.notifyAll(), InvalidStateError);
});

test('wait releases the lock while waiting and holds it again when it returns', async () => {
  const cond = new Condition();
  await cond.acquire();
  const waiting = track(cond.wait());
  await nextTurn();
  assert.equal(cond.locked(), false, 'the lock is free while waiting');
  await cond.acquire();
  cond.notify();
  await nextTurn();
  assert.equal(waiting.state, 'pending', 'the woken waiter needs the lock back first');
  cond.release();
  await nextTurn();
  assert.equal(waiting.state, 'fulfilled');
  assert.equal(cond.locked(), true, 'the waiter holds the lock again');
});

test('notify(n) wakes n waiters in arrival order, notifyAll the rest', async () => {
  const cond = new Condition();
  const woken: number[] = [];
  const tasks = await waiters(cond, 5, woken);
  await cond.acquire();
  cond.notify();
  cond.release();
  await nextTurn();
  assert.deepEqual(woken, [0]);
  await cond.acquire();
  cond.notify(2);
  cond.release();
  await nextTurn();
  assert.deepEqual(woken, [0, 1, 2]);
  await cond.acquire();
  cond.notifyAll();
  cond.release();
  await Promise.all(tasks);
  assert.deepEqual(woken, [0, 1, 2, 3, 4]);
});

test('waitFor checks the predicate first and after each notification, and returns its value', async () => {
  const cond = new Condition();
  let items: string[] = [];
  let checks = 0;
  await cond.acquire();
  const waiting = track(
    cond.waitFor(() => {
      checks++;
      return items.length > 1 && items;
    }),
  );
  await nextTurn();
  for (const item of ['a', 'b']) {
    await cond.acquire();
    items = [...items, item];
    cond.notify();
    cond.release();
    await nextTurn();
  }
  assert.deepEqual(waiting.value, ['a', 'b']);
  assert.equal(checks, 3);
  assert.equal(await cond.waitFor(() => 7), 7, 'a true predicate returns at once');
  cond.release();
});

test('an aborted wait takes the lock back before it rejects, and leaves no listener', async () => {
  const cond = new Condition();
  await cond.acquire();
  const controller = new AbortController();
  const reason = new Error('abort');
  let heldWhenRejected: boolean | undefined;
  const waiting = track(
    cond.wait({ signal: controller.signal }).catch((error: unknown) => {
      heldWhenRejected = cond.locked();
      throw error;
    }),
  );
  await nextTurn();
  const other = await cond.acquire(); // someone else holds the lock when the abort comes
  controller.abort(reason);
  await nextTurn();
  assert.equal(waiting.state, 'pending', 'it must wait for the lock before rejecting');
  assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
  other.release();
  await nextTurn();
  assert.equal(waiting.reason, reason);
  assert.equal(heldWhenRejected, true);
  cond.release();
});

test('a waiter notified before its signal aborts still returns normally: the notification is not lost', async () => {
  const cond = new Condition();
  await cond.acquire();
  const controller = new AbortController();
  const waiting = track(cond.wait({ signal: controller.signal }));
  await nextTurn();
  await cond.acquire();
  cond.notify();
  controller.abort();
  cond.release();
  await nextTurn();
  assert.equal(waiting.state, 'fulfilled');
  assert.equal(cond.locked(), true);
  cond.release();
});

test('conditions can share one lock', async () => {
  const lock = new Lock();
  const a = new Condition(lock);
  const b = new Condition(lock);
  await a.acquire();
  assert.equal(b.locked(), true);
  b.release();
  assert.equal(lock.locked(), false);
  assert.throws(() => new Condition({} as Lock), TypeError);
});

test('a handle made stale while a wait() had given the lock up never frees a later holder', async () => {
  const cond = new Condition();
  const first = await cond.acquire();
  const stop = new AbortController();
  const waiting = cond.wait({ signal: stop.signal });
  const other = await cond.acquire(); // taken while the waiter has given the lock up
  cond.release(); // a plain release ends that hold: `other` is stale from here on
  stop.abort(new Error('stop waiting'));
  await assert.rejects(waiting, /stop waiting/); // the waiter took the lock back first
  first.release();
  const next = await cond.acquire();
  other.release(); // stale: must not free `next`'s hold
  assert.equal(cond.locked(), true);
  next.release();
});

test("the handle from acquire() still releases the lock after wait() gave it up and took it back", async () => {
  const cond = new Condition();
  const held = await cond.acquire();
  const waiting = track(cond.wait());
  await nextTurn();
  const other = await cond.acquire(); // someone else holds the lock meanwhile
  cond.notify();
  cond.release(); // a plain release ends that hold: `other` is stale from here on
  await nextTurn();
  assert.equal(waiting.state, 'fulfilled');
  other.release(); // stale: does nothing to the waiter's hold
  assert.equal(cond.locked(), true);
  held.release(); // the waiter's own handle ends its hold
  assert.equal(cond.locked(), false);
  const next = await cond.acquire();
  other.release(); // still stale: the next holder keeps the lock
  assert.equal(cond.locked(), true);
  next.release();
});
