import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { test } from 'node:test';
import { REDIS_SERVER } from '../fixtures/redis.js';
import { copyRepo } from '../fixtures/repo-copy.js';

// Runs each compiled example as its own program and checks what it printed. The timeout only guards
// against a hang; no assertion here depends on how fast the machine is.
const run = promisify(execFile);
const EXAMPLES = fileURLToPath(new URL('../../examples/', import.meta.url));

async function example(name: string, ...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [`${EXAMPLES}${name}.js`, ...args], { timeout: 120_000, killSignal: 'SIGKILL' });
  return stdout;
}

test('primes: the process pool finds the primes the serial loop finds', async () => {
  const out = await example('primes');
  const expected = [37, 91, 159, 187, 223, 241, 249, 259, 273, 279, 297, 357, 399].map((k) => String(1e15 + k));
  assert.match(out, new RegExp(`13 primes: ${expected.join(', ')}\\n`));
  assert.match(out, /serial, in the main thread: \d+ ms/);
  assert.match(out, /\d+ worker processes: +\d+ ms, [\d.]+x as fast/);
  assert.match(out, /pid \d+ +│/);
});

test('blocking-io: five blocking tasks run on five different threads', async () => {
  const out = await example('blocking-io');
  assert.match(out, /5 × 1000 ms of blocking ran side by side/);
  const threads = new Set([...out.matchAll(/^ {2}(thread \d+) +│.*│ task \d /gm)].map((m) => m[1]));
  assert.equal(threads.size, 5);
});

test('bounded: collect keeps input order with 2 workers; the rate limiter starts all ten calls', async () => {
  const out = await example('bounded');
  assert.match(out, /sizes in input order: 100, 200, 300, 400, 500, 600;/);
  assert.deepEqual(new Set([...out.matchAll(/^ {2}(worker [AB]) +│/gm)].map((m) => m[1])), new Set(['worker A', 'worker B']));
  const starts = /started at ([\d, ]+) ms/.exec(out)?.[1]?.split(', ').map(Number) ?? [];
  assert.equal(starts.length, 10);
});

