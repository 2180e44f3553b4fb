import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BrokenProcessPool, ProcessPoolExecutor } from 'aiox';
import { Gates } from '../fixtures/gate.js';
import { add, gated, whoAmI } from '../fixtures/tasks.js';

test('a child killed from outside fails its task with the signal; the pool heals', async () => {
  const gates = new Gates('process', 1);
  await using pool = new ProcessPoolExecutor({ maxWorkers: 1 });
  try {
    const pid = Number((await pool.submit(whoAmI)).split(':')[0]);
    const future = pool.submit(gated, gates.handle(0), 'never');
    await gates.started(0);
    process.kill(pid, 'SIGKILL');
    await assert.rejects(future, (e: unknown) => e instanceof BrokenProcessPool && /SIGKILL/.test(e.message));
    assert.equal(await pool.submit(add, 2, 2), 4);
  } finally {
    gates.dispose();
  }
});

test('env and execArgv reach the child processes', async () => {
  await using pool = new ProcessPoolExecutor({
    maxWorkers: 1,
    env: { ...process.env, AIOX_PROBE: 'seen' },
    execArgv: ['--max-old-space-size=128'],
  });
  assert.equal(await pool.submit(() => process.env['AIOX_PROBE']), 'seen');
  assert.deepEqual(await pool.submit(() => process.execArgv), ['--max-old-space-size=128']);
});

test('process-only options are validated', () => {
  assert.throws(() => new ProcessPoolExecutor({ execArgv: '--inspect' as unknown as string[] }), /execArgv must be an array/);
});

test('a child that cannot start breaks the pool instead of being replaced forever', async () => {
  // A child that exits at once, without a word (a bad Node flag would do too, but prints to the test output).
  const pool = new ProcessPoolExecutor({ maxWorkers: 1, execArgv: ['--eval', 'process.exit(3)'] });
  await assert.rejects(pool.submit(add, 1, 1), (e: unknown) => e instanceof BrokenProcessPool && /before it was ready/.test(e.message));
  assert.equal(pool.state, 'broken');
  assert.throws(() => pool.submit(add, 1, 1), BrokenProcessPool);
  await pool.shutdown();
});
