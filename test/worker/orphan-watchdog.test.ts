import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { alive, gone } from '../fixtures/processes.js';
import { Gates } from '../fixtures/gate.js';

const script = fileURLToPath(new URL('../fixtures/scripts/busy-parent.js', import.meta.url));

/** Starts the busy parent; resolves once its child spins, with both pids and the parent's exit. */
async function busyParent(how: string) {
  const gates = new Gates('process', 1);
  const parent = spawn(process.execPath, [script, how, JSON.stringify(gates.handle(0))], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = once(parent, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  let stderr = '';
  parent.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [line] = (await once(parent.stdout, 'data')) as [Buffer];
  const child = Number.parseInt(line.toString(), 10);
  await gates.started(0);
  gates.dispose();
  return { parent, child, exited, stderr: () => stderr };
}

describe('a process-pool child stuck in a loop never outlives its parent', { timeout: 60_000 }, () => {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGKILL'] as const) {
    test(`the parent is sent ${signal} by pid`, async (t) => {
      const { parent, child, exited } = await busyParent('signal');
      t.after(() => alive(child) && process.kill(child, 'SIGKILL'));
      assert.ok(alive(child));
      parent.kill(signal);
      assert.deepEqual(await exited, [null, signal]);
      assert.ok(await gone(child), `child ${child} outlived its parent`);
    });
  }

  test('the parent calls process.exit()', async (t) => {
    const { parent, child, exited } = await busyParent('exit');
    t.after(() => alive(child) && process.kill(child, 'SIGKILL'));
    parent.kill('SIGUSR2');
    assert.deepEqual(await exited, [0, null]);
    assert.ok(await gone(child), `child ${child} outlived its parent`);
  });

  test('the parent under run() gets a second SIGINT', async (t) => {
    const { parent, child, exited } = await busyParent('run');
    t.after(() => alive(child) && process.kill(child, 'SIGKILL'));
    parent.kill('SIGINT');
    await once(parent.stdout, 'data');
    parent.kill('SIGINT');
    assert.deepEqual(await exited, [130, null]);
    assert.ok(await gone(child), `child ${child} outlived its parent`);
  });

  test('the parent dies of an uncaught error', async (t) => {
    const { parent, child, exited, stderr } = await busyParent('throw');
    t.after(() => alive(child) && process.kill(child, 'SIGKILL'));
    parent.kill('SIGUSR2');
    assert.deepEqual(await exited, [1, null]);
    assert.match(stderr(), /the parent failed on purpose/);
    assert.ok(await gone(child), `child ${child} outlived its parent`);
  });
});
