import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TaskRecord } from '../../src/pool/task-record.js';
import { StopHook } from '../../src/pool/stop-hooks.js';
import { WorkerState } from '../../src/pool/worker-slot.js';
import { GUARDED } from '../../src/wire/protocol.js';
import { nextTurn } from '../fixtures/settle.js';
import { fakeSlot as slot, records as recordsOf, table } from './fake-worker.js';

// One slot on a handle that records what the engine would have done to the worker; no worker starts.

/** `count` tasks timed at 0.1 ms each, unless `expected` says otherwise; `hook`: see fake-worker.ts. */
const records = (count: number, expected = 0.1, hook?: StopHook): TaskRecord[] => recordsOf(count, expected, hook);

test('a slot goes STARTING -> READY -> RETIRING as its budget is spent, and back to READY on a refund', () => {
  const { worker, handle } = slot({ budget: 3 });
  assert.equal(worker.state, WorkerState.STARTING);
  assert.equal(worker.accepting, false);
  worker.ready();
  assert.equal(worker.accepting, true);
  const batch = records(3);
  worker.dispatch(batch, false, table, assert.fail);
  assert.equal(worker.state, WorkerState.RETIRING);
  assert.deepEqual(handle.calls, ['ref']);
  assert.deepEqual(
    batch.map((r) => [r.worker, r.seq]),
    [
      [worker, 0],
      [worker, 1],
      [worker, 2],
    ],
  );
  assert.equal(worker.inflight.length, 3);
  assert.equal(worker.expectedMs.toFixed(1), '0.3');
  assert.equal(worker.revoke(2), true, 'a thread takes back a task it has not claimed');
  assert.equal(worker.state, WorkerState.READY);
  assert.equal(worker.budget, 1);
});

test('a starting slot sent the task that spends its budget retires once ready, not before', () => {
  const { worker, handle } = slot({ budget: 1 });
  assert.equal(worker.takesFirstTask, true);
  worker.dispatch(records(1), false, table, assert.fail);
  assert.equal(handle.posted.length, 1, 'sent while the worker starts');
  assert.equal(worker.state, WorkerState.STARTING);
  worker.ready();
  assert.equal(worker.state, WorkerState.RETIRING);
  assert.equal(worker.accepting, false);
});

test('a starting process is not asked to stop the task it was sent: it has not begun it', () => {
  const { worker, handle } = slot({ process: true });
  worker.dispatch(records(1), false, table, assert.fail);
  worker.askAllToStop(new Error('shutting down'));
  assert.deepEqual(handle.calls, ['ref']);
  worker.ready();
  worker.askAllToStop(new Error('shutting down'));
  assert.deepEqual(handle.calls, ['ref', 'tell abort 0']);
});

test('answers: answered() counts them and shift() removes the oldest task, clearing its worker', () => {
  const { worker } = slot();
  worker.ready();
  const batch = records(2, Number.NaN);
  worker.dispatch(batch, false, table, assert.fail);
  assert.equal(worker.untimed, 2);
  assert.equal(worker.answered(2), 0);
  assert.equal(worker.unanswered, 0);
  assert.equal(worker.shift(), batch[0]);
  assert.equal(batch[0]!.worker, undefined);
  assert.equal(worker.untimed, 1);
  assert.equal(worker.idle(), false);
});

test('a batch that cannot be sent is sent task by task; each task that fails gives its budget back', () => {
  const { worker, handle } = slot({ budget: 2 });
  worker.ready();
  handle.refuse = true;
  const failed: TaskRecord[] = [];
  const batch = records(2);
  worker.dispatch(batch, false, table, (record) => failed.push(record));
  assert.deepEqual(failed, batch);
  assert.equal(worker.budget, 2);
  assert.equal(worker.state, WorkerState.READY);
  assert.equal(worker.inflight.length, 0);
  assert.equal(batch[0]!.worker, undefined);
});

test('stop() is a transition once; terminate() signals again; exited() says whether it had started', () => {
  const { worker, handle } = slot();
  assert.equal(worker.stop('idle'), true);
  assert.equal(worker.stop('abort'), false);
  assert.equal(worker.stoppedFor, 'idle');
  assert.equal(worker.stopping, true);
  worker.terminate('SIGKILL');
  assert.deepEqual(handle.calls, ['terminate', 'terminate SIGKILL']);
  assert.equal(worker.exited(), true, 'one told to stop counts as started: its exit does not break the pool');
  assert.equal(worker.state, WorkerState.EXITED);
  assert.equal(slot().worker.exited(), false, 'one that exits while starting never said it was ready');
});

test('a process with an aborted task is killed once that task is its first unanswered one', () => {
  const { worker, handle } = slot({ process: true });
  worker.ready();
  const batch = [...records(2), ...records(1, 0.1, new StopHook(undefined, 1, false))];
  worker.dispatch(batch, false, table, assert.fail);
  assert.equal(handle.posted[0]![2], GUARDED);
  assert.equal(worker.canWithdraw, false);
  assert.equal(worker.revoke(2), false, 'a process cannot take back what it was sent');
  assert.equal(worker.abortedTask(batch[2]!, () => assert.fail(), () => assert.fail()), -1, 'two answers come before it');
  worker.answered(1);
  worker.shift();
  assert.equal(worker.answeredStops(), -1);
  worker.answered(1);
  worker.shift();
  assert.equal(worker.answeredStops(), 2, 'it runs task 2 now');
  // Killed for it: only that task may have begun; the others would run elsewhere.
  worker.stop('abort');
  assert.equal(worker.mayHaveBegun(batch[2]!), true);
});

test('a thread whose aborted task may be running gives back what it has not claimed and must stop', () => {
  const { worker } = slot();
  worker.ready();
  const batch = records(3);
  worker.dispatch(batch, false, table, assert.fail);
  const requeued: TaskRecord[][] = [];
  assert.equal(
    worker.abortedTask(batch[0]!, (taken) => requeued.push(taken), () => assert.fail()),
    0,
  );
  assert.deepEqual(requeued, [[batch[1], batch[2]]], 'oldest first: queued again in the order they were submitted');
  assert.equal(worker.inflight.length, 1);
  assert.equal(worker.budget, 99);
});

test('a stop without grace waits for the answers already arrived: a task answered by then keeps its worker', async () => {
  for (const isProcess of [false, true]) {
    const { worker } = slot({ process: isProcess });
    worker.ready();
    const [finished, hung] = records(2);
    worker.dispatch([finished!], false, table, assert.fail);
    worker.dispatch([hung!], false, table, assert.fail);
    const stops: number[] = [];
    worker.graceThenStop(finished!.seq, 0, () => stops.push(finished!.seq));
    worker.graceThenStop(hung!.seq, 0, () => stops.push(hung!.seq));
    assert.deepEqual(stops, [], 'not in the same call: answers waiting on the channel are read first');
    assert.equal(worker.accepting, false, 'it takes no new work meanwhile');
    // Referenced: an unreferenced immediate would let the event loop block in its poll phase, with the stop
    // not due until some other event came.
    assert.ok(process.getActiveResourcesInfo().includes('Immediate'), 'the stop is due in this turn of the event loop');
    // The first task's answer had arrived when it was aborted: the engine reads it before the stop is due.
    worker.answered(1);
    worker.shift();
    await nextTurn();
    assert.deepEqual(stops, [hung!.seq], `${isProcess ? 'process' : 'thread'}: only the task not answered stops its worker`);
    assert.equal(worker.stoppedForTask, hung!.seq);
  }
});
