import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ProcessStops, WATCH_MS } from '../../src/pool/process-stops.js';
import { newStashShare, STASH_WATCHED, StashFileWriter } from '../../src/wire/stash-file.js';
import { jumpClock } from '../fixtures/settle.js';

// A process slot's stop bookkeeping on its own: `answered` and `stopping` stand for the slot's, and a stash
// file, when a test needs one, is written here as the child would write it.

function stops(): { process: ProcessStops; answer: (count: number) => void; stop: () => void } {
  const state = { answered: 0, stopping: false };
  const process = new ProcessStops(
    () => state.answered,
    () => state.stopping,
  );
  return {
    process,
    answer: (count) => {
      state.answered += count;
    },
    stop: () => {
      state.stopping = true;
    },
  };
}

/**
 * Runs `body` with a fresh, empty file's descriptor and a writer on it, as a child holds it; `inMemory`: the
 * writer keeps it in memory, as a child whose watchdog runs (which the test stands in for, with flush()).
 */
function withFile(body: (fd: number, child: StashFileWriter) => void, inMemory = false): void {
  const dir = mkdtempSync(join(tmpdir(), 'aiox-process-stops-test-'));
  const fd = openSync(join(dir, 'stash'), 'w+');
  try {
    let share: SharedArrayBuffer | undefined;
    if (inMemory) {
      share = newStashShare();
      Atomics.store(new Int32Array(share), STASH_WATCHED, 1);
    }
    const child = new StashFileWriter(fd, share);
    child.restart();
    body(fd, child);
  } finally {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  }
}

const never = (): void => assert.fail('no look at a file is due');

test('without a stash file, an aborted task must be stopped once it is the first unanswered one', () => {
  const { process, answer } = stops();
  process.attach(undefined);
  assert.equal(process.aborted(0, true, never), 0, 'the first unanswered task is the one the child runs');
  assert.equal(process.aborted(2, false, never), -1, 'two answers come before it');
  answer(1);
  assert.equal(process.answered(), -1, 'task 0 finished by itself; task 1 runs now');
  answer(1);
  assert.equal(process.answered(), 2, 'task 2 runs now');
  answer(1);
  assert.equal(process.answered(), -1, 'answered: it finished by itself, nothing is left to stop');
});

test('a batch is guarded behind a guarded batch not answered yet, and while a stoppable task runs on', () => {
  const { process, answer } = stops();
  assert.equal(process.guardsNext, false);
  process.sentGuarded(3);
  assert.equal(process.guardsNext, true);
  answer(3);
  assert.equal(process.guardsNext, false);
  process.guardedRunningOn(1);
  assert.equal(process.guardsNext, true);
  process.guardedRunningOn(-1);
  assert.equal(process.guardsNext, false);
});

test('with a stash file, only its mark says the child runs a stopped task; looks wait for the mark', (t) => {
  const tick = jumpClock(t);
  withFile((fd, child) => {
    const { process, answer } = stops();
    process.attach(fd);
    const stopped: number[] = [];
    // A copy: assert.deepEqual narrows what it is given.
    const seen = (): number[] => [...stopped];
    // Task 0 is the first unanswered one, but the file marks none as begun: the child may not run it yet.
    assert.equal(process.aborted(0, true, (seq) => stopped.push(seq)), -1);
    tick(WATCH_MS);
    assert.deepEqual(seen(), [], 'still no mark');
    assert.equal(child.begins(0), true);
    child.write();
    tick(WATCH_MS);
    assert.deepEqual(seen(), [0], 'the next look finds it begun');
    tick(10 * WATCH_MS);
    assert.deepEqual(seen(), [0], 'and looks no more');
    // A mark older than the answers is stale.
    answer(1);
    assert.equal(process.aborted(1, true, (seq) => stopped.push(seq)), -1);
    process.halt();
    tick(10 * WATCH_MS);
    assert.deepEqual(seen(), [0], 'halted: no look calls stop');
  });
});

test('a look at the file stops once the slot is stopping', (t) => {
  const tick = jumpClock(t);
  withFile((fd, child) => {
    const { process, stop } = stops();
    process.attach(fd);
    assert.equal(process.aborted(0, true, never), -1);
    stop();
    assert.equal(child.begins(0), true);
    child.write();
    tick(10 * WATCH_MS);
  });
});

