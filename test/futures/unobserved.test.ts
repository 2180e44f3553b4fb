import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const SCRIPT = fileURLToPath(new URL('../fixtures/scripts/unobserved.js', import.meta.url));

interface Seen {
  readonly name: string;
  readonly code: string | undefined;
  readonly message: string;
}

/** Runs the script in MODE in a child with `--expose-gc`; returns the warnings it saw and what it printed. */
async function warningsOf(mode: string): Promise<{ seen: Seen[]; stdout: string; stderr: string }> {
  // A child that never exits fails the test through this kill, not through a measured time.
  const { stdout, stderr } = await run(process.execPath, ['--expose-gc', SCRIPT, mode], { timeout: 60_000, killSignal: 'SIGKILL' });
  const lines = stdout.trim().split('\n');
  return { seen: JSON.parse(lines.at(-1)!) as Seen[], stdout, stderr };
}

function assertReported(seen: Seen[], message: string): void {
  assert.equal(seen.length, 1, JSON.stringify(seen));
  assert.equal(seen[0]!.name, 'AioxUnobservedFailureWarning');
  assert.equal(seen[0]!.code, 'ERR_AIOX_UNOBSERVED_FAILURE');
  assert.match(seen[0]!.message, /exception was never retrieved/);
  assert.ok(seen[0]!.message.includes(message), seen[0]!.message);
}

test('a failed future collected unobserved is reported once, while the program runs', async () => {
  const { seen, stdout } = await warningsOf('collected');
  assert.match(stdout, /reported while running: 1/);
  assertReported(seen, 'Error: dropped');
});

test('a failed future still unobserved when the program runs out of work is reported then', async () => {
  assertReported((await warningsOf('atExit')).seen, 'Error: kept');
});

test('a pool task that throws, submitted and forgotten, is reported, never as an unhandled rejection', async () => {
  const { seen, stderr } = await warningsOf('pool');
  assertReported(seen, 'forgotten task');
  assert.doesNotMatch(stderr, /unhandled/i);
});

test('await, then, result(), exception(), callbacks, markObserved(), wait and asCompleted observe a failure', async () => {
  assert.deepEqual((await warningsOf('observed')).seen, []);
});

test('map reports no failure of the chunks it dropped after its first error', async () => {
  assert.deepEqual((await warningsOf('map')).seen, []);
});

test('tasks failed by their pool\'s own stop (its signal, terminateWorkers()) are not reported', async () => {
  assert.deepEqual((await warningsOf('stopped')).seen, []);
});

test('resolve reports no failure of the futures it dropped when values() threw', async () => {
  assert.deepEqual((await warningsOf('resolve')).seen, []);
});
