import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KINDS, makePool } from '../executors/pools.js';
import { echo } from '../fixtures/tasks.js';
import { postRaw } from '../fixtures/fuzz-tasks.js';
import { catchWarningsOfType } from '../fixtures/quiet.js';
import { fuzz, GARBAGE_MESSAGES } from './fuzz.js';

// A fixed seed in every run of the suite; `npm run fuzz -- --seed N --iterations N` runs a longer one.
test('hostile inputs to the public API give clear errors, never a hang or an engine message', async () => {
  const report = await fuzz(1, 12);
  assert.deepEqual(report.problems, []);
});

for (const kind of KINDS) {
  test(`${kind} pool: garbage a worker posts on the pool's channel does not crash the program or the pool`, async (t) => {
    const warnings = catchWarningsOfType(t, 'ChannelError');
    await using pool = makePool(kind, { maxWorkers: 1 });
    for (const message of GARBAGE_MESSAGES) {
      // Dropped, never taken for the worker's answer or its last word: the task itself returns.
      assert.equal(await pool.submit(postRaw, message), 'posted', `posting ${JSON.stringify(message)}`);
      // The pool still works, on the same worker or a new one.
      assert.equal(await pool.submit(echo, 'still works'), 'still works', `after ${JSON.stringify(message)}`);
    }
    // Each message was dropped and reported, not taken for an answer or a worker's last word.
    assert.equal(warnings.length, GARBAGE_MESSAGES.length);
  });
}
