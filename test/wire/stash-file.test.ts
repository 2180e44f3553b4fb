import assert from 'node:assert/strict';
import { closeSync, ftruncateSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

// stash-file is internal: it comes from the sources compiled file by file with the tests (build/src/).
import { newStashShare, readStashFile, STASH_WATCHED, StashFileWriter, WRITES_BEFORE_WATCHDOG } from '../../src/wire/stash-file.js';

/** Runs `body` with a fresh, empty file's descriptor. */
function withFile(body: (fd: number) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'aiox-stash-test-'));
  const fd = openSync(join(dir, 'stash'), 'w+');
  try {
    body(fd);
  } finally {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  }
}

test('the file gives back the results written, in order, and the last task marked as begun', () => {
  withFile((fd) => {
    assert.deepEqual(readStashFile(fd, true), { results: [], begun: undefined, watched: undefined, imprecise: false });
    const file = new StashFileWriter(fd);
    file.restart();
    assert.equal(file.begins(0), true);
    file.write();
    assert.deepEqual(readStashFile(fd, true), { results: [], begun: 0, watched: undefined, imprecise: false });
    const values: unknown[] = [42, undefined, 'text', { a: [1, 2] }];
    values.forEach((value, i) => assert.equal(file.add(i, 0, value), true));
    assert.equal(file.begins(4), true);
    file.write();
    assert.deepEqual(readStashFile(fd, true), { results: values.map((value, i) => [i, 0, value]), begun: 4, watched: undefined, imprecise: false });
    // While the child runs, only the mark is wanted.
    assert.deepEqual(readStashFile(fd, false), { results: [], begun: 4, watched: undefined, imprecise: false });
    // What was prepared and dropped is not written.
    assert.equal(file.add(4, 0, 'dropped'), true);
    file.discard();
    file.write();
    assert.equal(readStashFile(fd, true).results.length, 4);
  });
});

test('a task marked as having read its signal is told apart from its results, and a later mark wins', () => {
  withFile((fd) => {
    const file = new StashFileWriter(fd);
    file.restart();
    assert.equal(file.begins(0), true);
    file.write();
    file.watched(0);
    assert.deepEqual(readStashFile(fd, true), { results: [], begun: 0, watched: 0, imprecise: false });
    // The next task begins (after task 0's result) and reads its signal too: written at once, each.
    assert.equal(file.add(0, 0, 'zero'), true);
    assert.equal(file.begins(1), true);
    file.write();
    assert.deepEqual(readStashFile(fd, false), { results: [], begun: 1, watched: 0, imprecise: false }, 'task 1 has not read it yet');
    file.watched(1);
    assert.deepEqual(readStashFile(fd, true), { results: [[0, 0, 'zero']], begun: 1, watched: 1, imprecise: false });
  });
});

test('starting over hides what the older generation left, even where the new one is shorter', () => {
  withFile((fd) => {
    const file = new StashFileWriter(fd);
    file.restart();
    for (let i = 0; i < 5; i++) file.add(i, 0, `a long result, number ${i}`);
    file.begins(5);
    file.write();
    file.restart();
    file.add(5, 1, 7);
    file.begins(6);
    file.write();
    assert.deepEqual(readStashFile(fd, true), { results: [[5, 1, 7]], begun: 6, watched: undefined, imprecise: false });
  });
});

test('a write cut short counts for nothing: the records before it stand', () => {
  withFile((fd) => {
    const file = new StashFileWriter(fd);
    file.restart();
    file.add(0, 0, 1);
    file.begins(1);
    file.write();
    file.add(1, 0, { big: 'x'.repeat(100) });
    file.begins(2);
    file.write();
    const whole = readStashFile(fd, true);
    assert.equal(whole.begun, 2);
    // Cut the last write anywhere: the reader sees the file as it was before that write.
    for (const keep of [130, 100, 90, 60]) {
      ftruncateSync(fd, keep);
      assert.deepEqual(readStashFile(fd, true), { results: [[0, 0, 1]], begun: 1, watched: undefined, imprecise: false }, `cut at ${keep}`);
    }
    // Garbage where a record should be (an older generation's bytes, say) is not read either.
    writeSync(fd, new Uint8Array(40).fill(7), 0, 40, 64);
    assert.deepEqual(readStashFile(fd, true), { results: [[0, 0, 1]], begun: 1, watched: undefined, imprecise: false });
  });
});

