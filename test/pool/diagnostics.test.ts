import assert from 'node:assert/strict';
import dc from 'node:diagnostics_channel';
import { describe, test, type TestContext } from 'node:test';
import type { TaskFinishMessage, TaskQueuedMessage, TaskStartMessage, WorkerExitMessage, WorkerMessage, WorkerReadyMessage } from 'aiox';
import { KINDS, makePool } from '../executors/pools.js';
import { Gates } from '../fixtures/gate.js';
import { catchUncaught, deferred, nextTurn } from '../fixtures/settle.js';
import { add, announceThenSpin, exitWith, fail, gated, squareUnless } from '../fixtures/tasks.js';

const NAMES = ['aiox:task:queued', 'aiox:task:start', 'aiox:task:finish', 'aiox:worker:spawn', 'aiox:worker:ready', 'aiox:worker:exit'] as const;
type Name = (typeof NAMES)[number];
type Message = { name: Name; message: Record<string, unknown> };

/** Subscribes to every channel for the test, keeping the messages of `pool()` in the order published. */
function record(t: TestContext, pool: () => object | undefined): Message[] {
  const seen: Message[] = [];
  for (const name of NAMES) {
    const onMessage = (message: unknown): void => {
      if ((message as { pool: object }).pool === pool()) seen.push({ name, message: message as Record<string, unknown> });
    };
    dc.subscribe(name, onMessage);
    t.after(() => dc.unsubscribe(name, onMessage));
  }
  return seen;
}

const of = <M>(seen: Message[], name: Name): M[] => seen.filter((m) => m.name === name).map((m) => m.message as M);

/** Resolves with the next message of `name` for `pool` that `which` accepts. */
function next<M>(t: TestContext, name: Name, pool: object, which: (message: M) => boolean = () => true): Promise<M> {
  const { promise, resolve } = deferred<M>();
  const onMessage = (message: unknown): void => {
    if ((message as { pool: object }).pool !== pool || !which(message as M)) return;
    dc.unsubscribe(name, onMessage);
    resolve(message as M);
  };
  dc.subscribe(name, onMessage);
  t.after(() => dc.unsubscribe(name, onMessage));
  return promise;
}

