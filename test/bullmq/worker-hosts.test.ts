import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { BrokenExecutor } from 'aiox';
import { BullMQExecutor } from 'aiox/bullmq';
import { Job, Queue } from 'bullmq';
import { hangOnce, square } from '../fixtures/bullmq-tasks.js';
import { startProgram, type Program } from '../fixtures/processes.js';
import { REDIS_SERVER, startRedis, type RedisServer } from '../fixtures/redis.js';

// Worker hosts as real processes (`aiox worker`, the command of the package), against a private Redis: a
// host killed or stopped in the middle of a job, and a Redis with a password. Locks are short, so that the
// job of a killed host is given to another within a couple of seconds.
const CLI = fileURLToPath(new URL('../../../dist/bullmq/cli.js', import.meta.url));
const TASKS = fileURLToPath(new URL('../fixtures/bullmq-tasks.js', import.meta.url));
const SUBMITTER = fileURLToPath(new URL('../fixtures/scripts/bullmq-submitter.js', import.meta.url));

let redis: RedisServer;
let scratch = '';
let queues = 0;

interface Host {
  readonly program: Program;
  readonly pid: number;
}

/** Starts `aiox worker` on `queue` and resolves once it serves, with its pid (which its ready line gives). */
async function startHost(t: TestContext, url: string, queue: string, extra: string[] = []): Promise<Host> {
  const args = ['worker', '--redis', url, '--queue', queue, '--tasks', TASKS, '--workers', '1', '--lock-duration', '1000', '--stalled-interval', '300', ...extra];
  const program = startProgram(t, CLI, args, { killAfter: 120_000 });
  let pid = 0;
  // printed() tests its pattern against the output so far: this one also keeps the pid it finds.
  const ready = {
    test(text: string): boolean {
      pid = Number(/serving queue \S+ \(pid (\d+)\)/.exec(text)?.[1] ?? 0);
      return pid !== 0;
    },
  } as unknown as RegExp;
  await Promise.race([program.printed(ready), program.ended.then((o) => assert.fail(`the host exited with ${o.code}: ${o.stderr}`))]);
  return { program, pid };
}

