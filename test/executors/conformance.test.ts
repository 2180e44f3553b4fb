import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { after, before, describe, test, type TestContext } from 'node:test';
import {
  BrokenExecutor,
  BrokenProcessPool,
  BrokenThreadPool,
  CancelledError,
  type Future,
  InvalidStateError,
  PoolState,
  Queue,
  TimeoutError,
  taskRef,
} from 'aiox';
import { Gates } from '../fixtures/gate.js';
import { catchWarningsOfType, enableMockTimers } from '../fixtures/quiet.js';
import { longClock, nextTurn } from '../fixtures/settle.js';
import {
  QuotaError,
  add,
  asyncDouble,
  echo,
  exitWith,
  fail,
  failAsync,
  failingInit,
  forgeResults,
  gated,
  announceThenSpin,
  increment,
  initialize,
  readInit,
  returnFunction,
  spin,
  squareUnless,
  whoAmI,
} from '../fixtures/tasks.js';
import { CONFORMANCE_KINDS, differs, gateKind, makePool, startKinds, stopKinds, workersDiffer } from './conformance-kinds.js';
import { KINDS } from './pools.js';

const TASKS = new URL('../fixtures/tasks.js', import.meta.url).href;

before(startKinds);
after(stopKinds);

for (const kind of CONFORMANCE_KINDS) {
  const Broken = kind === 'thread' ? BrokenThreadPool : BrokenProcessPool;
  /** A case of the suite, skipped with its reason where the semantics of `kind` differ. */
  const it = (name: string, fn: (t: TestContext) => Promise<void> | void): void => void test(name, { skip: differs(kind, name) }, fn);

  describe(`${kind} pool: running tasks`, { timeout: 30_000 }, () => {
    it('defineTask functions, sync and async, give their results', async () => {
      await using pool = makePool(kind, { maxWorkers: 2 });
      assert.equal(await pool.submit(add, 2, 3), 5);
      assert.equal(await pool.submit(asyncDouble, 21), 42);
    });

    it('a burst on a new pool starts a worker for each task at once, up to maxWorkers', async () => {
      await using pool = makePool(kind, { maxWorkers: 3 });
      const results = Array.from({ length: 5 }, (_, i) => pool.submit(add, i, 1));
      // The pool dispatches in a microtask; by the next turn it has started what the burst needs.
      await nextTurn();
      const { workers, idleWorkers } = pool.stats();
      assert.deepEqual({ workers, idleWorkers }, { workers: 3, idleWorkers: 0 });
      assert.deepEqual(await Promise.all(results), [1, 2, 3, 4, 5]);
    });

    it('a task whose function has not been timed yet gets nothing sent behind it', async () => {
      const gates = new Gates(gateKind(kind), 1);
      await using pool = makePool(kind, { maxWorkers: 2 });
      let released = false;
      try {
        // add is timed, and known to be short; gated has never run in this pool.
        for (let round = 0; round < 3; round++) await Promise.all(Array.from({ length: 200 }, (_, i) => pool.submit(add, i, 1)));
        const slow = pool.submit(gated, gates.handle(0), 'slow');
        const quick = Array.from({ length: 40 }, (_, i) => pool.submit(add, i, 1));
        await gates.started(0);
        // None of them went behind the gated task (a child process could not give them back): they all
        // finish while it waits for the release below.
        assert.deepEqual(await Promise.all(quick), Array.from({ length: 40 }, (_, i) => i + 1));
        await gates.release(0);
        released = true;
        assert.equal(await slow, 'slow');
      } finally {
        if (!released) await gates.release(0);
        gates.dispose();
      }
    });

    it('plain functions travel as source', async () => {
      await using pool = makePool(kind, { maxWorkers: 1 });
      assert.equal(await pool.submit((a: number, b: number) => a * b, 6, 7), 42);
      assert.equal(await pool.submit(async (s: string) => s.toUpperCase(), 'abc'), 'ABC');
    });

    it('a plain function using an outside variable fails with an error naming it and defineTask', async () => {
      await using pool = makePool(kind, { maxWorkers: 1 });
      const factor = 3;
      const error = await pool.submit((x: number) => x * factor, 2).then(
        () => assert.fail('should have failed'),
        (e: unknown) => e as Error,
      );
      assert.ok(error instanceof ReferenceError);
      assert.match(error.message, /"factor"/);
      assert.match(error.message, /defineTask/);
    });

    it('{ module, name } references and taskRef work', async () => {
      await using pool = makePool(kind, { maxWorkers: 1 });
      assert.equal(await pool.submit({ module: TASKS, name: 'add' }, 1, 2), 3);
      assert.equal(await pool.submit(taskRef<typeof add>(TASKS, 'add'), 4, 5), 9);
      await assert.rejects(pool.submit({ module: TASKS, name: 'missing' }), /no task named "missing"/);
    });

    it('arguments and results are structured-cloned', async () => {
      await using pool = makePool(kind, { maxWorkers: 1 });
      const value = { when: new Date(5), map: new Map([[1, 'one']]), bytes: new Uint8Array([1, 2]), big: 10n };
      assert.deepEqual(await pool.submit(echo, value), value);
    });

    it('errors come back with class, name, message, worker stack, cause and own properties', async () => {
      await using pool = makePool(kind, { maxWorkers: 1 });
      const custom = (await pool.submit(fail, 'custom').catch((e: unknown) => e)) as QuotaError;
      assert.equal(custom.name, 'QuotaError');
      assert.equal(custom.message, 'over quota');
      assert.equal(custom.limit, 3);
      assert.match(custom.stack ?? '', /tasks\.js/);
      assert.ok(custom.cause instanceof TypeError);
      assert.equal((custom.cause as Error).message, 'root cause');
      const range = await pool.submit(fail, 'range').catch((e: unknown) => e);
      assert.ok(range instanceof RangeError);
      await assert.rejects(pool.submit(failAsync, 'async boom'), /async boom/);
    });

    it('a task that throws a falsy value has still failed', async () => {
      await using pool = makePool(kind, { maxWorkers: 1 });
      for (const [what, thrown] of [['zero', 0], ['undefined', undefined]] as const) {
        const future = pool.submit(fail, what);
        await future.then(
          () => assert.fail('should have failed'),
          (e: unknown) => assert.equal(e, thrown),
        );
        assert.equal(future.succeeded(), false);
        assert.equal(future.exception(), thrown);
      }
    });

    it('an argument that cannot be cloned fails that future with a TypeError; the pool stays usable', async () => {
      await using pool = makePool(kind, { maxWorkers: 1 });
      const bad = pool.submit(echo, { f: () => 1 } as unknown);
      const good = pool.submit(add, 1, 1);
      await assert.rejects(bad, (e: unknown) => e instanceof TypeError && /could not be sent to the worker/.test(e.message));
      assert.equal(await good, 2);
    });

    it('a result that cannot be cloned fails that future with a TypeError; the pool stays usable', async () => {
      await using pool = makePool(kind, { maxWorkers: 1 });
      await assert.rejects(pool.submit(returnFunction), (e: unknown) => e instanceof TypeError && /could not be sent back/.test(e.message));
      assert.equal(await pool.submit(add, 2, 2), 4);
    });

    it('stats count queued, running, completed and failed tasks', async () => {
      const gates = new Gates(gateKind(kind), 1);
      await using pool = makePool(kind, { maxWorkers: 1 });
      try {
        const running = pool.submit(gated, gates.handle(0), 'x');
        const queued = pool.submit(add, 1, 2);
        await gates.started(0);
        const during = pool.stats();
        assert.equal(during.running, 1);
        assert.equal(during.queued, 1);
        assert.equal(during.workers, 1);
        await gates.release(0);
        await running;
        await queued;
        await pool.submit(fail, 'x').catch(() => undefined);
        const after = pool.stats();
        assert.equal(after.completed, 2);
        assert.equal(after.failed, 1);
        assert.equal(after.queued + after.running, 0);
        assert.ok(after.utilization >= 0 && after.utilization <= 1);
      } finally {
        gates.dispose();
      }
    });
  });

  describe(`${kind} pool: workers`, { timeout: 30_000, skip: workersDiffer(kind) }, () => {
    it('maxWorkers below 1 is a RangeError naming the option', () => {
      assert.throws(() => makePool(kind, { maxWorkers: 0 }), /maxWorkers must be an integer >= 1, received 0/);
      assert.throws(() => makePool(kind, { maxWorkers: 1.5 }), RangeError);
      assert.throws(() => makePool(kind, { minWorkers: 3, maxWorkers: 2 }), RangeError);
    });

    it('never more than maxWorkers run at once, and each runs truly in parallel', async () => {
      const gates = new Gates(gateKind(kind), 3);
      await using pool = makePool(kind, { maxWorkers: 2 });
      try {
        const futures = [0, 1, 2].map((i) => pool.submit(gated, gates.handle(i), i));
        await gates.started(0);
        await gates.started(1);
        assert.equal(pool.stats().workers, 2);
        assert.equal(pool.stats().queued, 1);
        assert.equal(futures[2]!.running(), false);
        await gates.release(0);
        await gates.started(2);
        await gates.release(1);
        await gates.release(2);
        assert.deepEqual(await Promise.all(futures), [0, 1, 2]);
        assert.equal(pool.stats().workers, 2);
      } finally {
        gates.dispose();
      }
    });

    it('an idle worker is reused before a new one starts', async () => {
      await using pool = makePool(kind, { maxWorkers: 4 });
      const first = await pool.submit(whoAmI);
      const second = await pool.submit(whoAmI);
      assert.equal(second, first);
      assert.equal(pool.stats().workers, 1);
    });

    it('minWorkers start at once', async () => {
      await using pool = makePool(kind, { maxWorkers: 3, minWorkers: 2 });
      assert.equal(pool.stats().workers, 2);
    });

    it('the initializer runs once in each worker before its first task', async () => {
      await using pool = makePool(kind, { maxWorkers: 1, initializer: initialize, initargs: ['ready'] });
      assert.deepEqual(await pool.submit(readInit), ['ready', 1]);
      assert.deepEqual(await pool.submit(readInit), ['ready', 1]);
    });

    it('a failing initializer breaks the pool: pending futures fail and submit throws', async () => {
      const pool = makePool(kind, { maxWorkers: 2, initializer: failingInit });
      const futures = [pool.submit(add, 1, 2), pool.submit(add, 3, 4), pool.submit(add, 5, 6)];
      for (const future of futures) {
        await assert.rejects(future, (e: unknown) => e instanceof Broken && e instanceof BrokenExecutor && /initializer exploded/.test(e.message));
      }
      assert.throws(() => pool.submit(add, 1, 1), Broken);
      assert.equal(pool.state, 'broken');
      await pool.shutdown();
    });

    it('maxTasksPerWorker replaces a worker after N tasks and queued work goes on', async () => {
      await using pool = makePool(kind, { maxWorkers: 1, maxTasksPerWorker: 2 });
      const ids = await Promise.all(Array.from({ length: 6 }, () => pool.submit(whoAmI)));
      assert.equal(new Set(ids).size, 3);
      const counts = await Promise.all([pool.submit(increment), pool.submit(increment), pool.submit(increment)]);
      assert.deepEqual(counts, [1, 2, 1]);
    });

    it('a task whose arguments cannot be sent does not count towards maxTasksPerWorker', async () => {
      await using pool = makePool(kind, { maxWorkers: 1, maxTasksPerWorker: 2 });
      const first = await pool.submit(whoAmI);
      // A function cannot be cloned: the task fails at the send and never reaches the worker.
      await assert.rejects(pool.submit(echo, () => 1), /could not be sent to the worker/);
      assert.equal(await pool.submit(whoAmI), first, 'the worker ran one task of its two, so it still serves');
    });

    it('a worker that dies fails only its task, naming the exit code; the pool heals', async () => {
      await using pool = makePool(kind, { maxWorkers: 1 });
      await assert.rejects(pool.submit(exitWith, 7), (e: unknown) => e instanceof Broken && /code 7/.test(e.message));
      assert.equal(await pool.submit(add, 1, 2), 3);
      assert.equal(pool.state, 'open');
    });
  });

  describe(`${kind} pool: stopping work`, { timeout: 30_000 }, () => {
    it('a signal stops a task spinning in while (true); a replacement worker serves the next', async () => {
      const gates = new Gates(gateKind(kind), 1);
      await using pool = makePool(kind, { maxWorkers: 1 });
      try {
        const before = await pool.submit(whoAmI);
        const controller = new AbortController();
        const future = pool.submitWith(announceThenSpin, [gates.handle(0)], { signal: controller.signal });
        await gates.started(0);
        assert.equal(future.running(), true);
        controller.abort(new Error('stop it'));
        await assert.rejects(future, /stop it/);
        const after = await pool.submit(whoAmI);
        assert.notEqual(after, before);
        assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
      } finally {
        gates.dispose();
      }
    });

    it('a timeout longer than setTimeout can wait (2^31 - 1 ms) does not fire early', async (t) => {
      const gates = new Gates(gateKind(kind), 1);
      await using pool = makePool(kind, { maxWorkers: 1 });
      let released = false;
      let submitted: Future<unknown> | undefined;
      try {
        const advanceTo = longClock(t);
        const task = (submitted = pool.submitWith(gated, [gates.handle(0), 'done'], { timeout: 3_000_000_000 }));
        await gates.started(0);
        // Given more than 2^31 - 1 ms, setTimeout fires after 1 ms.
        await advanceTo(10);
        assert.equal(task.running(), true);
        await gates.release(0);
        released = true;
        assert.equal(await task, 'done');
      } finally {
        // A task stopped early has no one left to read the release.
        if (!released && submitted?.done() === false) await gates.release(0);
        gates.dispose();
      }
    });

    it('a timeout stops a running task with TimeoutError', async () => {
      await using pool = makePool(kind, { maxWorkers: 1 });
      await assert.rejects(pool.submitWith(spin, [], { timeout: 50 }), TimeoutError);
      assert.equal(await pool.submit(add, 2, 2), 4);
    });

    it('a queued task that is aborted is removed and never runs', async () => {
      const gates = new Gates(gateKind(kind), 1);
      await using pool = makePool(kind, { maxWorkers: 1 });
      try {
        const blocker = pool.submit(gated, gates.handle(0), 'done');
        await gates.started(0);
        const controller = new AbortController();
        const queued = pool.submitWith(increment, [], { signal: controller.signal });
        controller.abort(new Error('not wanted'));
        await assert.rejects(queued, /not wanted/);
        assert.equal(pool.stats().queued, 0);
        await gates.release(0);
        assert.equal(await blocker, 'done');
        assert.equal(await pool.submit(increment), 1);
        assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
      } finally {
        gates.dispose();
      }
    });

    it('an already aborted signal fails the future at once', async () => {
      await using pool = makePool(kind, { maxWorkers: 1 });
      const future = pool.submitWith(add, [1, 2], { signal: AbortSignal.abort(new Error('early')) });
      assert.equal(future.done(), true);
      await assert.rejects(future, /early/);
    });

    it('a signal on a task that completes leaves no listener behind', async () => {
      await using pool = makePool(kind, { maxWorkers: 1 });
      const controller = new AbortController();
      assert.equal(await pool.submitWith(add, [1, 2], { signal: controller.signal, timeout: 60_000 }), 3);
      assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
    });

    it('cancel() cancels a queued future, which never runs, and not a running one', async () => {
      const gates = new Gates(gateKind(kind), 1);
      await using pool = makePool(kind, { maxWorkers: 1 });
      try {
        const running = pool.submit(gated, gates.handle(0), 1);
        const queued = pool.submit(increment);
        await gates.started(0);
        assert.equal(running.cancel(), false);
        assert.equal(queued.cancel(), true);
        assert.equal(queued.cancelled(), true);
        await assert.rejects(queued, CancelledError);
        await gates.release(0);
        assert.equal(await running, 1);
        assert.equal(await pool.submit(increment), 1);
      } finally {
        gates.dispose();
      }
    });
  });

  describe(`${kind} pool: shutdown`, { timeout: 30_000 }, () => {
    it('shutdown waits for queued work; then submit throws; a second call is safe', async () => {
      const pool = makePool(kind, { maxWorkers: 1 });
      const futures = [1, 2, 3].map((n) => pool.submit(add, n, n));
      await pool.shutdown();
      assert.ok(futures.every((f) => f.done()));
      assert.deepEqual(
        futures.map((f) => f.result()),
        [2, 4, 6],
      );
      assert.throws(() => pool.submit(add, 1, 1), (e: unknown) => e instanceof InvalidStateError && /cannot schedule new futures after shutdown/.test(e.message));
      await pool.shutdown();
      assert.equal(pool.state, PoolState.CLOSED);
      assert.equal(pool.stats().workers, 0);
    });

    it('cancelFutures cancels what has not started and never what is running', async () => {
      const gates = new Gates(gateKind(kind), 1);
      const pool = makePool(kind, { maxWorkers: 1 });
      try {
        const running = pool.submit(gated, gates.handle(0), 'ran');
        const queued = [pool.submit(add, 1, 1), pool.submit(add, 2, 2)];
        await gates.started(0);
        const closing = pool.shutdown({ cancelFutures: true });
        assert.ok(queued.every((f) => f.cancelled()));
        assert.equal(running.running(), true);
        await gates.release(0);
        await closing;
        assert.equal(running.result(), 'ran');
      } finally {
        gates.dispose();
      }
    });

    it('shutdown({ wait: false }) returns at once and the work still finishes', async () => {
      const gates = new Gates(gateKind(kind), 1);
      const pool = makePool(kind, { maxWorkers: 1 });
      try {
        const running = pool.submit(gated, gates.handle(0), 'finished');
        await gates.started(0);
        await pool.shutdown({ wait: false });
        assert.equal(running.done(), false);
        await gates.release(0);
        assert.equal(await running, 'finished');
        await pool.shutdown();
        assert.equal(pool.state, 'closed');
      } finally {
        gates.dispose();
      }
    });
  });

  describe(`${kind} pool: map`, { timeout: 30_000 }, () => {
    it('yields results in input order, with chunksize too', async () => {
      await using pool = makePool(kind, { maxWorkers: 2 });
      for (const chunksize of [1, 3, 100]) {
        const out: number[] = [];
        for await (const value of pool.map(echo, [5, 1, 4, 2], { chunksize })) out.push(value as number);
        assert.deepEqual(out, [5, 1, 4, 2]);
      }
    });

    it('an error is thrown at its position and the rest is cancelled', async () => {
      await using pool = makePool(kind, { maxWorkers: 2 });
      for (const chunksize of [1, 2]) {
        const out: number[] = [];
        await assert.rejects(async () => {
          for await (const value of pool.map(squareUnless, [1, 2, 3, 4, 5], { chunksize })) out.push(value);
        }, /bad item 3/);
        assert.deepEqual(out, [1, 4]);
      }
    });

    it('reads an endless input ahead by a bounded amount and ends cleanly on break', async () => {
      await using pool = makePool(kind, { maxWorkers: 2 });
      let produced = 0;
      let closed = false;
      function* naturals(): Generator<number> {
        try {
          for (;;) yield produced++;
        } finally {
          closed = true;
        }
      }
      const out: number[] = [];
      for await (const value of pool.map(echo, naturals(), { readAhead: 8 })) {
        out.push(value as number);
        if (out.length === 20) break;
      }
      assert.deepEqual(out, Array.from({ length: 20 }, (_, i) => i));
      // readAhead items beyond the chunk whose results the loop was taking, the rest of which (an item, with
      // adaptive chunks of at most 8 / (2 × maxWorkers) = 2 here) was read too.
      assert.ok(produced <= 20 + 8 + 1, `read ${produced} items`);
      assert.equal(closed, true);
    });

    it('readAhead counts whole chunks, rounded down, so the bound holds with any chunksize', async () => {
      await using pool = makePool(kind, { maxWorkers: 2 });
      let produced = 0;
      function* naturals(): Generator<number> {
        for (;;) yield produced++;
      }
      const iterator = pool.map(echo, naturals(), { readAhead: 3, chunksize: 2 });
      // The first step reads ahead at once, before any result can be ready: one chunk of 2, not 2 of 2.
      const first = iterator.next();
      assert.equal(produced, 2);
      assert.deepEqual(await first, { done: false, value: 0 });
      await iterator.return?.(undefined);
    });

    it('accepts an async iterable', async () => {
      await using pool = makePool(kind, { maxWorkers: 2 });
      async function* letters(): AsyncGenerator<string> {
        yield 'a';
        yield 'b';
      }
      const out: string[] = [];
      for await (const value of pool.map(echo, letters())) out.push(value as string);
      assert.deepEqual(out, ['a', 'b']);
    });

    it('an async input fed by its own results keeps flowing, full chunks or not (a crawler)', async () => {
      await using pool = makePool(kind, { maxWorkers: 2 });
      for (const chunksize of [1, 4]) {
        // Each item is known only once the result before it is out: reading one item at a time, in line
        // with the results, would wait for the second item forever (here, until the timeout).
        const frontier = new Queue<number | null>();
        frontier.putNowait(1);
        async function* links(): AsyncGenerator<number> {
          for (let n = await frontier.get(); n !== null; n = await frontier.get()) yield n;
        }
        const out: number[] = [];
        for await (const n of pool.map(echo, links(), { chunksize, timeout: 10_000 })) {
          out.push(n as number);
          frontier.putNowait(out.length < 5 ? (n as number) + 1 : null);
        }
        assert.deepEqual(out, [1, 2, 3, 4, 5]);
      }
    });

    it('an async input that throws fails the iteration after the results before it', async () => {
      await using pool = makePool(kind, { maxWorkers: 2 });
      for (const chunksize of [1, 4]) {
        async function* breaks(): AsyncGenerator<number> {
          yield 1;
          yield 2;
          throw new RangeError('input broke');
        }
        const out: number[] = [];
        await assert.rejects(async () => {
          for await (const n of pool.map(echo, breaks(), { chunksize })) out.push(n as number);
        }, /input broke/);
        assert.deepEqual(out, [1, 2]);
      }
    });

    it('a sync input that throws fails the iteration after the results before it, whatever readAhead', async () => {
      await using pool = makePool(kind, { maxWorkers: 2 });
      for (const readAhead of [1, 2, 1024]) {
        for (const chunksize of [1, 2]) {
          let returned = false;
          // An iterator whose next() threw is done: as with for-of, its return() is not called.
          const breaks: IterableIterator<number> = {
            next: (() => {
              let n = 0;
              return (): IteratorResult<number> => {
                if (n === 3) throw new RangeError('input broke');
                return { value: ++n, done: false };
              };
            })(),
            return: (): IteratorResult<number> => {
              returned = true;
              return { value: undefined, done: true };
            },
            [Symbol.iterator]() {
              return this;
            },
          };
          const out: number[] = [];
          await assert.rejects(async () => {
            for await (const n of pool.map(echo, breaks, { chunksize, readAhead })) out.push(n as number);
          }, /input broke/);
          assert.deepEqual(out, [1, 2, 3], `readAhead ${readAhead}, chunksize ${chunksize}`);
          assert.equal(returned, false);
          assert.equal(pool.stats().queued, 0);
        }
      }
    });

    it('a pool shut down while an async input is read: the error is thrown and the input is closed', async () => {
      const unhandled: unknown[] = [];
      const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
      process.on('unhandledRejection', onUnhandled);
      try {
        for (const chunksize of [1, 2]) {
          await using pool = makePool(kind, { maxWorkers: 2 });
          let release!: () => void;
          const gate = new Promise<void>((resolve) => (release = resolve));
          let closed = false;
          // With chunksize 2, item 3 waits in a chunk not yet full when the input fails: sending it then fails too.
          async function* input(): AsyncGenerator<number> {
            try {
              yield 1;
              yield 2;
              yield 3;
              await gate;
              if (chunksize === 2) throw new RangeError('input broke');
              yield 4;
            } finally {
              closed = true;
            }
          }
          const out: number[] = [];
          await assert.rejects(async () => {
            for await (const n of pool.map(echo, input(), { chunksize })) {
              out.push(n as number);
              if (out.length === 1) {
                void pool.shutdown({ wait: false });
                release();
              }
            }
          }, /after shutdown/);
          await nextTurn();
          assert.deepEqual(unhandled, []);
          assert.equal(closed, true);
        }
      } finally {
        process.off('unhandledRejection', onUnhandled);
      }
    });

    it("an error that ends the iteration is not hidden by one from the input's return()", async () => {
      await using pool = makePool(kind, { maxWorkers: 2 });
      const endless = (mode: 'sync' | 'async'): Iterable<number> | AsyncIterable<number> => {
        let n = 0;
        const broke = (): never => {
          throw new Error('return broke');
        };
        return mode === 'sync'
          ? { [Symbol.iterator]: () => ({ next: () => ({ value: ++n, done: false }), return: broke }) }
          : { [Symbol.asyncIterator]: () => ({ next: async () => ({ value: ++n, done: false }), return: async () => broke() }) };
      };
      for (const mode of ['sync', 'async'] as const) {
        const out: number[] = [];
        await assert.rejects(
          async () => {
            for await (const n of pool.map(squareUnless, endless(mode), { readAhead: 4 })) out.push(n);
          },
          /bad item 3/,
          mode,
        );
        assert.deepEqual(out, [1, 4]);
        // As with for-of, a break still reports the error of return().
        await assert.rejects(async () => {
          for await (const _ of pool.map(squareUnless, endless(mode), { readAhead: 4 })) break;
        }, /return broke/);
      }
    });

    it('break ends the iteration while a read of the async input is pending', async () => {
      await using pool = makePool(kind, { maxWorkers: 1 });
      async function* oneThenNothing(): AsyncGenerator<number> {
        yield 1;
        await new Promise(() => undefined);
      }
      const out: number[] = [];
      for await (const n of pool.map(echo, oneThenNothing())) {
        out.push(n as number);
        break;
      }
      assert.deepEqual(out, [1]);
      assert.equal(pool.stats().queued, 0);
    });

    it('the timeout also covers waiting for an input that stalls', async () => {
      await using pool = makePool(kind, { maxWorkers: 1 });
      async function* stalls(): AsyncGenerator<number> {
        yield 1;
        await new Promise(() => undefined); // never yields again
      }
      // Without the deadline on reads, this would wait forever for the second item.
      await assert.rejects(async () => {
        for await (const _ of pool.map(echo, stalls(), { timeout: 50 })) continue;
      }, TimeoutError);
    });

    it('timeout counts from the call: TimeoutError, and the remaining work is cancelled', async () => {
      await using pool = makePool(kind, { maxWorkers: 1 });
      const iterator = pool.map(echo, [1, 2, 3, 4], { timeout: 0 });
      await assert.rejects(iterator.next(), TimeoutError);
      assert.equal(pool.stats().queued, 0);
      assert.deepEqual(await iterator.next(), { done: true, value: undefined });
    });
  });
}

