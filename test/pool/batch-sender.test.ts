import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BatchSender, type BatchSenderParts } from '../../src/pool/batch-sender.js';
import { Estimates, estimateKey, PIPELINE_MS } from '../../src/pool/dispatch.js';
import { PoolCounters } from '../../src/pool/stats.js';
import type { TaskOutcomes } from '../../src/pool/task-outcomes.js';
import { TaskQueue } from '../../src/pool/task-queue.js';
import { TaskRecord } from '../../src/pool/task-record.js';
import type { WorkerSet } from '../../src/pool/worker-set.js';
import type { WorkerSlot } from '../../src/pool/worker-slot.js';
import { taskCode } from '../../src/wire/protocol.js';
import { FN, fakeSlot, table } from './fake-worker.js';

// The acting half of the dispatch policy on its own: a real queue and estimates, ready slots on fake handles,
// and a worker set and outcomes that record what they are told.

function sender(workers: WorkerSlot[], maxWorkers = workers.length) {
  const queue = new TaskQueue(Infinity, () => undefined, () => true);
  const estimates = new Estimates();
  const idled: WorkerSlot[] = [];
  const failed: [TaskRecord, unknown][] = [];
  const parts: BatchSenderParts = {
    queue,
    estimates,
    counts: new PoolCounters(),
    maxWorkers,
    tasks: table,
    publisher: { pool: {}, kind: 'thread', tasks: table },
    workers: { all: workers, idle: (worker: WorkerSlot) => void idled.push(worker) } as unknown as WorkerSet,
    outcomes: { fail: (record: TaskRecord, error: unknown) => void failed.push([record, error]) } as unknown as TaskOutcomes,
    aborts: { hold: () => undefined, release: () => undefined },
  };
  return { batches: new BatchSender(parts), queue, estimates, idled, failed };
}

/** Queues `count` calls of FN, task `i` with arguments `[i]`. */
function enqueue(queue: TaskQueue, count: number): TaskRecord[] {
  return Array.from({ length: count }, (_, i) => {
    const record = new TaskRecord(taskCode(FN, false), [i], undefined);
    queue.push(record);
    return record;
  });
}

function ready(id: number): WorkerSlot {
  const { worker } = fakeSlot({ id });
  worker.ready();
  return worker;
}

test('send: an idle worker takes a fair share of the queue for maxWorkers, as one batch, oldest first', () => {
  const [a, b] = [ready(1), ready(2)];
  const { batches, queue, estimates } = sender([a, b]);
  estimates.learn(estimateKey(taskCode(FN, false)), 0.001);
  const tasks = enqueue(queue, 10);
  batches.send(a, false);
  assert.deepEqual([...Array(a.inflight.length).keys()].map((i) => a.inflight.at(i)), tasks.slice(0, 5));
  assert.equal(queue.live, 5);
  batches.send(b, false);
  assert.equal(b.inflight.length, 3, 'a fair share of what is left');
});

test('send: a task whose function was never timed goes alone, and nothing joins it', () => {
  const worker = ready(1);
  const { batches, queue } = sender([worker]);
  enqueue(queue, 4);
  batches.send(worker, false);
  assert.equal(worker.inflight.length, 1, 'an untimed task may start a batch on an idle worker, not join one');
  batches.send(worker, false);
  assert.equal(worker.inflight.length, 1, 'nor join a worker holding an untimed task');
  assert.equal(queue.live, 3);
});

test('send: a busy worker is given more only while what it holds is expected to take at most PIPELINE_MS', () => {
  const worker = ready(1);
  const { batches, queue, estimates } = sender([worker], 1);
  estimates.learn(estimateKey(taskCode(FN, false)), PIPELINE_MS / 4);
  enqueue(queue, 10);
  batches.send(worker, false);
  assert.equal(worker.inflight.length, 4, 'four tasks of PIPELINE_MS / 4 fill the pipeline');
  batches.send(worker, false);
  assert.equal(worker.inflight.length, 4, 'a full pipeline takes no more');
  assert.equal(queue.live, 6);
});

test('send: a task whose arguments cannot be sent fails alone with a TypeError; its batch-mates are sent', () => {
  const worker = ready(1);
  const { batches, queue, estimates, failed } = sender([worker], 1);
  estimates.learn(estimateKey(taskCode(FN, false)), 0.001);
  const tasks = enqueue(queue, 3);
  const handle = worker.handle as unknown as { post: (message: unknown[]) => void };
  const post = handle.post.bind(handle);
  // Stands in for a structured clone that fails on task 1's arguments.
  handle.post = (message) => {
    if (message.some((item) => Array.isArray(item) && item[0] === 1)) throw new Error('could not be cloned');
    post(message);
  };
  batches.send(worker, false);
  assert.deepEqual(failed.map(([record]) => record), [tasks[1]]);
  assert.ok(failed[0]![1] instanceof TypeError);
  assert.match((failed[0]![1] as Error).message, /^the task's arguments could not be sent to the worker: could not be cloned$/);
  assert.deepEqual([0, 1].map((i) => worker.inflight.at(i)), [tasks[0], tasks[2]]);
});

test('rebalance: with the queue empty and a worker idle, half the unstarted tasks of the most loaded one are queued again, in order', () => {
  const [busy, idle] = [ready(1), ready(2)];
  const { batches, queue, estimates } = sender([busy, idle], 1);
  estimates.learn(estimateKey(taskCode(FN, false)), 0.001);
  const tasks = enqueue(queue, 6);
  batches.send(busy, false);
  assert.equal(busy.inflight.length, 6);
  assert.equal(queue.live, 0);
  assert.equal(batches.rebalance(), true);
  assert.equal(busy.inflight.length, 3);
  assert.equal(queue.live, 3);
  assert.deepEqual([queue.head(), queue.at(1), queue.at(2)], tasks.slice(3), 'the newest half, oldest first');
  assert.deepEqual(tasks.slice(3).map((record) => record.worker), [undefined, undefined, undefined]);
  assert.equal(sender([ready(3)]).batches.rebalance(), false, 'no worker holds anything to give back');
});