if (REDIS_SERVER !== undefined) {
  before(async () => {
    redis = await startRedis();
    scratch = mkdtempSync(join(tmpdir(), 'aiox-hosts-'));
  });

  after(async () => {
    await redis?.stop();
    if (scratch !== '') rmSync(scratch, { recursive: true, force: true });
  });

  /** Runs hangOnce on two hosts, does `stop` to the host that took it first, and checks where it ended. */
  async function handOver(t: TestContext, stop: (host: Host) => void, extra: string[] = []): Promise<{ first: Host; second: Host }> {
    const queue = `hosts-${queues++}`;
    const hosts = await Promise.all([startHost(t, redis.url, queue, extra), startHost(t, redis.url, queue, extra)]);
    await using executor = new BullMQExecutor({ connection: redis.connection, queue });
    const marker = join(scratch, `${queue}.marker`);
    const future = executor.submitWith(hangOnce, [marker, { payload: [1n, new Date(0)] }], {
      onEvent: (pid) => stop(hosts.find((host) => host.pid === pid)!),
    });
    const [value, pid] = await future;
    assert.deepEqual(value, { payload: [1n, new Date(0)] });
    const first = hosts.find((host) => host.pid !== pid)!;
    const second = hosts.find((host) => host.pid === pid)!;
    assert.notEqual(first, second, 'the job ended on the host that first took it');
    assert.deepEqual(executor.stats(), { queued: 0, running: 0, completed: 1, failed: 0, cancelled: 0 });
    return { first, second };
  }

  test('a host killed with SIGKILL in the middle of a job: the job runs again on another host, its future settles once with the result', async (t) => {
    const { first } = await handOver(t, (host) => host.program.kill('SIGKILL'));
    assert.equal((await first.program.ended).signal, 'SIGKILL');
  });

  test('SIGTERM drains a host: past --drain-timeout its running job goes back to the queue, another host runs it, and it exits 0', async (t) => {
    const { first } = await handOver(t, (host) => host.program.kill('SIGTERM'), ['--drain-timeout', '200']);
    const outcome = await first.program.ended;
    assert.equal(outcome.code, 0, outcome.stderr);
    assert.match(outcome.stdout, /draining[\s\S]*stopped/);
  });

  test('SIGTERM during a Redis outage: the host cannot hand its job back, and exits 0 once twice --drain-timeout has passed', async (t) => {
    const away = await startRedis();
    try {
      const host = await startHost(t, away.url, 'away', ['--drain-timeout', '200']);
      await using executor = new BullMQExecutor({ connection: away.connection, queue: 'away' });
      assert.equal(await executor.submit(square, 3), 9);
      await away.restart(async () => {
        // Without a bound, BullMQ's close waits for Redis, and the host with it: the test times out.
        host.program.kill('SIGTERM');
        const outcome = await host.program.ended;
        assert.equal(outcome.code, 0, outcome.stderr);
        assert.match(outcome.stdout, /draining[\s\S]*stopped/);
      });
    } finally {
      await away.stop();
    }
  });

  test('a submitter that dies and restarts re-attaches to its jobs by id: a finished one is not run again, a running one settles when it ends', async (t) => {
    const queue = `hosts-${queues++}`;
    const hosts = await Promise.all([startHost(t, redis.url, queue), startHost(t, redis.url, queue)]);
    const marker = join(scratch, `${queue}.marker`);
    const submitter = startProgram(t, SUBMITTER, [JSON.stringify(redis.connection), queue, marker], { killAfter: 120_000 });
    let ids: string[] = [];
    const printed = { test: (text: string) => (ids = /jobs (\S+) (\S+)/.exec(text)?.slice(1) ?? []).length === 2 } as unknown as RegExp;
    await Promise.race([submitter.printed(printed), submitter.ended.then((o) => assert.fail(`the submitter exited: ${o.stderr}`))]);
    submitter.kill('SIGKILL');
    await submitter.ended;
    const [finished, running] = ids as [string, string];
    await using executor = new BullMQExecutor({ connection: redis.connection, queue });
    assert.equal(await executor.attach(finished), 49);
    const later = executor.attach<[string, number]>(running);
    // The host running it hangs; killed, it hands the job to the other host, where it returns.
    const owner = Number(readFileSync(marker, 'utf8'));
    hosts.find((host) => host.pid === owner)!.program.kill('SIGKILL');
    const [value, pid] = await later;
    assert.equal(value, 'after a restart');
    assert.equal(pid, hosts.find((host) => host.pid !== owner)!.pid);
    const jobs = new Queue(queue, { connection: redis.connection });
    try {
      assert.equal((await Job.fromId(jobs, finished))?.attemptsMade, 1, 'the finished job ran again');
    } finally {
      await jobs.close();
    }
  });

  test('Redis with a password: the executor and the hosts connect with the same options; without it, futures fail clearly', async (t) => {
    const locked = await startRedis({ password: 'pa ss:w@rd' });
    try {
      await startHost(t, locked.url, 'locked');
      await using executor = new BullMQExecutor({ connection: locked.connection, queue: 'locked' });
      assert.equal(await executor.submit(square, 12), 144);
      const { password: _, ...withoutPassword } = locked.connection;
      await using stranger = new BullMQExecutor({ connection: withoutPassword, queue: 'locked' });
      await assert.rejects(stranger.submit(square, 1), (error: Error) => error instanceof BrokenExecutor && /NOAUTH|auth/i.test(error.message));
      // Its subscription failed: attach fails the same way (it was an unhandled rejection, which ended the process).
      await assert.rejects(stranger.attach('any-job'), (error: Error) => error instanceof BrokenExecutor && /NOAUTH|auth/i.test(error.message));
    } finally {
      await locked.stop();
    }
  });
}

// Needs no Redis: the command refuses these before it connects.
test('aiox worker refuses --workers 0 and a queue name with a colon, with its usage', async () => {
  const run = (...args: string[]): Promise<{ code: number | null; stderr: string }> =>
    new Promise((resolve) => {
      execFile(process.execPath, [CLI, 'worker', '--redis', 'redis://127.0.0.1:1', '--tasks', '/srv/app/', ...args], (error, _stdout, stderr) =>
        resolve({ code: error === null ? 0 : (error.code as number | null), stderr }),
      );
    });
  const zero = await run('--workers', '0');
  assert.equal(zero.code, 2);
  assert.match(zero.stderr, /--workers must be a whole number of at least 1, received "0"/);
  assert.match(zero.stderr, /^usage: aiox worker/m);
  const colon = await run('--queue', 'a:b');
  assert.equal(colon.code, 2);
  assert.match(colon.stderr, /queue/);
  assert.doesNotMatch(colon.stderr, /^\s+at /m);
  assert.match(colon.stderr, /^usage: aiox worker/m);
});

test('aiox worker refuses a --remap that is not FROM=TO, with its usage', async () => {
  const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
    execFile(process.execPath, [CLI, 'worker', '--redis', 'redis://127.0.0.1:1', '--tasks', '/srv/app/', '--remap', '/home/dev/app/'], (error, _stdout, stderr) =>
      resolve({ code: error === null ? 0 : (error.code as number | null), stderr }),
    );
  });
  assert.equal(code, 2);
  assert.match(stderr, /--remap must be FROM=TO, received "\/home\/dev\/app\/"/);
  assert.match(stderr, /--remap FROM=TO {9}run a job's module/);
});
