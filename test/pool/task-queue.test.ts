import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TaskQueue } from '../../src/pool/task-queue.js';
import { TaskRecord } from '../../src/pool/task-record.js';
import { taskCode } from '../../src/wire/protocol.js';
import { nextTurn, track } from '../fixtures/settle.js';

function record(n: number): TaskRecord {
  return new TaskRecord(taskCode(0, false), [n], undefined);
}

function queue(maxQueue = Infinity, released: TaskRecord[] = [], open = () => true): TaskQueue {
  return new TaskQueue(maxQueue, (r) => released.push(r), open);
}

test('head skips records settled while queued, releasing them; take removes the head', () => {
  const released: TaskRecord[] = [];
  const q = queue(Infinity, released);
  const [a, b, c] = [record(0), record(1), record(2)];
  for (const r of [a, b, c]) q.push(r);
  assert.equal(q.live, 3);
  a.cancel();
  q.live--; // as the engine does where it settles a queued task
  assert.equal(q.head(), b);
  assert.deepEqual(released, [a]);
  q.take();
  assert.equal(q.live, 1);
  assert.equal(q.head(), c);
});

test('requeue puts records back at the front in the order given, and counts them', () => {
  const q = queue();
  const [a, b, c] = [record(0), record(1), record(2)];
  q.push(c);
  q.requeue([a, b]);
  assert.equal(q.live, 3);
  const order: TaskRecord[] = [];
  for (let r = q.head(); r !== undefined; r = q.head()) {
    order.push(r);
    q.take();
  }
  assert.deepEqual(order, [a, b, c]);
});

test('admits refuses a counted submit at maxQueue; uncounted ones always pass', () => {
  const q = queue(2);
  assert.equal(q.admits(true), true);
  q.push(record(0));
  q.push(record(1));
  assert.equal(q.admits(true), false);
  assert.equal(q.admits(false), true);
});

test('room() holds a place for the producer it lets through until its submit or the end of the turn', async () => {
  const q = queue(1);
  await q.room(undefined);
  // The place is held: a second producer waits, although the queue is empty.
  const second = track(q.room(undefined));
  await Promise.resolve();
  assert.equal(second.settled, false);
  // The first one never submits: at the turn's end its place goes to the second.
  await nextTurn();
  await nextTurn();
  assert.equal(second.state, 'fulfilled');
  // The second submits (admits uses up its place) and fills the queue: a third waits until it drains.
  assert.equal(q.admits(true), true);
  q.push(record(0));
  const third = track(q.room(undefined));
  await nextTurn();
  assert.equal(third.settled, false);
  q.head();
  q.take();
  q.wakeWaiters();
  await nextTurn();
  assert.equal(third.state, 'fulfilled');
});

test('waiters are not woken once the pool is closed, and refuseWaiters rejects them', async () => {
  let open = true;
  const q = queue(1, [], () => open);
  q.push(record(0));
  const waiting = track(q.room(undefined));
  open = false;
  q.head();
  q.take();
  q.wakeWaiters();
  await nextTurn();
  assert.equal(waiting.settled, false);
  assert.equal(q.waiting, true);
  q.refuseWaiters(new Error('closed'));
  await nextTurn();
  assert.equal(waiting.state, 'rejected');
  assert.equal(q.waiting, false);
});