test('a result that cannot be serialized, or that would make the file too big, is refused', () => {
  withFile((fd) => {
    const file = new StashFileWriter(fd);
    file.restart();
    assert.equal(file.add(0, 0, () => 1), false);
    assert.equal(file.add(0, 0, new Uint8Array(2 << 20)), false);
    assert.equal(file.add(0, 0, new Uint8Array(100_000)), true);
    file.begins(1);
    file.write();
    const { results, begun } = readStashFile(fd, true);
    assert.equal((results[0]![2] as Uint8Array).length, 100_000);
    assert.equal(begun, 1);
  });
});

test('kept in memory, a generation is written only when flushed (by the watchdog), then each record at once until it starts over', () => {
  withFile((fd) => {
    const share = newStashShare();
    // As the child's watchdog says once it runs (see orphan-watchdog.ts).
    Atomics.store(new Int32Array(share), STASH_WATCHED, 1);
    const file = new StashFileWriter(fd, share);
    file.restart();
    // Only the first record is written: the file says that it cannot tell what began.
    assert.deepEqual(readStashFile(fd, true), { results: [], begun: undefined, watched: undefined, imprecise: true });
    assert.equal(file.add(0, 0, 'zero'), true);
    assert.equal(file.begins(1), true);
    file.write();
    assert.deepEqual(readStashFile(fd, true), { results: [], begun: undefined, watched: undefined, imprecise: true }, 'published, not written');
    file.flush();
    assert.deepEqual(readStashFile(fd, true), { results: [[0, 0, 'zero']], begun: 1, watched: undefined, imprecise: false });
    // Exact from now on: each write is in the file at once.
    assert.equal(file.add(1, 0, 'one'), true);
    assert.equal(file.begins(2), true);
    file.write();
    file.watched(2);
    assert.deepEqual(readStashFile(fd, true), { results: [[0, 0, 'zero'], [1, 0, 'one']], begun: 2, watched: 2, imprecise: false });
    // Starting over keeps the new generation in memory again.
    file.restart();
    assert.equal(file.begins(3), true);
    file.write();
    assert.deepEqual(readStashFile(fd, true), { results: [], begun: undefined, watched: undefined, imprecise: true });
  });
});

test('kept in memory with no watchdog (or once it has ended), every record is written at once', () => {
  withFile((fd) => {
    const share = newStashShare();
    const file = new StashFileWriter(fd, share);
    file.restart();
    assert.equal(file.begins(0), true);
    file.write();
    assert.deepEqual(readStashFile(fd, true), { results: [], begun: 0, watched: undefined, imprecise: false });
    Atomics.store(new Int32Array(share), STASH_WATCHED, 1);
    file.restart();
    assert.equal(file.begins(1), true);
    file.write();
    assert.equal(readStashFile(fd, true).imprecise, true);
    file.unwatched();
    assert.deepEqual(readStashFile(fd, true), { results: [], begun: 1, watched: undefined, imprecise: false });
    file.restart();
    assert.equal(file.begins(2), true);
    file.write();
    assert.deepEqual(readStashFile(fd, true), { results: [], begun: 2, watched: undefined, imprecise: false });
  });
});

test('with no watchdog yet, the watchdog is asked for once, after the child has written WRITES_BEFORE_WATCHDOG records itself', () => {
  withFile((fd) => {
    const share = newStashShare();
    const file = new StashFileWriter(fd, share);
    let asked = 0;
    file.whenBusy(() => asked++);
    file.restart();
    for (let seq = 0; seq < WRITES_BEFORE_WATCHDOG - 1; seq++) {
      assert.equal(file.begins(seq), true);
      file.write();
      // Exact meanwhile: each mark is in the file at once.
      if (seq % 16 === 0) assert.equal(readStashFile(fd, false).begun, seq);
      if (seq % 64 === 63) file.restart();
    }
    assert.equal(asked, 0);
    assert.equal(file.begins(WRITES_BEFORE_WATCHDOG), true);
    file.write();
    assert.equal(asked, 1);
    // The watchdog's start (see orphan-watchdog.ts) keeps the next generation in memory; it is asked for once.
    Atomics.store(new Int32Array(share), STASH_WATCHED, 1);
    file.restart();
    for (let seq = 0; seq < WRITES_BEFORE_WATCHDOG; seq++) {
      assert.equal(file.begins(seq), true);
      file.write();
    }
    assert.equal(readStashFile(fd, true).imprecise, true);
    assert.equal(asked, 1);
  });
});