test('downloads: every page arrives with its size and the missing one fails', async () => {
  const out = await example('downloads');
  assert.match(out, /wait FIRST_COMPLETED returned at \d+ ms: done \//);
  assert.match(out, /wait ALL_COMPLETED with a 300 ms timeout returned at \d+ ms: done .*; not done /);
  for (const [path, bytes] of [['/news', 48213], ['/weather', 2048], ['/sports', 131072], ['/archive', 1000000]] as const) {
    assert.match(out, new RegExp(`^ +${path} +${bytes} bytes`, 'm'), path);
  }
  assert.match(out, /\/no-such-page +failed: GET \/no-such-page answered 404 Not Found/);
});

test('progress: the bar reaches 100%; the task stopped by its timeout cleans up and keeps its worker', async () => {
  const out = await example('progress');
  assert.match(out, /^ {2}25% done\n {2}50% done\n {2}75% done\n {2}100% done\n {2}digest [0-9a-f]{16}, computed on thread \d+$/m);
  assert.match(out, /failed with TimeoutError/);
  assert.match(out, /the next task ran on thread \d+: the same worker, not restarted/);
  assert.match(out, /scratch file checksum-[\d.]+\.tmp removed by the task/);
});

test('runaway: an endless loop is stopped by a timeout and a signal, and the pool goes on', async () => {
  const out = await example('runaway');
  assert.match(out, /spinForever on thread \d+ failed after \d+ ms with TimeoutError/);
  assert.match(out, /the next task ran on thread \d+, a replacement worker/);
  assert.match(out, /failed with Error: stopped by the caller once the signal aborted/);
  assert.match(out, /2 tasks failed, 3 completed/);
  assert.match(out, /process pool: spinForever on pid \d+ failed after \d+ ms with TimeoutError/);
  assert.match(out, /and the next task ran on pid \d+/);
});

test('crash: a dying worker fails only its task, in threads and in processes', async () => {
  const out = await example('crash');
  assert.match(out, /task 3 failed with BrokenThreadPool: .*code 3/);
  assert.match(out, /task 3 failed with BrokenProcessPool: .*code 3/);
  assert.equal(out.match(/5 of 6 tasks succeeded; the pool is still open/g)?.length, 2);
});

test('reactor: the same digests on the loop and from worker processes, which the connections were handed to', async () => {
  const out = await example('reactor');
  const figures = String.raw`\d+ /digest answered \(\d+/s\); /ping waited [\d.]+ ms median, \d+ ms p99, \d+ ms at most`;
  assert.match(out, new RegExp(`on its own event loop: +${figures}`));
  assert.match(out, new RegExp(`handed to 2 worker processes: +${figures}`));
  const served = /every digest was the same; on the loop served by (pid \d+), handed over served by (pid \d+(?:, pid \d+)*)$/m.exec(out);
  assert.ok(served !== null, out);
  assert.ok(!served[2]!.split(', ').includes(served[1]!), 'a handed-over connection was served by the server\'s own process');
  assert.match(out, /\/ping's p99 was /);
});

test('dashboard: the figures add up, from the diagnostics channels alone', async () => {
  const out = await example('dashboard');
  assert.match(out, /^ +[\d.]+ s │ done +\d+ │ +\d+\/s │ queue +\d+ │ in flight +\d+ │ workers \+\d+ -\d+ │/m);
  assert.match(out, /^tasks: +1806 in [\d.]+ s, \d+\/s \((?=.*ok 1800)(?=.*error 3)(?=.*aborted 3).*\)$/m);
  assert.match(out, /^ {2}total +[\d.]+ ms \/ +[\d.]+ ms \/ +[\d.]+ ms \/ +[\d.]+ ms +\(submit to result\)$/m);
  const exits = /^workers: +(\d+) started, exits by reason: (.*)$/m.exec(out);
  assert.ok(exits !== null, out);
  const reasons = new Map(exits[2]!.split(', ').map((pair) => [pair.split(' ')[0]!, Number(pair.split(' ')[1])]));
  assert.equal(reasons.get('crash'), 3);
  assert.equal(reasons.get('abort'), 3);
  // Every worker started has exited once the pool has shut down.
  assert.equal([...reasons.values()].reduce((a, b) => a + b, 0), Number(exits[1]));
});

test('manager: a worker process fills a managed queue under a lock; the main program awaits every item', async () => {
  const out = await example('manager');
  assert.match(out, /^ {2}got result 6\n {2}got result 7\n {2}got result 8\n {2}got result 9\n {2}got result 10\n {2}got result 78\n/m);
  assert.match(out, /worker process \d+ filled the queue; this process's event loop ticked \d+ times meanwhile/);
});

test('tour: runs the scenario it is given, and lists the scenarios for an unknown name', async () => {
  const out = await example('tour', 'blocking-io');
  assert.match(out, /── blocking-io: /);
  assert.match(out, /Tour done: 1 scenario in/);
  await assert.rejects(example('tour', 'no-such-scenario'), (error: { code?: number; stderr?: string }) => {
    assert.equal(error.code, 2);
    assert.match(error.stderr ?? '', /Unknown scenario no-such-scenario/);
    for (const name of ['cpu', 'blocking-io', 'downloads', 'runaway', 'crash']) assert.match(error.stderr ?? '', new RegExp(`^ +${name} `, 'm'));
    return true;
  });
});

test('cluster: two hosts on a private Redis; the killed one\'s jobs finish on the other, every result once', { skip: REDIS_SERVER === undefined ? 'no redis-server (see test/bullmq/redis-available.test.ts)' : false }, async () => {
  const out = await example('cluster');
  const expected = [37, 91, 159, 187, 223, 241, 249, 259, 273, 279, 297, 357, 399].map((k) => String(1e15 + k));
  assert.match(out, new RegExp(`13 primes: ${expected.join(', ')}\\n`));
  assert.match(out, /200 results in \d+ ms, each once and in order/);
  assert.match(out, /host A ran \d+ jobs before it was killed at \d+ ms; host B ran \d+/);
  assert.match(out, /^ {2}host A \(pid \d+\) +│.*✕.*│ .*killed at/m);
});

// `npm run demo -- NAME` is how a reader runs one scenario after another: it must not recompile the
// project each time. Checked in a copy of the repository, as a fresh clone would be (no build yet).
test('npm run demo builds a fresh clone, then compiles only what changed', async (t) => {
  const clone = mkdtempSync(`${tmpdir()}/aiox-demo-`);
  t.after(() => rmSync(clone, { recursive: true, force: true }));
  copyRepo(clone);
  const demo = async (): Promise<void> => {
    // An unknown name: the tour lists the scenarios and exits with 2, after the build.
    // npm, and the scripts it runs, on the Node that runs this test.
    const env = { ...process.env, PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}` };
    const failed = await run('npm', ['run', 'demo', '--', 'no-such-scenario'], { cwd: clone, env, timeout: 300_000 }).then(
      () => undefined,
      (error: { code?: number; stderr?: string }) => error,
    );
    assert.equal(failed?.code, 2, failed?.stderr);
    assert.match(failed.stderr ?? '', /^ +endless-workers +examples\/endless-workers\.ts +/m);
  };
  const mtime = (file: string): number => statSync(`${clone}/${file}`).mtimeMs;
  const outputs = ['dist/index.js', 'build/examples/tour.js', 'build/examples/bounded.js'];

  await demo();
  const built = outputs.map(mtime);
  await demo();
  assert.deepEqual(outputs.map(mtime), built, 'nothing changed, yet the demo compiled again');
  appendFileSync(`${clone}/examples/bounded.ts`, '// changed\n');
  await demo();
  const [index, , bounded] = outputs.map(mtime);
  assert.equal(index, built[0], 'an example changed, yet the library was compiled again');
  assert.notEqual(bounded, built[2], 'the changed example was not compiled again');
});
