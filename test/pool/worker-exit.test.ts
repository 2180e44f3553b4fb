import assert from 'node:assert/strict';
import { test } from 'node:test';
import { exitOf } from '../../src/pool/worker-exit.js';
import type { WorkerSlot } from '../../src/pool/worker-slot.js';
import { fakeSlot } from './fake-worker.js';

const noExit = { code: null, signal: null, error: undefined };

function worker(died?: { unstarted: number }): WorkerSlot {
  const slot = fakeSlot({ process: true }).worker;
  if (died !== undefined) slot.dying({ error: new Error('boom'), origin: 'uncaughtException', unstarted: died.unstarted });
  return slot;
}

test('a worker killed or exiting while running tasks fails them and leaves the pool whole', () => {
  const killed = exitOf(worker(), true, 'process', undefined, { ...noExit, signal: 'SIGKILL' });
  assert.deepEqual(killed, { message: 'a process worker was killed by SIGKILL while running the task', cause: undefined, broken: undefined });
  const exited = exitOf(worker(), true, 'thread', undefined, { ...noExit, code: 3 });
  assert.equal(exited.message, 'a thread worker exited with code 3 while running the task');
  assert.equal(exited.broken, undefined);
});

test('a worker that exits before it is ready, or dies of an error before any task, breaks the pool', () => {
  const unready = exitOf(worker(), false, 'thread', undefined, { ...noExit, code: 1, error: new Error('no module') });
  assert.equal(unready.broken, 'a thread worker exited with code 1 before it was ready: no module');
  const died = exitOf(worker({ unstarted: 0 }), true, 'process', undefined, noExit);
  assert.match(died.broken!, /^a process worker died of an uncaught exception raised outside any task's own call .* before it began any task: boom$/);
  assert.equal((died.cause as Error).message, 'boom');
  // Once it had begun a task, the error is that task's world, not the start's: the pool goes on.
  assert.equal(exitOf(worker({ unstarted: 1 }), true, 'process', undefined, noExit).broken, undefined);
});

test('a worker stopped by terminateWorkers() says so, and does not break the pool', () => {
  const stopped = exitOf(worker({ unstarted: 0 }), true, 'thread', 'terminateWorkers()', noExit);
  assert.equal(stopped.message, 'a thread worker was stopped by terminateWorkers() before the task finished');
  assert.equal(stopped.broken, undefined);
});
