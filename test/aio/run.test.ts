import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { describe, test, type TestContext } from 'node:test';
import { startProgram, type Outcome } from '../fixtures/processes.js';

const script = fileURLToPath(new URL('../fixtures/scripts/run-interrupt.js', import.meta.url));

/**
 * Runs the script in a process group of its own, as a shell runs a program, and once its work runs sends
 * `signal` to the whole group, as Ctrl-C in a terminal does.
 */
function interrupt(t: TestContext, mode: string, signal: NodeJS.Signals = 'SIGINT'): Promise<Outcome> {
  const program = startProgram(t, script, [mode], { group: true });
  void program.printed('ready').then(() => program.kill(signal));
  return program.ended;
}

describe('run: the first Ctrl-C stops the work of the pools and reads as a cancellation', { timeout: 60_000 }, () => {
  for (const mode of ['thread', 'process', 'thread-before', 'own']) {
    test(`${mode}: a task not given run's signal is stopped; exit code 130, nothing printed`, { timeout: 15_000 }, async (t) => {
      const { code, stdout, stderr } = await interrupt(t, mode);
      assert.equal(stderr, '');
      assert.equal(code, 130);
      assert.match(stdout, /result: undefined/);
    });
  }

  test('SIGTERM to the group: exit code 143', { timeout: 15_000 }, async (t) => {
    const { code, stderr } = await interrupt(t, 'process', 'SIGTERM');
    assert.equal(stderr, '');
    assert.equal(code, 143);
  });

  test('without run, a parent that handles SIGINT keeps its process-pool children: Ctrl-C does not kill them', async (t) => {
    const { code, stdout, stderr } = await interrupt(t, 'no-run');
    assert.equal(stderr, '');
    assert.equal(code, 0);
    assert.match(stdout, /result: finished after the interrupt/);
  });
});
