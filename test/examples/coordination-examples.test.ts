import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { test } from 'node:test';
import { startProgram } from '../fixtures/processes.js';

// Runs the polling and endless-workers examples as programs, by themselves and interrupted by SIGINT.
// The interrupt is sent once the program has printed its first run, never after a guessed delay.
const run = promisify(execFile);
const EXAMPLES = fileURLToPath(new URL('../../examples/', import.meta.url));

async function example(name: string): Promise<string> {
  const { stdout } = await run(process.execPath, [`${EXAMPLES}${name}.js`], { timeout: 60_000, killSignal: 'SIGKILL' });
  return stdout;
}

/** Starts an example, sends SIGINT as soon as `ready` appears in its output, and returns all it printed. */
async function interrupted(name: string, ready: RegExp): Promise<{ stdout: string; code: number | null }> {
  const program = startProgram(undefined, `${EXAMPLES}${name}.js`, [], { stderr: 'inherit', killAfter: 60_000 });
  void program.printed(ready).then(() => program.kill('SIGINT'));
  const { stdout, code } = await program.ended;
  return { stdout, code };
}

test('polling: processes on a schedule until the IO event, then stops by itself', async () => {
  const out = await example('polling');
  assert.match(out, /process\(\) run 1\n/);
  assert.match(out, /IO event arrived\n/);
  assert.match(out, /stopped after \d+ runs/);
  assert.doesNotMatch(out, /Canceled/);
  assert.match(out, /Bye\.\n$/);
});

test('polling: Ctrl-C cancels the wait and the loop at once, and the program exits cleanly, with 130 as a shell expects', async () => {
  const { stdout, code } = await interrupted('polling', /process\(\) run 1\n/);
  assert.equal(code, 130);
  assert.match(stdout, /Canceled\.\nBye\.\n$/);
  assert.doesNotMatch(stdout, /IO event arrived/);
});

test('endless-workers: the flagged loops return, the spinning one is terminated', async () => {
  const out = await example('endless-workers');
  assert.match(out, /time is up: done flag set/);
  assert.match(out, /TEST1 returned after \d+ ticks, TEST2 after \d+; the spinning task stopped: no flag to check/);
  assert.match(out, /All workers stopped\.\n$/);
});

test('endless-workers: Ctrl-C sets the done flag at once', async () => {
  const { stdout, code } = await interrupted('endless-workers', /stopped by a shared done flag/);
  assert.equal(code, 130);
  assert.match(stdout, /Ctrl-C: done flag set/);
  assert.match(stdout, /All workers stopped\.\n$/);
});
