import assert from 'node:assert/strict';
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
import { startProgram, type Program } from '../fixtures/processes.js';
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

  const start = (mode: string): Program => startProgram(undefined, script, [mode]);

  test('the first SIGINT aborts main\'s signal; run returns its result and the program exits with 130', async () => {
    const program = start('wait');
    await program.printed('ready');
    program.kill('SIGINT');
    const { code, stdout } = await program.ended;
    assert.equal(code, 130);
    assert.match(stdout, /result: stopped by interrupted by SIGINT after 42/);
  });

  test('a failure in main is printed and sets a non-zero exit code', async () => {
    const { code, stdout, stderr } = await start('fail').ended;
    assert.equal(code, 1);
    assert.match(stderr, /main failed on purpose/);
    assert.match(stdout, /result: undefined/);
  });
});