for (const kind of KINDS) {
  test(`${kind} pool: a worker idle for idleTimeout stops, and the next task starts a new one`, async (t) => {
    await using pool = makePool(kind, { maxWorkers: 1, idleTimeout: 1000 });
    enableMockTimers(t, { apis: ['setTimeout'] });
    const first = await pool.submit(whoAmI);
    assert.equal(await pool.submit(whoAmI), first);
    t.mock.timers.tick(1000);
    assert.notEqual(await pool.submit(whoAmI), first);
    t.mock.timers.reset();
  });
}

for (const kind of KINDS) {
  test(`${kind} pool: cancel() of a queued task with a signal removes its listener at once`, async () => {
    const gates = new Gates(kind, 1);
    await using pool = makePool(kind, { maxWorkers: 1 });
    try {
      const blocker = pool.submit(gated, gates.handle(0), 'done');
      await gates.started(0);
      const controller = new AbortController();
      const queued = pool.submitWith(add, [1, 2], { signal: controller.signal, timeout: 60_000 });
      assert.equal(getEventListeners(controller.signal, 'abort').length, 1);
      assert.equal(queued.cancel(), true);
      assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
      await gates.release(0);
      assert.equal(await blocker, 'done');
    } finally {
      gates.dispose();
    }
  });
}

