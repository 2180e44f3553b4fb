import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  batchLimit,
  Estimates,
  estimateKey,
  laneLimit,
  liveWorkers,
  MAX_BATCH,
  MAX_INFLIGHT,
  mayJoin,
  PIPELINE_MS,
  pickStarting,
  pickWorker,
  rebalanceFrom,
} from '../../src/pool/dispatch.js';
import { StopHook } from '../../src/pool/stop-hooks.js';
import type { TaskRecord } from '../../src/pool/task-record.js';
import { WorkerState, type WorkerSlot } from '../../src/pool/worker-slot.js';
import { CLAIM_RING } from '../../src/wire/claims.js';
import { taskCode } from '../../src/wire/protocol.js';
import { fakeSlot, records, table } from './fake-worker.js';

// The dispatch policy on its own: slots on handles that record what is done to them, no worker started.

let nextId = 1;

/**
 * A slot (ready unless told otherwise) holding tasks expected to take `expected` ms each (NaN: not timed),
 * the first `runningOn` of them answered RESULT_RUNNING (with `concurrency` above 1). A thread unless `process`.
 */
function slot({ holding = [] as number[], budget = 1000, process = false, ready = true, concurrency = 1, runningOn = 0 } = {}): WorkerSlot {
  const { worker } = fakeSlot({ id: nextId++, budget, process, concurrency });
  if (ready) worker.ready();
  if (holding.length > 0) worker.dispatch(holding.map((expected) => record(expected)), false, table, assert.fail);
  for (let i = 0; i < runningOn; i++) worker.runOn();
  return worker;
}

function record(expected = Number.NaN, hook?: StopHook): TaskRecord {
  return records(1, expected, hook)[0]!;
}

test('mayJoin: an idle worker takes anything; a busy one only timed tasks while it holds at most PIPELINE_MS', () => {
  assert.equal(mayJoin(0, 0, 0, Number.NaN), true);
  assert.equal(mayJoin(3, 100, 0, 50), true, 'held 0 means idle, whatever the counters say');
  assert.equal(mayJoin(0, 0.5, 2, Number.NaN), false, 'an untimed task only goes to an idle worker');
  assert.equal(mayJoin(1, 0, 2, 0.1), false, 'nothing joins an untimed task');
  assert.equal(mayJoin(0, PIPELINE_MS - 0.5, 2, 0.5), true);
  assert.equal(mayJoin(0, PIPELINE_MS - 0.5, 2, 0.6), false);
  assert.equal(mayJoin(0, 0, MAX_INFLIGHT, 0), false);
});

test('estimates: NaN until learnt, then smoothed; a function and its map chunks are kept apart', () => {
  const estimates = new Estimates();
  const single = taskCode(3, false);
  const chunk = taskCode(3, true);
  assert.notEqual(estimateKey(single), estimateKey(chunk));
  assert.ok(Number.isNaN(estimates.of(single)));
  estimates.learn(estimateKey(single), 10);
  assert.equal(estimates.of(single), 10);
  estimates.learn(estimateKey(single), 20);
  assert.equal(estimates.of(single), 13);
  assert.ok(Number.isNaN(estimates.of(chunk)));
  // Every code has a key of its own.
  const keys = new Set([0, 1, 2].flatMap((id) => [estimateKey(taskCode(id, false)), estimateKey(taskCode(id, true))]));
  assert.equal(keys.size, 6);
  // Listened to or not, a function's calls are one estimate, and so are its chunks.
  assert.equal(estimateKey(taskCode(3, false, true)), estimateKey(single));
  assert.equal(estimateKey(taskCode(3, true, true)), estimateKey(chunk));
});

test('batchLimit: a fair share of the queue, within the budget, MAX_BATCH and the claim ring; 1 for a background task', () => {
  const worker = slot();
  assert.equal(batchLimit(10, 4, worker, false), 3);
  assert.equal(batchLimit(1, 4, worker, false), 1);
  assert.equal(batchLimit(100_000, 1, worker, false), MAX_BATCH);
  assert.equal(batchLimit(100, 1, worker, true), 1);
  assert.equal(batchLimit(100, 1, slot({ budget: 7 }), false), 7);
  const busy = slot({ holding: [0.001, 0.001] });
  assert.equal(busy.unanswered, 2);
  assert.equal(batchLimit(CLAIM_RING * 2, 1, busy, false), MAX_BATCH);
  assert.equal(CLAIM_RING - busy.unanswered >= MAX_BATCH, true);
});

test('pickWorker: an idle worker first, else the least loaded one the task may join', () => {
  const slow = slot({ holding: [1] });
  const fast = slot({ holding: [0.25, 0.25] });
  const idle = slot();
  assert.equal(pickWorker([slow, fast, idle], false, 0.5), idle);
  assert.equal(pickWorker([slow, fast], false, 0.5), fast);
  assert.equal(pickWorker([slow, fast], false, 1.6), undefined, 'joining either would exceed PIPELINE_MS');
  assert.equal(pickWorker([slow, fast], false, Number.NaN), undefined, 'an untimed task waits for an idle worker');
  assert.equal(pickWorker([slow, fast], true, 0.1), undefined, 'a background task waits for an idle worker');
  assert.equal(pickWorker([slot({ holding: [Number.NaN] })], false, 0.1), undefined, 'nothing joins an untimed task');
});

test('estimates: a function runs on once one of its tasks was answered RESULT_RUNNING; its map chunks apart', () => {
  const estimates = new Estimates();
  const single = taskCode(5, false);
  assert.equal(estimates.runsOn(single), false);
  estimates.learnRunsOn(single);
  assert.equal(estimates.runsOn(single), true);
  assert.equal(estimates.runsOn(taskCode(5, true)), false);
  assert.equal(Number.isNaN(estimates.of(single)), true, 'running on teaches no time');
});

