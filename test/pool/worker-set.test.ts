import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BrokenThreadPool } from '../../src/futures/errors.js';
import type { Transport } from '../../src/pool/transport.js';
import { WorkerSet, sparesWanted } from '../../src/pool/worker-set.js';
import { WorkerState, type WorkerSlot } from '../../src/pool/worker-slot.js';
import { enableMockTimers } from '../fixtures/quiet.js';
import { FakeHandle } from './fake-worker.js';

// A worker set on a transport whose workers are handles that record what was done to them; no worker starts.
// A worker is made ready by calling ready() on its slot, as the engine does when the worker says so.

function workerSet({ maxWorkers = 2, minWorkers = 0, idleTimeout = Infinity, queued = 1, open = true } = {}): { set: WorkerSet; replaced: () => number } {
  let replaced = 0;
  const transport: Transport = { kind: 'thread', Broken: BrokenThreadPool, canWithdraw: true, spawn: () => new FakeHandle() };
  const set = new WorkerSet(
    { transport, maxWorkers, minWorkers, idleTimeout, maxTasksPerWorker: Infinity, init: { initializer: undefined, initargs: [], uncaughtErrors: 'exit' } },
    { message: () => undefined, exit: () => undefined, queued: () => queued, open: () => open, replaced: () => void replaced++ },
  );
  return { set, replaced: () => replaced };
}

/** `maxWorkers` workers started for work and ready. */
function running(set: WorkerSet, count: number): WorkerSlot[] {
  return Array.from({ length: count }, () => {
    const worker = set.spawn(true);
    worker.ready();
    return worker;
  });
}

const spares = (set: WorkerSet): WorkerSlot[] => set.all.filter((w) => w.spare && !w.stopping);
const live = (set: WorkerSet): WorkerSlot[] => set.all.filter((w) => !w.spare && !w.stopping);

test('sparesWanted: one after the first stop; one more while stops come faster than a start, up to maxWorkers; one fewer when one was left unused', () => {
  assert.equal(sparesWanted(0, undefined, 0, 4), 1, 'the first stop for an abort');
  assert.equal(sparesWanted(1, false, 0, 4), 2, 'the spare taken was still starting');
  assert.equal(sparesWanted(2, undefined, 0, 4), 3, 'no spare was left');
  assert.equal(sparesWanted(4, false, 0, 4), 4, 'never more than maxWorkers');
  assert.equal(sparesWanted(1, false, 0, 1), 1, 'never more than maxWorkers');
  assert.equal(sparesWanted(3, true, 0, 4), 3, 'the spare taken was ready, and no other: as many');
  assert.equal(sparesWanted(3, true, 2, 4), 2, 'another was ready too: one fewer');
  assert.equal(sparesWanted(1, true, 1, 4), 1, 'never fewer than one');
});

test('a worker stopped for an abort is replaced at once, and a spare starts that takes no work', () => {
  const { set, replaced } = workerSet();
  const [a, b] = running(set, 2);
  set.stop(a!, 'abort');
  assert.equal(a!.state, WorkerState.STOPPING);
  assert.equal(replaced(), 1);
  // b, and a fresh replacement for a (no spare was started before the first stop).
  assert.equal(live(set).length, 2);
  assert.ok(live(set).includes(b!));
  assert.equal(spares(set).length, 1);
  const [spare] = spares(set);
  spare!.ready();
  assert.equal(spare!.accepting, false, 'a spare takes no work');
  assert.equal((spare!.handle as FakeHandle).referenced, false, 'a spare does not keep the program alive');
});

test('stops that come faster than a start keep more spares started, up to maxWorkers, and a ready spare is taken first', () => {
  const { set } = workerSet({ maxWorkers: 2 });
  const [a, b] = running(set, 2);
  set.stop(a!, 'abort');
  const [first] = spares(set);
  // b is stopped while the spare started at a's stop is still starting: that spare replaces b, and two start.
  set.stop(b!, 'abort');
  assert.equal(first!.spare, false, 'the starting spare replaced b');
  assert.equal(spares(set).length, 2, 'stops came faster than a start: two spares now');
  const [older, newer] = spares(set);
  // The newer spare is ready first: it replaces the next stopped worker, not the older one still starting.
  newer!.ready();
  const replacement = live(set)[0]!;
  replacement.ready();
  set.stop(replacement, 'abort');
  assert.equal(newer!.spare, false, 'the ready spare replaced it');
  assert.equal(older!.spare, true, 'the starting one is still a spare');
  assert.equal(live(set).length, 2);
  assert.equal(spares(set).length, 2, 'never more spares than maxWorkers');
  assert.equal(set.all.filter((w) => w.spare).length, 2);
});

test('with maxWorkers 1, one spare at most', () => {
  const { set } = workerSet({ maxWorkers: 1 });
  let [worker] = running(set, 1);
  for (let i = 0; i < 3; i++) {
    set.stop(worker!, 'abort');
    worker = live(set)[0]!;
    worker.ready();
  }
  assert.equal(spares(set).length, 1);
  assert.equal(live(set).length, 1);
});

test('a spare stopped (idle, shutdown) is a spare no more: the next stopped worker gets a fresh start', () => {
  const { set } = workerSet({ maxWorkers: 1 });
  const [a] = running(set, 1);
  set.stop(a!, 'abort');
  const [spare] = spares(set);
  set.stop(spare!, 'idle');
  assert.equal((spare!.handle as FakeHandle).terminated, true);
  const replacement = live(set)[0]!;
  replacement.ready();
  set.stop(replacement, 'abort');
  assert.equal(spare!.spare, true, 'the stopped spare did not replace it');
  assert.equal(live(set).length, 1);
  assert.notEqual(live(set)[0], spare);
  assert.equal(spares(set).length, 1, 'and a spare starts again');
});

test('a pool that takes no more work does not replace a worker stopped for an abort', () => {
  const { set, replaced } = workerSet({ open: false });
  const [a] = running(set, 1);
  set.stop(a!, 'abort');
  assert.equal(replaced(), 0);
  assert.equal(set.all.length, 1);
});

test('idle workers stop down to minWorkers, not below: a spare or a worker stopping does not count towards it', (t) => {
  enableMockTimers(t, { apis: ['setTimeout'] });
  const { set } = workerSet({ maxWorkers: 1, minWorkers: 1, idleTimeout: 100 });
  const [a] = running(set, 1);
  set.stop(a!, 'abort');
  // a is stopping (it has not exited yet); a fresh worker replaced it and a spare started.
  const [replacement] = live(set);
  const [spare] = spares(set);
  replacement!.ready();
  spare!.ready();
  set.idle(replacement!);
  set.idle(spare!);
  t.mock.timers.tick(100);
  assert.equal(replacement!.stopping, false, 'the one live worker stays: minWorkers is 1');
  assert.equal(spare!.stopping, true, 'the spare idles out: it is none of minWorkers');
  assert.equal(live(set).length, 1);
});

test('idle workers whose timers end together stop down to minWorkers, not below', (t) => {
  enableMockTimers(t, { apis: ['setTimeout'] });
  const { set } = workerSet({ maxWorkers: 3, minWorkers: 1, idleTimeout: 100 });
  const workers = running(set, 3);
  for (const worker of workers) set.idle(worker);
  t.mock.timers.tick(100);
  assert.equal(live(set).length, 1, 'two stopped, one kept');
});