test('once the child is gone, its file gives the results it had not sent and says which tasks began', () => {
  withFile((fd, child) => {
    const { process } = stops();
    process.attach(fd);
    assert.equal(child.add(0, 0, 'zero'), true);
    assert.equal(child.begins(1), true);
    child.write();
    assert.deepEqual(process.readStash(), [[0, 0, 'zero']]);
    assert.equal(process.mayHaveBegun(1, true, false), true, 'marked as begun');
    assert.equal(process.mayHaveBegun(2, true, false), false, 'after the mark: it would have been marked');
  });
});

test('a child gone before its file kept in memory was written: every task it held may have begun', () => {
  withFile((fd, child) => {
    assert.equal(child.add(0, 0, 'zero'), true);
    assert.equal(child.begins(1), true);
    child.write();
    const { process, answer } = stops();
    process.attach(fd);
    answer(0);
    assert.deepEqual(process.readStash(), [], 'its results were not written');
    for (const seq of [0, 1, 2]) {
      assert.equal(process.mayHaveBegun(seq, false, false), true, `task ${seq}, killed from outside`);
      assert.equal(process.mayHaveBegun(seq, true, false), true, `task ${seq}, killed for a stopped task`);
    }
    // Written (by its watchdog, or as it exited): exact again.
    child.flush();
    assert.deepEqual(process.readStash(), [[0, 0, 'zero']]);
    assert.equal(process.mayHaveBegun(1, false, false), true);
    assert.equal(process.mayHaveBegun(2, false, false), false);
  }, true);
});

test('without a mark, a child killed for a stopped task may have begun only its first unanswered task', () => {
  const { process, answer } = stops();
  process.attach(undefined);
  assert.equal(process.readStash(), undefined, 'no file, no results');
  answer(2);
  assert.equal(process.mayHaveBegun(2, true, false), true);
  assert.equal(process.mayHaveBegun(3, true, false), false);
  assert.equal(process.mayHaveBegun(3, false, false), true, 'killed from outside: every task it held may have begun');
});

test('with a file and no mark, a child killed for a task running on began none of the others', () => {
  withFile((fd) => {
    const { process, answer } = stops();
    process.attach(fd);
    answer(5);
    assert.deepEqual(process.readStash(), []);
    assert.equal(process.mayHaveBegun(5, true, true), false, 'not even its first unanswered task');
  });
  const { process, answer } = stops();
  process.attach(undefined);
  answer(5);
  assert.equal(process.mayHaveBegun(5, true, true), true, 'without a file, its first unanswered task may have begun');
});

test('a running task may stop when asked unless its stash file shows it begun without reading its signal', () => {
  const { process } = stops();
  process.attach(undefined);
  assert.equal(process.mayCooperate(0), true, 'without a file the child cannot tell: it gets its grace');
  withFile((fd, child) => {
    const { process } = stops();
    process.attach(fd);
    assert.equal(child.begins(0), true);
    child.write();
    assert.equal(process.mayCooperate(0), false, 'begun, and it never read its signal');
    assert.equal(process.mayCooperate(1), true, 'not the task the file shows begun');
    child.watched(0);
    assert.equal(process.mayCooperate(0), true, 'it read its signal');
  });
});

test("at the end of a stopped task's grace, the child is killed only if its file still marks the task as begun", () => {
  withFile((fd, child) => {
    assert.equal(child.begins(0), true);
    child.write();
    // Its watchdog wrote the mark: the engine finds task 0 begun.
    child.flush();
    const { process } = stops();
    process.attach(fd);
    assert.equal(process.aborted(0, true, never), 0);
    assert.equal(process.goneOn(0), false, 'it runs task 0');
    // Task 0 ended; its answer is held, in the file kept in memory again, as task 1 begins.
    child.restart();
    assert.equal(child.add(0, 0, 'zero'), true);
    assert.equal(child.begins(1), true);
    child.write();
    assert.equal(process.goneOn(0), true, 'the file started over: it has gone on');
    child.flush();
    assert.equal(process.goneOn(0), true, 'it runs task 1');
  }, true);
});
