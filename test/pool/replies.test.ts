import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Estimates } from '../../src/pool/dispatch.js';
import { Replies, type RepliesParts } from '../../src/pool/replies.js';
import { ReportListeners } from '../../src/pool/reports.js';
import { PoolCounters } from '../../src/pool/stats.js';
import { StopHooks } from '../../src/pool/stop-hooks.js';
import { TaskOutcomes } from '../../src/pool/task-outcomes.js';
import type { TaskAborts } from '../../src/pool/task-aborts.js';
import type { WorkerSet } from '../../src/pool/worker-set.js';
import type { WorkerSlot } from '../../src/pool/worker-slot.js';
import { RESULT_ERROR, RESULT_OK, RESULT_SKIPPED, taskCode, type ResultsMessage } from '../../src/wire/protocol.js';
import { toWire } from '../../src/tasks/wire-error.js';
import { FN, fakeSlot, records, table } from './fake-worker.js';

// Reading a worker's answers on its own: real outcomes, counters and estimates; a ready slot on a fake
// handle; a worker set and a pump that record what they are told.

function replies() {
  const counts = new PoolCounters();
  const estimates = new Estimates();
  const publisher = { pool: {}, kind: 'thread' as const, tasks: table };
  const idled: WorkerSlot[] = [];
  let pumps = 0;
  const parts: RepliesParts = {
    workers: { idle: (worker: WorkerSlot) => void idled.push(worker) } as unknown as WorkerSet,
    outcomes: new TaskOutcomes(counts, publisher, new StopHooks(() => assert.fail('nothing is stopped'))),
    aborts: {} as TaskAborts,
    counts,
    estimates,
    listeners: new ReportListeners(),
    publisher,
    onWorkerError: undefined,
    broken: () => false,
    pump: () => assert.fail('answers do not pump at once'),
    schedulePump: () => void pumps++,
    break: () => assert.fail('answers do not break the pool'),
  };
  return { read: new Replies(parts), counts, estimates, idled, pumps: () => pumps };
}

/** A ready thread slot holding `count` tasks of FN, sent as one batch. */
function holding(count: number) {
  const { worker } = fakeSlot();
  worker.ready();
  const tasks = records(count);
  worker.dispatch(tasks, false, table, assert.fail);
  return { worker, tasks };
}

test('answers settle the oldest tasks in order; the worker, empty, is idle, and the queue is pumped', async () => {
  const { read, counts, idled, pumps } = replies();
  const { worker, tasks } = holding(3);
  const failure = toWire(new RangeError('too big'));
  read.results(worker, [6, 0, RESULT_OK, 'a', RESULT_ERROR, failure, RESULT_OK, 'c'] as ResultsMessage);
  assert.equal(await tasks[0], 'a');
  await assert.rejects(tasks[1]!, { name: 'RangeError', message: 'too big' });
  assert.equal(await tasks[2], 'c');
  assert.equal(worker.inflight.length, 0);
  assert.deepEqual(tasks.map((task) => task.worker), [undefined, undefined, undefined]);
  assert.deepEqual([counts.completed, counts.failed, counts.busyMs], [2, 1, 6]);
  assert.deepEqual(idled, [worker]);
  assert.equal(pumps(), 1);
});

test('answers come in as many replies as the worker sends; a worker still holding tasks is not idle', () => {
  const { read, idled } = replies();
  const { worker, tasks } = holding(3);
  read.results(worker, [1, 0, RESULT_OK, 'a'] as ResultsMessage);
  assert.equal(worker.inflight.peek(), tasks[1]);
  assert.deepEqual(idled, []);
  read.results(worker, [1, 0, RESULT_OK, 'b', RESULT_OK, 'c'] as ResultsMessage);
  assert.deepEqual(idled, [worker]);
  assert.equal(worker.unanswered, 0);
});

test('a reply\'s busy time is shared by the tasks that ran: a skipped one costs nothing and is not counted', () => {
  const { read, counts, estimates } = replies();
  const { worker, tasks } = holding(3);
  // Cancelled before the worker reached it (in a pool, the engine takes it back then): the worker skips it.
  assert.equal(tasks[1]!.cancel(), true);
  read.results(worker, [3, 0, RESULT_OK, 'a', RESULT_SKIPPED, 0, RESULT_OK, 'c'] as ResultsMessage);
  assert.equal(estimates.of(taskCode(FN, false)), 1.5, '3 ms over the 2 tasks that ran');
  assert.deepEqual([counts.completed, counts.failed], [2, 0]);
  assert.equal(worker.inflight.length, 0);
});

test('answers from a worker that has exited are not read: its tasks were settled with its exit', () => {
  const { read, counts, idled } = replies();
  const { worker, tasks } = holding(1);
  worker.exited();
  read.results(worker, [1, 0, RESULT_OK, 'late'] as ResultsMessage);
  assert.equal(tasks[0]!.done(), false);
  assert.deepEqual([counts.completed, counts.busyMs, idled.length], [0, 0, 0]);
});
