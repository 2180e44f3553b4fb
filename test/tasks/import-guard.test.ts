import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { InvalidStateError, ProcessPoolExecutor, ThreadPoolExecutor, isPoolWorker, taskRef } from 'aiox';
import { nestedSum } from '../fixtures/nested-pool.js';
import type { double as Double } from '../fixtures/multiplying-main.js';
import type { report as Report, start as Start } from '../fixtures/deferred-main.js';

const fixture = (name: string): URL => new URL(`../fixtures/${name}.js`, import.meta.url);
const double = taskRef<typeof Double>(fixture('multiplying-main'), 'double');

describe('a pool started while a worker imports a task module', { timeout: 60_000 }, () => {
  let dir: string;
  let log: string;
  let n = 0;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'aiox-guard-'));
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
    delete process.env.AIOX_TEST_IMPORT_LOG;
    delete process.env.AIOX_TEST_POOL_KIND;
    delete process.env.AIOX_TEST_SWALLOW;
  });
  const useLog = (kind: 'thread' | 'process' | 'inThread', swallow = false): void => {
    log = join(dir, `imports-${n++}.log`);
    process.env.AIOX_TEST_IMPORT_LOG = log;
    process.env.AIOX_TEST_POOL_KIND = kind;
    process.env.AIOX_TEST_SWALLOW = swallow ? '1' : '0';
  };
  const imports = (): number => readFileSync(log, 'utf8').trim().split('\n').length;
  const guardError = (what: string, article = 'a ') => (error: unknown) => {
    assert.ok(error instanceof InvalidStateError, String(error));
    assert.match(error.message, new RegExp(`^${article}${what} was started while a worker imported the task module file://.*multiplying-main\\.js`));
    assert.match(error.message, /Move the tasks to a module of their own/);
    assert.match(error.message, /isPoolWorker\(\)/);
    return true;
  };

  test('in a thread pool: the task fails with an error naming the module; only one worker imported it', async () => {
    useLog('thread');
    await using pool = new ThreadPoolExecutor({ maxWorkers: 1 });
    await assert.rejects(pool.submit(double, 21), guardError('ThreadPoolExecutor'));
    assert.equal(imports(), 1);
    assert.equal(pool.stats().workers, 1);
  });

  test('in a process pool: the same, with no child of a child', async () => {
    useLog('process');
    await using pool = new ProcessPoolExecutor({ maxWorkers: 1 });
    await assert.rejects(pool.submit(double, 21), guardError('ProcessPoolExecutor'));
    assert.equal(imports(), 1);
    assert.equal(pool.stats().workers, 1);
  });

  test('inThread at the top level: the error names inThread', async () => {
    useLog('inThread');
    await using pool = new ThreadPoolExecutor({ maxWorkers: 1 });
    await assert.rejects(pool.submit(double, 21), guardError('inThread\\(\\) \\(its THREAD_POOL\\)', ''));
    assert.equal(imports(), 1);
  });

  test('the import fails even when the module swallows the error', async () => {
    useLog('thread', true);
    await using pool = new ThreadPoolExecutor({ maxWorkers: 1 });
    await assert.rejects(pool.submit(double, 21), guardError('ThreadPoolExecutor'));
    assert.equal(imports(), 1);
  });

  test('a pool started later by something the import left running is refused too', async () => {
    await using pool = new ThreadPoolExecutor({ maxWorkers: 1 });
    assert.equal(await pool.submit(taskRef<typeof Start>(fixture('deferred-main'), 'start')), 'kicked');
    // main() went on once `start` returned, while no task ran; `report` comes in a later message.
    const outcome = await pool.submit(taskRef<typeof Report>(fixture('deferred-main'), 'report'));
    assert.match(outcome, /^a ThreadPoolExecutor was started in a pool worker while no task ran there: .*deferred-main\.js/);
  });

  test('a task may start a pool of its own while it runs', async () => {
    await using pool = new ThreadPoolExecutor({ maxWorkers: 1 });
    assert.equal(await pool.submit(nestedSum, 41), 42);
  });

  test('isPoolWorker() is false in the main program and true in workers', async () => {
    assert.equal(isPoolWorker(), false);
    await using threads = new ThreadPoolExecutor({ maxWorkers: 1 });
    await using processes = new ProcessPoolExecutor({ maxWorkers: 1 });
    const probe = taskRef<() => boolean>(fixture('nested-pool'), 'isPoolWorkerHere');
    assert.equal(await threads.submit(probe), true);
    assert.equal(await processes.submit(probe), true);
  });
});
