import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BrokenProcessPool, ProcessPoolExecutor } from 'aiox';
import { Gates } from '../fixtures/gate.js';
import { add, gated, handleSigterm, whoAmI } from '../fixtures/tasks.js';

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
  const pool = new ProcessPoolExecutor({ maxWorkers: 1, execArgv: ['--no-such-node-flag'] });
  await assert.rejects(pool.submit(add, 1, 1), (e: unknown) => e instanceof BrokenProcessPool && /before it was ready/.test(e.message));
  assert.equal(pool.state, 'broken');
  assert.throws(() => pool.submit(add, 1, 1), BrokenProcessPool);
  await pool.shutdown();
});

test('terminateWorkers() sends SIGTERM, which a child may handle before it exits', async () => {
  const gates = new Gates('process', 2);
  const pool = new ProcessPoolExecutor({ maxWorkers: 1 });
  try {
    const running = pool.submit(handleSigterm, gates.handle(0), gates.handle(1));
    await gates.started(0);
    const closing = pool.terminateWorkers();
    // The child's own SIGTERM listener ran.
    await gates.started(1);
    await closing;
    await assert.rejects(running, (e: unknown) => e instanceof BrokenProcessPool && /stopped by terminateWorkers\(\)/.test(e.message));
    assert.equal(pool.state, 'closed');
  } finally {
    gates.dispose();
  }
});

test('killWorkers() ends a child that ignores the SIGTERM of terminateWorkers()', async () => {
  const gates = new Gates('process', 1);
  const pool = new ProcessPoolExecutor({ maxWorkers: 1 });
  try {
    const running = pool.submit(handleSigterm, gates.handle(0), null);
    await gates.started(0);
    const terminating = pool.terminateWorkers();
    await pool.killWorkers();
    await terminating;
    await assert.rejects(running, BrokenProcessPool);
    assert.equal(pool.state, 'closed');
  } finally {
    gates.dispose();
  }
});
