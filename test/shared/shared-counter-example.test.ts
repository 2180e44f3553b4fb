import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { test } from 'node:test';

// Runs examples/shared-counter as its own program: it must finish by itself and print exact totals.
test('examples/shared-counter: exact total under the lock, every queued item received', { timeout: 120_000 }, async () => {
  const script = fileURLToPath(new URL('../../examples/shared-counter.js', import.meta.url));
  const { stdout } = await promisify(execFile)(process.execPath, [script], { timeout: 120_000, killSignal: 'SIGKILL' });
  assert.match(stdout, /4 threads × 100000 locked increments: counter = 400000 \(expected 400000\)/);
  assert.match(stdout, /received 2000 items through a 4096-byte shared queue/);
});
