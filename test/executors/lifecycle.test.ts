import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { test } from 'node:test';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

test('idle workers do not keep a program alive; pending work does', async () => {
  const script = fileURLToPath(new URL('../fixtures/scripts/no-shutdown.js', import.meta.url));
  // If a worker held the program open, the child would never exit and the kill below fails the test.
  const { stdout } = await run(process.execPath, [script], { timeout: 30_000, killSignal: 'SIGKILL' });
  assert.deepEqual(stdout.trim().split('\n').sort(), ['process 5', 'thread 8']);
});

test('await shutdown() settles even when idle workers hold nothing open', async () => {
  const script = fileURLToPath(new URL('../fixtures/scripts/shutdown-loop.js', import.meta.url));
  const { stdout } = await run(process.execPath, [script], { timeout: 60_000, killSignal: 'SIGKILL' });
  assert.equal(stdout.trim(), 'shut down 20 pools');
});

test('TypeScript task modules work under a loader, in threads and processes', async () => {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', 'test/fixtures/ts-loader/main.ts'], {
    cwd: ROOT,
    timeout: 60_000,
    killSignal: 'SIGKILL',
  });
  assert.deepEqual(stdout.trim().split('\n'), ['hello thread', 'hello process']);
});
