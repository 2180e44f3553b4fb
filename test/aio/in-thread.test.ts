import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import {
  CPU_CORES,
  ExecutorPool,
  InvalidStateError,
  PROCESS_POOL,
  THREAD_POOL,
  ThreadPoolExecutor,
  TimeoutError,
  inProcess,
  inThread,
} from 'aiox';
import { spin } from '../fixtures/tasks.js';

describe('inThread and inProcess', { timeout: 60_000 }, () => {
  test('start the default pools lazily and give results', async () => {
    await THREAD_POOL.shutdown();
    assert.equal(THREAD_POOL.initialized, false);
    assert.equal(await inThread((a: number, b: number) => a * b, 6, 7), 42);
    assert.equal(THREAD_POOL.initialized, true);
    assert.equal(THREAD_POOL.pool.maxWorkers, CPU_CORES);
    const pid = await inProcess(() => process.pid);
    assert.notEqual(pid, process.pid);
    await THREAD_POOL.shutdown();
    await PROCESS_POOL.shutdown();
  });

  test('.with({ timeout }) stops a task that never returns; the pool serves the next call', async () => {
    await assert.rejects(inThread.with({ timeout: 50 })(spin), TimeoutError);
    await assert.rejects(inProcess.with({ timeout: 50 })(spin), TimeoutError);
    assert.equal(await inThread((s: string) => s.length, 'four'), 4);
    await THREAD_POOL.shutdown();
    await PROCESS_POOL.shutdown();
  });

  test('.with({ signal }) rejects with the signal reason', async () => {
    const controller = new AbortController();
    const pending = inThread.with({ signal: controller.signal })(spin);
    controller.abort(new Error('enough'));
    await assert.rejects(pending, /enough/);
    await THREAD_POOL.shutdown();
  });
});

describe('ExecutorPool', () => {
  test('pool throws before initialize; shutdown is a no-op then', async () => {
    const slot = new ExecutorPool((options: { maxWorkers: number }) => new ThreadPoolExecutor(options), { maxWorkers: 1 });
    assert.equal(slot.initialized, false);
    assert.throws(() => slot.pool, (e: unknown) => e instanceof InvalidStateError && e.message === 'Must call initialize first');
    await slot.shutdown();
    assert.equal(slot.initialized, false);
  });

  test('initialize replaces the pool; the old one finishes its work and closes', async () => {
    const slot = new ExecutorPool((options: { maxWorkers: number }) => new ThreadPoolExecutor(options), { maxWorkers: 1 });
    const first = slot.initialize();
    const pending = first.submit((n: number) => n + 1, 1);
    const second = slot.initialize({ maxWorkers: 2 });
    assert.notEqual(second, first);
    assert.equal(slot.pool, second);
    assert.equal(second.maxWorkers, 2);
    assert.equal(await pending, 2);
    await first.shutdown();
    assert.equal(first.state, 'closed');
    assert.throws(() => first.submit((n: number) => n, 1), /after shutdown/);
    await slot.shutdown();
    assert.equal(second.state, 'closed');
  });
});

describe('run', { timeout: 60_000 }, () => {
  const script = fileURLToPath(new URL('../fixtures/scripts/run-main.js', import.meta.url));

  function start(mode: string): { output: Promise<{ code: number | null; stdout: string; stderr: string }>; onReady: Promise<void>; kill: (s: NodeJS.Signals) => void } {
    const child = spawn(process.execPath, [script, mode], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let ready: () => void = () => {};
    const onReady = new Promise<void>((resolve) => (ready = resolve));
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes('ready')) ready();
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const output = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
      child.on('close', (code) => resolve({ code, stdout, stderr })),
    );
    return { output, onReady, kill: (s) => child.kill(s) };
  }

  test('the first SIGINT aborts main\'s signal; run returns its result and the program exits with 130', async () => {
    const child = start('wait');
    await child.onReady;
    child.kill('SIGINT');
    const { code, stdout } = await child.output;
    assert.equal(code, 130);
    assert.match(stdout, /result: stopped by interrupted by SIGINT after 42/);
  });

  test('a failure in main is printed and sets a non-zero exit code', async () => {
    const { code, stdout, stderr } = await start('fail').output;
    assert.equal(code, 1);
    assert.match(stderr, /main failed on purpose/);
    assert.match(stdout, /result: undefined/);
  });
});