for (const kind of KINDS) {
  describe(`${kind} pool: diagnostics channels`, { timeout: 30_000 }, () => {
    test('a task that returns and one that throws: every channel fires with its documented payload, in order', async (t) => {
      const pool = makePool(kind, { maxWorkers: 1 });
      const seen = record(t, () => pool);
      assert.equal(await pool.submit(add, 1, 2), 3);
      await assert.rejects(pool.submit(fail, 'boom'), /boom/);
      await pool.shutdown();

      const [spawn] = of<WorkerMessage>(seen, 'aiox:worker:spawn');
      assert.deepEqual(Object.keys(spawn!).sort(), ['kind', 'pool', 'spawnedAt', 'workerId']);
      assert.equal(spawn!.kind, kind);
      const { workerId } = spawn!;
      const [ready] = of<WorkerReadyMessage>(seen, 'aiox:worker:ready');
      assert.equal(ready!.workerId, workerId);
      assert.ok(ready!.startupMs >= 0);

      const queued = of<TaskQueuedMessage>(seen, 'aiox:task:queued');
      assert.deepEqual(
        queued.map(({ name, items, kind: k }) => ({ name, items, kind: k })),
        [
          { name: 'add', items: 1, kind },
          { name: 'fail', items: 1, kind },
        ],
      );
      const [okId, errorId] = queued.map((m) => m.taskId);
      assert.notEqual(okId, errorId);
      const started = of<TaskStartMessage>(seen, 'aiox:task:start');
      assert.deepEqual(started.map((m) => [m.taskId, m.workerId]), [[okId, workerId], [errorId, workerId]]);
      for (const m of started) assert.equal(m.waitMs, m.startedAt - m.queuedAt!);

      const [ok, error] = of<TaskFinishMessage>(seen, 'aiox:task:finish');
      assert.deepEqual(
        { taskId: ok!.taskId, name: ok!.name, outcome: ok!.outcome, workerId: ok!.workerId, hasError: 'error' in ok! },
        { taskId: okId, name: 'add', outcome: 'ok', workerId, hasError: false },
      );
      assert.equal(error!.outcome, 'error');
      assert.match((error!.error as Error).message, /boom/);
      for (const m of [ok!, error!]) {
        assert.ok(m.queuedAt! <= m.startedAt! && m.startedAt! <= m.finishedAt);
        assert.equal(m.runMs, m.finishedAt - m.startedAt!);
        assert.equal(m.totalMs, m.finishedAt - m.queuedAt!);
        assert.equal(typeof m.workerMs, 'number');
      }

      const [exit] = of<WorkerExitMessage>(seen, 'aiox:worker:exit');
      assert.deepEqual({ workerId: exit!.workerId, reason: exit!.reason, hasError: 'error' in exit! }, { workerId, reason: 'shutdown', hasError: false });
      assert.ok(exit!.aliveMs >= 0);
      // Per task: queued before started before finished; the worker's exit last.
      const order = seen.filter((m) => m.message.taskId === okId).map((m) => m.name);
      assert.deepEqual(order, ['aiox:task:queued', 'aiox:task:start', 'aiox:task:finish']);
      assert.equal(seen.at(-1)!.name, 'aiox:worker:exit');
    });

    test("a new pool's first task goes to its worker while the worker starts, not after its ready", async (t) => {
      const pool = makePool(kind, { maxWorkers: 1 });
      const seen = record(t, () => pool);
      const first = pool.submit(add, 1, 2);
      // The pool dispatches in a microtask; no worker can be ready by then.
      await Promise.resolve();
      assert.deepEqual(seen.map((m) => m.name), ['aiox:task:queued', 'aiox:worker:spawn', 'aiox:task:start']);
      assert.equal(await first, 3);
      await pool.shutdown();
    });

    test("a new pool's first task with a timeout: a thread takes it while starting, a process once ready", async (t) => {
      const pool = makePool(kind, { maxWorkers: 1 });
      const seen = record(t, () => pool);
      const first = pool.submitWith(add, [1, 2], { timeout: 60_000 });
      await Promise.resolve();
      const sent = kind === 'thread' ? ['aiox:task:start'] : [];
      assert.deepEqual(seen.map((m) => m.name), ['aiox:task:queued', 'aiox:worker:spawn', ...sent]);
      assert.equal(await first, 3);
      const order = seen.map((m) => m.name).filter((name) => name === 'aiox:task:start' || name === 'aiox:worker:ready');
      assert.deepEqual(order, kind === 'thread' ? ['aiox:task:start', 'aiox:worker:ready'] : ['aiox:worker:ready', 'aiox:task:start']);
      await pool.shutdown();
    });

    test('a cancelled task finishes as cancelled, never sent; an aborted one as aborted, with the reason', async (t) => {
      const gates = new Gates(kind, 1);
      const pool = makePool(kind, { maxWorkers: 1 });
      const seen = record(t, () => pool);
      try {
        const busy = pool.submit(gated, gates.handle(0), 'busy');
        await gates.started(0);
        const cancelled = pool.submit(add, 1, 1);
        const controller = new AbortController();
        const aborted = pool.submitWith(add, [2, 2], { signal: controller.signal });
        await nextTurn();
        assert.equal(cancelled.cancel(), kind === 'thread' || cancelled.cancelled());
        controller.abort(new Error('stop'));
        await assert.rejects(aborted, /stop/);
        await gates.release(0);
        assert.equal(await busy, 'busy');
        const finished = of<TaskFinishMessage>(seen, 'aiox:task:finish');
        const byId = new Map(of<TaskQueuedMessage>(seen, 'aiox:task:queued').map((m, i) => [m.taskId, i]));
        const outcomes = finished.map((m) => [byId.get(m.taskId), m.outcome]);
        // A process task sent to its child counts as running: cancel() fails and it runs.
        const cancelledOutcome = cancelled.cancelled() ? 'cancelled' : 'ok';
        assert.deepEqual(
          outcomes.sort((a, b) => (a[0] as number) - (b[0] as number)),
          [
            [0, 'ok'],
            [1, cancelledOutcome],
            [2, 'aborted'],
          ],
        );
        const abortedMessage = finished.find((m) => m.outcome === 'aborted')!;
        assert.match((abortedMessage.error as Error).message, /stop/);
        if (cancelled.cancelled()) {
          const message = finished.find((m) => m.outcome === 'cancelled')!;
          assert.equal('error' in message, false);
        }
      } finally {
        await gates.release(0);
        gates.dispose();
        await pool.shutdown();
      }
    });

    test('worker exits say why: crash (with the code), maxTasksPerWorker, idle, abort', async (t) => {
      await using pool = makePool(kind, { maxWorkers: 1, idleTimeout: 0, maxTasksPerWorker: 2 });
      const seen = record(t, () => pool);
      // An idle worker, its idle timer and its exit do not keep the program alive: the test holds it open.
      const hold = setInterval(() => undefined, 60_000);
      t.after(() => clearInterval(hold));
      let exited = next<WorkerExitMessage>(t, 'aiox:worker:exit', pool);
      await assert.rejects(pool.submit(exitWith, 3), { name: kind === 'thread' ? 'BrokenThreadPool' : 'BrokenProcessPool' });
      const crash = await exited;
      assert.deepEqual({ reason: crash.reason, code: crash.code, signal: crash.signal }, { reason: 'crash', code: 3, signal: null });

      exited = next<WorkerExitMessage>(t, 'aiox:worker:exit', pool);
      await Promise.all([pool.submit(add, 1, 1), pool.submit(add, 2, 2)]);
      assert.equal((await exited).reason, 'maxTasksPerWorker');

      exited = next<WorkerExitMessage>(t, 'aiox:worker:exit', pool);
      await pool.submit(add, 3, 3);
      assert.equal((await exited).reason, 'idle');

      // Last: a worker stopped for an abort is replaced at once, and a spare started (both idle out too).
      exited = next<WorkerExitMessage>(t, 'aiox:worker:exit', pool, (m) => m.reason === 'abort');
      const started = next<TaskStartMessage>(t, 'aiox:task:start', pool);
      const gates = new Gates(kind, 1);
      t.after(() => gates.dispose());
      const controller = new AbortController();
      const spinning = pool.submitWith(announceThenSpin, [gates.handle(0)], { signal: controller.signal });
      await gates.started(0);
      controller.abort(new Error('stop'));
      await assert.rejects(spinning, /stop/);
      assert.equal((await exited).workerId, (await started).workerId);
      const spawned = of<WorkerMessage>(seen, 'aiox:worker:spawn').map((m) => m.workerId);
      const reasons = new Map(of<WorkerExitMessage>(seen, 'aiox:worker:exit').map((m) => [m.workerId, m.reason]));
      assert.deepEqual(
        spawned.slice(0, 4).map((id) => reasons.get(id)),
        ['crash', 'maxTasksPerWorker', 'idle', 'abort'],
      );
    });

    test('a map chunk travels and finishes as one task of several items', async (t) => {
      await using pool = makePool(kind, { maxWorkers: 1 });
      const seen = record(t, () => pool);
      const values: number[] = [];
      for await (const value of pool.map(squareUnless, [1, 2, 4, 5, 6, 7], { chunksize: 3 })) values.push(value);
      assert.deepEqual(values, [1, 4, 16, 25, 36, 49]);
      const finished = of<TaskFinishMessage>(seen, 'aiox:task:finish');
      assert.deepEqual(
        finished.map(({ name, items, outcome }) => ({ name, items, outcome })),
        [
          { name: 'squareUnless', items: 3, outcome: 'ok' },
          { name: 'squareUnless', items: 3, outcome: 'ok' },
        ],
      );
    });

    test('with no subscriber nothing is published, and the pool works the same', async (t) => {
      const published: string[] = [];
      for (const name of NAMES) {
        const channel = dc.channel(name);
        const publish = channel.publish.bind(channel);
        // An own property over the prototype's method: counts what the engine publishes.
        Object.defineProperty(channel, 'publish', { configurable: true, value: (message: unknown) => (published.push(name), publish(message)) });
        t.after(() => delete (channel as { publish?: unknown }).publish);
      }
      await using pool = makePool(kind, { maxWorkers: 1, maxTasksPerWorker: 1 });
      assert.equal(await pool.submit(add, 1, 2), 3);
      await assert.rejects(pool.submit(fail, 'boom'), /boom/);
      await pool.shutdown();
      assert.deepEqual(published, []);
      // The count itself works: a subscriber makes it count.
      const onMessage = (): void => undefined;
      dc.subscribe('aiox:task:queued', onMessage);
      t.after(() => dc.unsubscribe('aiox:task:queued', onMessage));
      await using other = makePool(kind, { maxWorkers: 1 });
      await other.submit(add, 1, 2);
      assert.deepEqual(published, ['aiox:task:queued']);
    });

    test('a subscriber that throws: its exception is raised on the next tick, and the pool goes on', async (t) => {
      // Node's own rule for diagnostics_channel: publish() never throws; the error is an uncaught exception.
      const caught = catchUncaught(t);
      const onMessage = (): void => {
        throw new Error('subscriber bug');
      };
      for (const name of NAMES) dc.subscribe(name, onMessage);
      t.after(() => {
        for (const name of NAMES) dc.unsubscribe(name, onMessage);
      });
      await using pool = makePool(kind, { maxWorkers: 1 });
      assert.equal(await pool.submit(add, 1, 2), 3);
      assert.equal(await pool.submit(add, 2, 2), 4);
      await pool.shutdown();
      await nextTurn();
      assert.ok(caught.length >= 8, `caught ${caught.length}`);
      for (const error of caught) assert.equal((error as Error).message, 'subscriber bug');
    });
  });
}