test('laneLimit: a thread holds a quarter more than its lanes (it can give them back), a process its lanes', () => {
  assert.equal(laneLimit(slot({ concurrency: 16 })), 20);
  assert.equal(laneLimit(slot({ concurrency: 2 })), 3);
  assert.equal(laneLimit(slot({ concurrency: 16, process: true })), 16);
});

test('pickWorker: a task that runs on fills free lanes, a worker with nothing waiting in it first', () => {
  const untimed = Number.NaN;
  // a holds 3 running on and 1 waiting; b holds 2 running on: b, whatever the untimed tasks.
  const a = slot({ holding: [untimed, untimed, untimed, untimed], concurrency: 4, runningOn: 3 });
  const b = slot({ holding: [untimed, untimed], concurrency: 4, runningOn: 2 });
  assert.equal(pickWorker([a, b], false, untimed, true), b);
  // a alone: a task known to run on joins the one waiting in it (4 held, laneLimit 5); another does not.
  assert.equal(pickWorker([a], false, untimed, true), a);
  assert.equal(pickWorker([a], false, untimed, false), undefined, 'not known to run on: only to a worker with nothing waiting');
  // Both have something waiting: the fewest held with room (laneLimit 5).
  const c = slot({ holding: [untimed, untimed, untimed, untimed, untimed], concurrency: 4, runningOn: 4 });
  const d = slot({ holding: [untimed, untimed, untimed], concurrency: 4, runningOn: 1 });
  assert.equal(pickWorker([c, d], false, untimed, true), d);
  assert.equal(pickWorker([c], false, untimed, true), undefined, 'c is full: 4 running on and 1 waiting');
  // A background task ignores lanes.
  assert.equal(pickWorker([a, b], true, untimed, true), undefined);
});

test('pickWorker and rebalanceFrom agree: work taken back for an idle worker does not go back where it was', () => {
  const untimed = Number.NaN;
  // a: 1 running on, 2 sent and not begun (3 held); b: 3 running on, nothing waiting (idle to rebalanceFrom).
  const a = slot({ holding: [untimed, untimed, untimed], concurrency: 4, runningOn: 1 });
  const b = slot({ holding: [untimed, untimed, untimed], concurrency: 4, runningOn: 3 });
  assert.equal(rebalanceFrom([a, b]), a);
  assert.equal(a.takeBack(a.inflight.length >> 1).length, 1);
  // a now holds fewer than b, yet the task goes to b: back to a, it would be taken back again, and again.
  assert.equal(pickWorker([a, b], false, untimed, true), b);
});

test('pickWorker: a worker starting, stopping, spare, retired or holding a background task takes nothing', () => {
  const starting = slot({ ready: false });
  const stopping = slot();
  stopping.stop('other');
  const spare = slot();
  spare.keepAsSpare();
  const retired = slot({ budget: 1, holding: [0.1] });
  assert.equal(retired.state, WorkerState.RETIRING);
  const background = slot();
  const task = record(0.1, new StopHook(undefined, Infinity, true));
  background.dispatch([task], true, table, assert.fail);
  assert.equal(pickWorker([starting, stopping, spare, retired, background], false, 0.1), undefined);
  assert.equal(liveWorkers([starting, stopping, spare, retired, background]), 3, 'stopping and spare workers are not live');
});

test('pickStarting: while no worker is up, a starting one that holds nothing takes the first task', () => {
  const first = slot({ ready: false });
  const second = slot({ ready: false });
  assert.equal(first.takesFirstTask, true);
  assert.equal(pickStarting([first, second], false), first);
  assert.equal(pickStarting([first, second], true), first, 'a thread can take back an abortable task it has not begun');
  first.dispatch([record()], false, table, assert.fail);
  assert.equal(first.state, WorkerState.STARTING);
  assert.equal(first.takesFirstTask, false, 'one task each while starting');
  assert.equal(pickStarting([first, second], false), second);
  second.dispatch([record()], false, table, assert.fail);
  assert.equal(pickStarting([first, second], false), undefined);
});

test('pickStarting: nothing once a worker is up, nor for a spare, a stopping worker or a spent budget', () => {
  const starting = slot({ ready: false });
  assert.equal(pickStarting([slot({ holding: [Number.NaN] }), starting], false), undefined, 'a worker is up: the new one waits to be ready');
  const spare = slot({ ready: false });
  spare.keepAsSpare();
  assert.equal(spare.takesFirstTask, false);
  const stopping = slot();
  stopping.stop('other');
  assert.equal(pickStarting([stopping, spare, starting], false), starting, 'stopping workers and spares do not count as up');
  assert.equal(pickStarting([spare], false), undefined);
  assert.equal(slot({ ready: false, budget: 0 }).takesFirstTask, false);
});

test('pickStarting: a starting process takes no task that may be aborted (it could not give it back)', () => {
  const process = slot({ process: true, ready: false });
  assert.equal(pickStarting([process], true), undefined);
  assert.equal(pickStarting([process], false), process);
});

test('rebalanceFrom: with a worker idle, the most loaded thread worker holding at least 2 gives work back', () => {
  const idle = slot();
  const two = slot({ holding: [Number.NaN, Number.NaN] });
  const three = slot({ holding: [Number.NaN, Number.NaN, Number.NaN] });
  const one = slot({ holding: [Number.NaN] });
  const process = slot({ process: true, holding: [Number.NaN, Number.NaN, Number.NaN, Number.NaN] });
  assert.equal(rebalanceFrom([two, three, one]), undefined, 'no worker is idle');
  assert.equal(rebalanceFrom([idle, two, three, one, process]), three, 'a process cannot give work back');
  assert.equal(rebalanceFrom([idle, one]), undefined);
});