for (const kind of KINDS) {
  test(`${kind} pool: results forged on a worker's channel are dropped with a warning; the real answers still match`, async (t) => {
    const warnings = catchWarningsOfType(t, 'ChannelError');
    await using pool = makePool(kind, { maxWorkers: 1 });
    assert.equal(await pool.submit(forgeResults), 'real');
    // The warning is emitted on the next tick after the message that caused it.
    await nextTurn();
    assert.deepEqual(warnings.map((w) => w.message), ["a worker sent a malformed message of results, dropped: it does not carry the worker's token"]);
    assert.deepEqual(await Promise.all([pool.submit(add, 1, 2), pool.submit(add, 2, 2)]), [3, 4]);
  });
}

for (const kind of KINDS) {
  const Broken = kind === 'thread' ? BrokenThreadPool : BrokenProcessPool;

  describe(`${kind} pool: terminateWorkers() and killWorkers()`, { timeout: 30_000 }, () => {
    for (const method of ['terminateWorkers', 'killWorkers'] as const) {
      test(`${method}() stops the running tasks at once, cancels the queued ones and closes the pool`, async () => {
        const gates = new Gates(kind, 2);
        const pool = makePool(kind, { maxWorkers: 2 });
        try {
          const spinning = [pool.submit(announceThenSpin, gates.handle(0)), pool.submit(announceThenSpin, gates.handle(1))];
          const queued = [pool.submit(add, 1, 1), pool.submit(add, 2, 2)];
          await gates.started(0);
          await gates.started(1);
          await pool[method]();
          assert.equal(pool.state, 'closed');
          for (const future of spinning) {
            await assert.rejects(future, (e: unknown) => e instanceof Broken && e.message === `a ${kind} worker was stopped by ${method}() before the task finished`);
          }
          assert.deepEqual(queued.map((f) => f.state), ['cancelled', 'cancelled']);
          assert.throws(() => pool.submit(add, 1, 1), InvalidStateError);
          const { workers, running, queued: waiting, failed, cancelled } = pool.stats();
          assert.deepEqual({ workers, running, waiting, failed, cancelled }, { workers: 0, running: 0, waiting: 0, failed: 2, cancelled: 2 });
          // Safe to call again, and after shutdown.
          await pool[method]();
          await pool.shutdown();
        } finally {
          gates.dispose();
        }
      });
    }
  });
}
