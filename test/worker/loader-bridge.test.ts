import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { test } from 'node:test';

// loader-bridge is internal, so it comes from the sources compiled file by file with the tests (build/src/); the
// package itself is a bundle that does not expose it.
type BridgeModule = typeof import('../../src/worker/loader-bridge.js');
const { tsxLoader } = (await import(new URL('../../src/worker/loader-bridge.js', import.meta.url).href)) as BridgeModule;

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
// The tsx CLI, run by this Node so that each Node version in CI tests itself.
const TSX = `${ROOT}node_modules/tsx/dist/cli.mjs`;
const OPTIONS = { cwd: ROOT, timeout: 60_000, killSignal: 'SIGKILL' as const };

test('the tsx CLI runs TypeScript task modules in threads and processes', async () => {
  const { stdout } = await run(process.execPath, [TSX, 'test/fixtures/ts-loader/main.ts'], OPTIONS);
  assert.deepEqual(stdout.trim().split('\n'), ['hello thread', 'hello process']);
});

test('under tsx, an inline task with a nested function, arrow and class runs in threads and processes', async () => {
  const { stdout } = await run(process.execPath, [TSX, 'test/fixtures/ts-loader/nested.ts'], OPTIONS);
  assert.deepEqual(stdout.trim().split('\n'), ['thread 18 square twice Box', 'process 32 square twice Box']);
});

test('tsx is found however the program named its loader', () => {
  const loader = '/app/node_modules/tsx/dist/loader.mjs';
  // What the tsx CLI passes to the Node it starts.
  assert.equal(tsxLoader(['--require', '/app/node_modules/tsx/dist/preflight.cjs', '--import', `file://${loader}`]), `file://${loader}`);
  assert.equal(tsxLoader(['--import', 'tsx']), 'tsx');
  assert.equal(tsxLoader(['--import=tsx/esm']), 'tsx/esm');
  assert.equal(tsxLoader(['--loader', 'tsx']), 'tsx');
  assert.equal(tsxLoader(['--experimental-loader=/app/node_modules/tsx/dist/esm/index.mjs']), '/app/node_modules/tsx/dist/esm/index.mjs');
  assert.equal(tsxLoader(['--import', './setup.js', '--enable-source-maps']), undefined);
  assert.equal(tsxLoader(['--import', '/app/node_modules/not-tsx/dist/loader.mjs']), undefined);
});
