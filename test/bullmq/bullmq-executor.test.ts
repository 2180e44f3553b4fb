import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { asCompleted, CancelledError, FutureState, InvalidStateError, TaskNotAllowed, taskRef, TimeoutError, wait } from 'aiox';
import { BullMQExecutor, runWorkerHost, type WorkerHost } from 'aiox/bullmq';
import { Job, Queue, QueueEvents, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { decode, encode } from '../../src/bullmq/payload.js';
import { countTo, echo, gatedValue, hostPid, square, waitForAbort } from '../fixtures/bullmq-tasks.js';
import { Gates } from '../fixtures/gate.js';
import { catchWarningsOfType } from '../fixtures/quiet.js';
import { REDIS_SERVER, startRedis, type RedisServer } from '../fixtures/redis.js';
import { nextTurn } from '../fixtures/settle.js';

// The executor against a private Redis and a worker host in this process (a thread pool of 2). The host
// allows test/fixtures/bullmq-tasks.js only. Without redis-server, this file defines no test (see
// redis-available.test.ts for the line that says so).
const TASKS = new URL('../fixtures/bullmq-tasks.js', import.meta.url);
const OTHER_TASKS = new URL('../fixtures/tasks.js', import.meta.url);

let redis: RedisServer;
let host: WorkerHost;
let executor: BullMQExecutor;
let queue: Queue;
let events: QueueEvents;

/** The failedReason of a job of the queue 'main', once it has failed (it must fail). */
async function failedReason(jobId: string): Promise<string> {
  const job = await Job.fromId(queue, jobId);
  assert.ok(job !== undefined, `no job ${jobId}`);
  return job.waitUntilFinished(events).then(
    () => assert.fail('the job completed'),
    (error: Error) => error.message,
  );
}

if (REDIS_SERVER !== undefined) {
  before(async () => {
    redis = await startRedis();
    host = await runWorkerHost({ connection: redis.connection, queue: 'main', tasks: [TASKS], maxWorkers: 2 });
    executor = new BullMQExecutor({ connection: redis.connection, queue: 'main' });
    queue = new Queue('main', { connection: redis.connection });
    events = new QueueEvents('main', { connection: redis.connection });
    await events.waitUntilReady();
  });

  after(async () => {
    await executor?.shutdown();
    await host?.close();
    await Promise.all([queue?.close(), events?.close()]);
    await redis?.stop();
  });

  test('arguments and results keep structured-clone semantics across Redis', async () => {
    const value = {
      when: new Date(1_700_000_000_000),
      map: new Map<string, unknown>([['a', new Set([1, 2n])]]),
      bytes: new Uint8Array([1, 2, 255]),
      big: 2n ** 70n,
      nested: [undefined, null, -0, NaN],
    };
    const back = await executor.submit(echo, value);
    assert.deepEqual(back, value);
    assert.ok(back.when instanceof Date && back.map.get('a') instanceof Set);
  });

  test('an error comes back with its class, message, cause and stack', async () => {
    const error = (await executor.submit(square, -2).catch((e: unknown) => e)) as RangeError;
    assert.ok(error instanceof RangeError);
    assert.equal(error.message, 'negative: -2');
    assert.ok(error.cause instanceof TypeError && error.cause.message === 'the root');
    assert.match(error.stack ?? '', /square/);
  });

  test('a queue name BullMQ refuses (with a ":") is refused by the executor and the host with a TypeError, before they connect', async () => {
    const message = /^TypeError: queue must be a non-empty string without ":", received "renders:eu"$/;
    assert.throws(() => new BullMQExecutor({ connection: redis.connection, queue: 'renders:eu' }), message);
    await assert.rejects(runWorkerHost({ connection: redis.connection, queue: 'renders:eu', tasks: [TASKS] }), message);
    assert.throws(() => new BullMQExecutor({ connection: redis.connection, queue: '' }), /queue must be a non-empty string/);
  });

  test('a function sent as source is refused at submit, and so is map of one', () => {
    assert.throws(() => executor.submit((n: number) => n + 1, 1), TaskNotAllowed);
    assert.throws(() => executor.map((n: number) => n + 1, [1]), TaskNotAllowed);
  });

  test('map yields in order, with a fixed chunksize and with adaptive chunks', async () => {
    const fixed: number[] = [];
    for await (const value of executor.map(square, [1, 2, 3, 4, 5, 6, 7], { chunksize: 3 })) fixed.push(value);
    assert.deepEqual(fixed, [1, 4, 9, 16, 25, 36, 49]);
    const items = Array.from({ length: 60 }, (_, i) => i);
    const adaptive: number[] = [];
    for await (const value of executor.map(square, items)) adaptive.push(value);
    assert.deepEqual(adaptive, items.map((n) => n * n));
  });

  test('map throws an error at its position, after the results before it', async () => {
    const seen: number[] = [];
    await assert.rejects(async () => {
      for await (const value of executor.map(square, [1, 2, -3, 4], { chunksize: 2 })) seen.push(value);
    }, RangeError);
    assert.deepEqual(seen, [1, 4]);
  });

  test('progress and events reach the submitter, in order, before the result', async () => {
    const seen: string[] = [];
    const result = await executor.submitWith(countTo, [3], {
      onProgress: (value) => seen.push(`progress ${value}`),
      onEvent: (event) => seen.push(event),
    });
    assert.equal(result, 3);
    assert.deepEqual(seen.filter((s) => s.startsWith('step')), ['step 1', 'step 2', 'step 3']);
    assert.equal(seen.filter((s) => s.startsWith('progress')).at(-1), 'progress 3');
  });

  test("map's callbacks get each report with its item's index in the input", async () => {
    const events: [string, number][] = [];
    for await (const _ of executor.map(countTo, [1, 2], { chunksize: 2, onEvent: (event, index) => events.push([event, index]) })) void _;
    assert.deepEqual(events, [['step 1', 0], ['step 1', 1], ['step 2', 1]]);
  });

  test("a signal stops a running job on its host: the future fails at once, the job with the host's record", async () => {
    const controller = new AbortController();
    const reason = new Error('enough');
    const future = executor.submitWith(waitForAbort, [], { signal: controller.signal, onEvent: () => controller.abort(reason) });
    assert.equal(await future.catch((e: unknown) => e), reason);
    assert.match(await failedReason(future.jobId), /cancelled by its submitter/);
    assert.equal(await executor.submit(square, 5), 25, 'the host goes on');
  });

  test('a timeout stops a running job and fails its future with TimeoutError', async () => {
    const future = executor.submitWith(waitForAbort, [], { timeout: 300 });
    await assert.rejects(future, TimeoutError);
    assert.match(await failedReason(future.jobId), /cancelled by its submitter/);
  });

  test('a job naming a module the host does not allow fails with TaskNotAllowed, not retried; the host goes on', async () => {
    const add = taskRef<(a: number, b: number) => number>(OTHER_TASKS, 'add');
    const future = executor.submit(add, 1, 2);
    await assert.rejects(future, TaskNotAllowed);
    const job = await Job.fromId(queue, future.jobId);
    assert.equal(job?.attemptsMade, 1);
    assert.equal(await executor.submit(square, 3), 9);
  });

  test('a malformed job written into the queue by hand fails with a clear reason; the host goes on', async () => {
    const job = await queue.add('forged', { module: 'file:///etc/passwd', args: 12 });
    assert.match(await failedReason(job.id!), /not an aiox task/);
    const garbled = await queue.add('garbled', { aiox: 3, module: TASKS.href, name: 'echo', args: 'bm90IHY4' });
    assert.match(await failedReason(garbled.id!), /cannot be deserialized/);
    assert.equal(await executor.submit(square, 4), 16);
  });

  test('an oversized argument is refused at submit, and by a host with a lower limit', async () => {
    const strict = new BullMQExecutor({ connection: redis.connection, queue: 'main', maxPayloadBytes: 100 });
    try {
      assert.throws(() => strict.submit(echo, 'x'.repeat(200)), /over maxPayloadBytes \(100\)/);
    } finally {
      await strict.shutdown();
    }
    const small = await runWorkerHost({ connection: redis.connection, queue: 'small', tasks: [TASKS], maxWorkers: 1, maxPayloadBytes: 1000 });
    const toSmall = new BullMQExecutor({ connection: redis.connection, queue: 'small' });
    try {
      await assert.rejects(toSmall.submit(echo, 'x'.repeat(5000)), /over this host's maxPayloadBytes \(1000\)/);
      assert.equal(await toSmall.submit(echo, 'fits'), 'fits');
    } finally {
      await toSmall.shutdown();
      await small.close();
    }
  });

  test('futures work with wait and asCompleted', async () => {
    const futures = [1, 2, 3].map((n) => executor.submit(square, n));
    const { done, notDone } = await wait(futures);
    assert.equal(done.size, 3);
    assert.equal(notDone.size, 0);
    const results: number[] = [];
    for await (const { future } of asCompleted([executor.submit(square, 6), executor.submit(square, 7)])) results.push(future.result());
    assert.deepEqual(results.sort((a, b) => a - b), [36, 49]);
  });

  test('a second executor re-attaches to a finished job by id, which does not run again', async () => {
    const first = executor.submit(hostPid);
    const pid = await first;
    const other = new BullMQExecutor({ connection: redis.connection, queue: 'main' });
    try {
      assert.equal(await other.attach(first.jobId), pid);
      await assert.rejects(other.attach('no-such-job'), InvalidStateError);
    } finally {
      await other.shutdown();
    }
    const job = await Job.fromId(queue, first.jobId);
    assert.equal(job?.attemptsMade, 1);
  });

  test("an attached future cannot be cancelled before its job's state is read: a finished job's result is not removed", async () => {
    const first = executor.submit(square, 5);
    assert.equal(await first, 25);
    const other = new BullMQExecutor({ connection: redis.connection, queue: 'main' });
    try {
      const attached = other.attach<number>(first.jobId);
      // attach() reads the job's state from Redis later: the job may have finished, as this one has.
      assert.equal(attached.cancel(), false);
      assert.equal(await attached, 25);
      assert.notEqual(await Job.fromId(queue, first.jobId), undefined);
    } finally {
      await other.shutdown();
    }
  });

  test("a job attached while it runs settles from its host's reply when it ends, not at the next check; its submitter's channel is then left", { timeout: 60_000 }, async () => {
    // Hosts reply to the submitter a job names: another executor attached to the job (a submitter that
    // restarted) must hear those replies too. Its check of silent jobs comes only in an hour here.
    const gates = new Gates('process', 1);
    const other = new BullMQExecutor({ connection: redis.connection, queue: 'main', checkInterval: 3_600_000 });
    const probe = new Redis(redis.connection);
    /** Subscriptions to every channel of this Redis, over all clients. */
    const subscriptions = async (): Promise<number> => {
      const channels = (await probe.pubsub('CHANNELS', '*')) as string[];
      if (channels.length === 0) return 0;
      const counts = (await probe.pubsub('NUMSUB', ...channels)) as unknown[];
      let total = 0;
      for (let i = 1; i < counts.length; i += 2) total += Number(counts[i]);
      return total;
    };
    try {
      const first = executor.submit(gatedValue, gates.handle(0), 'ended');
      await gates.started(0);
      const before = await subscriptions();
      const later = other.attach<string>(first.jobId);
      // Running, as the job read once attached says: its end is now for the replies to tell.
      while (!later.running()) await nextTurn();
      assert.equal(await subscriptions(), before + 1, "it listens to the other submitter's replies");
      await gates.release(0);
      assert.equal(await first, 'ended');
      // Without the replies, this waits for the check, an hour away: the test times out.
      assert.equal(await later, 'ended');
      // Its last job there has ended: the channel is left (without that, this waits until the test times out).
      while ((await subscriptions()) !== before) await nextTurn();
    } finally {
      probe.disconnect();
      await other.shutdown({ cancelFutures: true });
      gates.dispose();
    }
  });

  test('a result reaches its submitter only once Redis has the job completed, with or without reports', async () => {
    // A host tells a job's completion without waiting for Redis's answer to it, but after the completion, on
    // the same connection: in the order of Redis's commands (MONITOR), each job's completion (its finishedOn
    // written) comes before the publication of its reply.
    const probe = new Redis(redis.connection);
    const monitor = await probe.monitor();
    const commands: string[] = [];
    monitor.on('monitor', (_time: string, args: string[]) => commands.push(args.join(' ')));
    try {
      const plain = Array.from({ length: 40 }, (_, n) => executor.submit(square, n));
      const reported = Array.from({ length: 10 }, () => executor.submitWith(countTo, [2], { onProgress: () => undefined }));
      const futures = [...plain, ...reported];
      await Promise.all(futures);
      // MONITOR streams the commands in the order Redis ran them: an ECHO marks the end of those of the jobs.
      const marked = new Promise<void>((resolve) => monitor.on('monitor', (_time: string, args: string[]) => args[0] === 'echo' && resolve()));
      await probe.echo('end');
      await marked;
      for (const { jobId } of futures) {
        const completed = commands.findIndex((c) => c.includes(`:main:${jobId} `) && c.includes('finishedOn'));
        const told = commands.findIndex((c) => c.startsWith('publish ') && c.includes(`"k":"c","j":"${jobId}"`));
        assert.ok(completed >= 0 && told > completed, `job ${jobId}: completion at ${completed}, reply at ${told}`);
      }
    } finally {
      monitor.disconnect();
      probe.disconnect();
    }
  });

  test("jobs whose host's replies were lost settle from the jobs themselves, even behind more pending jobs than a check reads at once", { timeout: 30_000 }, async () => {
    // A bare BullMQ worker stands in for a host whose replies never arrived (a submitter that was disconnected
    // meanwhile): it runs the jobs, and tells nobody. Ahead of them in the executor's line, 250 futures (more
    // than one round of the check reads) wait on jobs delayed past the end of the test.
    const name = 'silent';
    const submitter = new BullMQExecutor({ connection: redis.connection, queue: name, checkInterval: 20 });
    const silentQueue = new Queue(name, { connection: redis.connection });
    const silent = new Worker(name, async (job) => encode((decode((job.data as { args: string }).args) as number[])[0]! ** 2), { connection: redis.connection, concurrency: 10 });
    try {
      const later = await silentQueue.addBulk(Array.from({ length: 250 }, () => ({ name: 'later', data: {}, opts: { delay: 3_600_000 } })));
      const waiting = later.map((job) => submitter.attach(job.id!));
      const numbers = Array.from({ length: 50 }, (_, n) => n);
      assert.deepEqual(await Promise.all(numbers.map((n) => submitter.submit(square, n))), numbers.map((n) => n * n));
      assert.ok(waiting.every((future) => !future.done() && future.cancel()));
    } finally {
      await submitter.shutdown();
      await Promise.all([silent.close(), silentQueue.close()]);
    }
  });

  test('cancel() removes a job no host has taken; shutdown(cancelFutures) cancels the rest, and submit then throws', async () => {
    // No host serves this queue: its jobs wait.
    const idle = new BullMQExecutor({ connection: redis.connection, queue: 'idle' });
    const idleQueue = new Queue('idle', { connection: redis.connection });
    try {
      const first = idle.submit(square, 1);
      const second = idle.submit(square, 2);
      const third = idle.submit(square, 3);
      assert.equal(first.state, FutureState.PENDING);
      assert.equal(first.cancel(), true);
      await assert.rejects(first, CancelledError);
      await idle.shutdown({ cancelFutures: true });
      assert.ok(second.cancelled() && third.cancelled());
      assert.throws(() => idle.submit(square, 4), InvalidStateError);
      assert.deepEqual(idle.stats(), { queued: 0, running: 0, completed: 0, failed: 0, cancelled: 3 });
      const counts = await idleQueue.getJobCounts('waiting', 'active');
      assert.deepEqual(counts, { waiting: 0, active: 0 });
    } finally {
      await idle.shutdown();
      await idleQueue.close();
    }
  });

  test("times longer than setTimeout's limit (2^31 - 1 ms) do not fire early: a job's timeout, a host's drainTimeout", async (t) => {
    // Given more, setTimeout fires after 1 ms and says so with a TimeoutOverflowWarning.
    const overflows = catchWarningsOfType(t, 'TimeoutOverflowWarning');
    assert.equal(await executor.submitWith(square, [5], { timeout: 3_000_000_000 }), 25);
    const patient = await runWorkerHost({ connection: redis.connection, queue: 'patient', tasks: [TASKS], maxWorkers: 1, drainTimeout: Infinity });
    await patient.close();
    await nextTurn();
    assert.deepEqual(overflows, []);
  });

  test("remap runs a job's module from this host's folder when the submitters' path differs; the allow-list still applies", async () => {
    const elsewhere = 'file:///elsewhere/app/fixtures/';
    const remapped = await runWorkerHost({
      connection: redis.connection,
      queue: 'remapped',
      tasks: [TASKS],
      maxWorkers: 1,
      remap: [{ from: elsewhere, to: new URL('.', TASKS) }],
    });
    const submitter = new BullMQExecutor({ connection: redis.connection, queue: 'remapped' });
    try {
      assert.equal(await submitter.submit(taskRef<(n: number) => number>(`${elsewhere}bullmq-tasks.js`, 'square'), 6), 36);
      // Remapped to test/fixtures/tasks.js, which this host does not allow.
      await assert.rejects(submitter.submit(taskRef<(a: number, b: number) => number>(`${elsewhere}tasks.js`, 'add'), 1, 2), TaskNotAllowed);
    } finally {
      await submitter.shutdown();
      await remapped.close();
    }
    const bad = { connection: redis.connection, tasks: [TASKS] };
    await assert.rejects(runWorkerHost({ ...bad, remap: [{ from: 'file:///a', to: '/b/' }] }), /^TypeError: remap\[0\]\.from must be a folder URL or absolute path ending in \/, received "file:\/\/\/a"$/);
    await assert.rejects(runWorkerHost({ ...bad, remap: [{ from: '/a/', to: 'b/' }] }), /remap\[0\]\.to must be a folder/);
  });
}
