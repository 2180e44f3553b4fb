import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { alive } from '../fixtures/processes.js';
import { Gates } from '../fixtures/gate.js';

const script = fileURLToPath(new URL('../fixtures/scripts/busy-parent.js', import.meta.url));
const unreaped = fileURLToPath(new URL('../fixtures/scripts/unreaped-parent.js', import.meta.url));

/**
 * Starts the busy parent; resolves once its child spins, with both pids, the parent's exit, and `gone`, which
 * settles once the child has exited too: the pool's child writes to the parent's stdout and stderr (it
 * inherits them), so those pipes close, and the parent's 'close' fires, only when the child is gone.
 */
async function busyParent(how: string, parentScript = script) {
  const gates = new Gates('process', 1);
  const parent = spawn(process.execPath, [parentScript, how, JSON.stringify(gates.handle(0))], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = once(parent, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  const gone = once(parent, 'close');
  let stderr = '';
  parent.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [line] = (await once(parent.stdout, 'data')) as [Buffer];
  const child = Number.parseInt(line.toString(), 10);
  await gates.started(0);
  gates.dispose();
  return { parent, child, exited, gone, stderr: () => stderr };
}

describe('a process-pool child stuck in a loop never outlives its parent', { timeout: 60_000 }, () => {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGKILL'] as const) {
    test(`the parent is sent ${signal} by pid`, async (t) => {
      const { parent, child, exited, gone } = await busyParent('signal');
      t.after(() => alive(child) && process.kill(child, 'SIGKILL'));
      assert.ok(alive(child));
      parent.kill(signal);
      assert.deepEqual(await exited, [null, signal]);
      await gone;
      assert.equal(alive(child), false, `child ${child} outlived its parent`);
    });
  }

  // The children of a pool are reaped by a shell (pool/orphan-reaper.ts); where there is none, by their own
  // watchdog thread (worker/orphan-watchdog.ts).
  test('without a reaper (as on Windows), the parent is sent SIGKILL: the child\'s watchdog kills it', async (t) => {
    const { parent, child, exited, gone } = await busyParent('signal', unreaped);
    t.after(() => alive(child) && process.kill(child, 'SIGKILL'));
    assert.ok(alive(child));
    parent.kill('SIGKILL');
    assert.deepEqual(await exited, [null, 'SIGKILL']);
    await gone;
    assert.equal(alive(child), false, `child ${child} outlived its parent`);
  });

  test('the parent calls process.exit()', async (t) => {
    const { parent, child, exited, gone } = await busyParent('exit');
    t.after(() => alive(child) && process.kill(child, 'SIGKILL'));
    parent.kill('SIGUSR2');
    assert.deepEqual(await exited, [0, null]);
    await gone;
    assert.equal(alive(child), false, `child ${child} outlived its parent`);
  });

  test('the parent under run() gets a second SIGINT', async (t) => {
    const { parent, child, exited, gone } = await busyParent('run');
    t.after(() => alive(child) && process.kill(child, 'SIGKILL'));
    parent.kill('SIGINT');
    await once(parent.stdout, 'data');
    parent.kill('SIGINT');
    assert.deepEqual(await exited, [130, null]);
    await gone;
    assert.equal(alive(child), false, `child ${child} outlived its parent`);
  });

  test('the parent dies of an uncaught error', async (t) => {
    const { parent, child, exited, gone, stderr } = await busyParent('throw');
    t.after(() => alive(child) && process.kill(child, 'SIGKILL'));
    parent.kill('SIGUSR2');
    assert.deepEqual(await exited, [1, null]);
    assert.match(stderr(), /the parent failed on purpose/);
    await gone;
    assert.equal(alive(child), false, `child ${child} outlived its parent`);
  });
});
