import {
  asCompleted,
  Barrier,
  BoundedSemaphore,
  collect,
  Condition,
  defineTask,
  Event,
  every,
  Future,
  LifoQueue,
  Lock,
  PriorityQueue,
  ProcessPoolExecutor,
  Queue,
  rateLimited,
  resolve,
  Semaphore,
  SharedCondition,
  SharedEvent,
  SharedLock,
  SharedQueue,
  SharedSemaphore,
  sleep,
  TaskGroup,
  taskRef,
  ThreadPoolExecutor,
  timeout,
  wait,
} from 'aiox';
import { seeded } from '../soak/soak.js';

/**
 * A fuzz of the public API's inputs. Each target calls one API with a hostile value in one place and valid
 * values elsewhere (a signal of the fuzz's own, so that whatever waits can be stopped). A call may succeed,
 * or fail with an error that names the problem; it may not hang once the fuzz aborts its signal, crash the
 * process, or fail with one of the engine's own messages (`Cannot read properties of null`, `x is not a
 * function`), which say nothing about the caller's mistake.
 */

/** Thrown by the hostile values that trap every property read: an error of the input's own, which may pass. */
export const TRAP = 'fuzz trap: a property of the input was read';

const trap = new Proxy(
  {},
  {
    get() {
      throw new Error(TRAP);
    },
    has() {
      throw new Error(TRAP);
    },
    ownKeys() {
      throw new Error(TRAP);
    },
  },
);

function sharedGarbage(random: () => number): SharedArrayBuffer {
  const buffer = new SharedArrayBuffer(8 * (1 + Math.floor(random() * 64)));
  const bytes = new Uint8Array(buffer);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(random() * 256);
  return buffer;
}

/** One hostile value: primitives at the edges, odd objects, and traps. */
export function hostile(random: () => number): unknown {
  const values: (() => unknown)[] = [
    () => undefined,
    () => null,
    () => true,
    () => 0,
    () => -0,
    () => -1,
    () => 1.5,
    () => NaN,
    () => Infinity,
    () => -Infinity,
    () => 2 ** 31,
    () => 2 ** 53,
    () => Math.floor(random() * 1e9) - 5e8,
    () => '',
    () => 'x',
    () => '12',
    () => './relative.js',
    () => 'data:text/javascript,export default 1',
    () => Symbol('fuzz'),
    () => 10n,
    () => ({}),
    () => [],
    () => [null, undefined, 1],
    () => Object.create(null) as unknown,
    () => ({ then: 1 }),
    () => new Date(NaN),
    () => /x/,
    () => new Map([[1, 2]]),
    () => () => undefined,
    () => trap,
    () => new ArrayBuffer(8),
    () => sharedGarbage(random),
    () => ({ buffer: sharedGarbage(random), kind: 'SharedQueue' }),
    () => AbortSignal.abort('fuzz'),
    () => new Future(),
    () => Promise.resolve(1),
  ];
  return values[Math.floor(random() * values.length)]!();
}

/** An options object: a hostile value itself, or an object with some known keys set to hostile values. */
function hostileOptions(random: () => number, keys: readonly string[]): unknown {
  if (random() < 0.3) return hostile(random);
  const options: Record<string, unknown> = {};
  for (const key of keys) if (random() < 0.6) options[key] = hostile(random);
  return options;
}

/** One way of calling the API; `signal` is the fuzz's own, aborted when the fuzz is done with the call. */
export interface Target {
  readonly name: string;
  call(random: () => number, signal: AbortSignal): unknown;
}

// Reached through `as never`: the point is to pass what the types forbid, as a JavaScript caller can.
const h = hostile;
const o = hostileOptions;

/**
 * Pool options, with `minWorkers` kept small when it is a valid count: a pool starts that many workers at once,
 * and a valid request for two billion of them is the caller's to make, not the fuzz's.
 */
function poolOptions(random: () => number, keys: readonly string[]): unknown {
  const options = o(random, ['maxWorkers', 'minWorkers', 'idleTimeout', 'maxTasksPerWorker', 'initializer', 'initargs', ...keys]);
  if (options === trap || typeof options !== 'object' || options === null) return options;
  const record = options as Record<string, unknown>;
  if (typeof record['minWorkers'] === 'number' && record['minWorkers'] > 2) record['minWorkers'] = 2;
  return options;
}

export const TARGETS: readonly Target[] = [
  { name: 'new ThreadPoolExecutor(options)', call: (r) => new ThreadPoolExecutor(poolOptions(r, ['resourceLimits', 'name']) as never) },
  { name: 'new ProcessPoolExecutor(options)', call: (r) => new ProcessPoolExecutor(poolOptions(r, ['execArgv', 'env']) as never) },
  { name: 'new Queue(options)', call: (r) => new Queue(o(r, ['maxsize']) as never) },
  { name: 'new LifoQueue(options)', call: (r) => new LifoQueue(o(r, ['maxsize']) as never) },
  { name: 'new PriorityQueue(options)', call: (r) => new PriorityQueue(o(r, ['maxsize', 'compare']) as never) },
  { name: 'queue.get(options)', call: (r, signal) => new Queue().get({ ...(o(r, ['signal', 'timeout']) as object), signal } as never) },
  { name: 'queue.put(item, options)', call: (r, signal) => new Queue({ maxsize: 1 }).put(h(r), { ...(o(r, ['timeout']) as object), signal } as never) },
  { name: 'new Semaphore(value)', call: (r) => new Semaphore(h(r) as never) },
  { name: 'new BoundedSemaphore(value)', call: (r) => new BoundedSemaphore(h(r) as never) },
  { name: 'semaphore.acquireMany(n, options)', call: (r, signal) => new Semaphore(2).acquireMany(h(r) as never, { signal }) },
  { name: 'new Barrier(parties)', call: (r) => new Barrier(h(r) as never) },
  { name: 'new Condition(lock)', call: (r) => new Condition(h(r) as never) },
  { name: 'lock.acquire(options)', call: (r) => new Lock().acquire(o(r, ['signal', 'timeout']) as never) },
  { name: 'event.wait(options)', call: (r, signal) => new Event().wait({ ...(o(r, ['timeout']) as object), signal } as never) },
  { name: 'new TaskGroup(options)', call: (r) => new TaskGroup(o(r, ['signal']) as never) },
  { name: 'sleep(ms, options)', call: (r, signal) => sleep(h(r) as never, { signal }) },
  { name: 'sleep(1, options)', call: (r) => sleep(1, o(r, ['signal']) as never) },
  { name: 'timeout(ms, work)', call: (r, signal) => timeout(h(r) as never, () => sleep(1e9, { signal }), { signal }) },
  { name: 'timeout(1, work)', call: (r) => timeout(1, h(r) as never) },
  { name: 'every(interval, fn, options)', call: (r, signal) => every(h(r) as never, () => undefined, { signal }) },
  { name: 'every(1000, fn, options)', call: (r, signal) => every(1000, () => undefined, { ...(o(r, ['immediate', 'overlap']) as object), signal } as never) },
  { name: 'rateLimited(options)', call: (r) => rateLimited(o(r, ['maxCalls', 'period', 'minInterval']) as never) },
  { name: 'rateLimited(options)(fn)', call: (r) => rateLimited({ maxCalls: 1, period: 1 })(h(r) as never) },
  { name: 'collect(items, options)', call: (r, signal) => collect(h(r) as never, { signal }) },
  { name: 'collect([], options)', call: (r) => collect([], o(r, ['workers', 'signal']) as never) },
  { name: 'resolve(items, options)', call: (r, signal) => drain(resolve(h(r) as never, { signal })) },
  { name: 'resolve([], options)', call: (r) => drain(resolve([], o(r, ['workers', 'greediness', 'signal']) as never)) },
  { name: 'wait(futures, options)', call: (r) => wait(h(r) as never, { timeout: 0 }) },
  { name: 'wait([futures], options)', call: (r) => wait([new Future(), h(r)] as never, { timeout: 0 }) },
  { name: 'wait([], options)', call: (r) => wait([], o(r, ['timeout', 'returnWhen']) as never) },
  { name: 'asCompleted(futures)', call: (r) => drain(asCompleted(h(r) as never, { timeout: 0 })) },
  { name: 'asCompleted([future, x])', call: (r) => drain(asCompleted([h(r)] as never, { timeout: 0 })) },
  { name: 'taskRef(module, name)', call: (r) => taskRef(h(r) as never, h(r) as never) },
  { name: 'defineTask(module, fn)', call: (r) => defineTask(h(r) as never, h(r) as never) },
  { name: 'SharedLock.from(x)', call: (r) => SharedLock.from(h(r) as never) },
  { name: 'SharedEvent.from(x)', call: (r) => SharedEvent.from(h(r) as never) },
  { name: 'SharedSemaphore.from(x)', call: (r) => SharedSemaphore.from(h(r) as never) },
  { name: 'SharedCondition.from(x)', call: (r) => SharedCondition.from(h(r) as never) },
  { name: 'SharedQueue.from(x)', call: (r) => SharedQueue.from(h(r) as never) },
  { name: 'new SharedQueue(options)', call: (r) => new SharedQueue(o(r, ['maxBytes', 'maxsize']) as never) },
  { name: 'new SharedSemaphore(permits)', call: (r) => new SharedSemaphore(h(r) as never) },
];

async function drain(iterable: AsyncIterable<unknown>): Promise<void> {
  for await (const _ of iterable) {
    // Only the errors matter.
  }
}

/** Messages that describe the engine's trouble, not the caller's mistake. */
const ENGINE_MESSAGES = [
  /^Cannot read propert/,
  /^Cannot set propert/,
  /is not a function$/,
  /is not iterable/,
  /is not a constructor/,
  /^Cannot convert /,
  /^Cannot destructure/,
  /^Invalid array length/,
  /^Maximum call stack/,
];

/** Why an error thrown for a bad input is not good enough, or undefined when it is. */
export function weakError(error: unknown): string | undefined {
  // The reason of an aborted signal among the hostile values is passed on as it is, as it should be.
  if (error === 'fuzz') return undefined;
  if (!(error instanceof Error)) return `threw a non-error: ${String(error)}`;
  if (error.message === TRAP || error.message === 'fuzz') return undefined;
  if (error.message.trim() === '') return `threw ${error.name} with no message`;
  if (ENGINE_MESSAGES.some((pattern) => pattern.test(error.message))) return `threw ${error.name}: ${error.message}`;
  return undefined;
}

/** What a fuzz run found: each entry names the target, the case number and what went wrong. */
export interface FuzzReport {
  readonly calls: number;
  readonly problems: readonly string[];
}

/** How long a call may stay pending after its signal was aborted before it counts as a hang. */
const HANG_MS = 2000;

/**
 * Calls every target `iterations` times with hostile values from `seed`. Whatever a call creates that holds
 * resources (a pool, a periodic job) is closed afterwards.
 */
export async function fuzz(seed: number, iterations: number): Promise<FuzzReport> {
  const problems: string[] = [];
  let calls = 0;
  for (const target of TARGETS) {
    for (let i = 0; i < iterations; i++) {
      // Each case has its own generator, so one case is replayed from (seed, target, i) alone.
      const random = seeded(seed * 7919 + i * 104729 + target.name.length * 31 + target.name.charCodeAt(target.name.length - 2));
      const controller = new AbortController();
      calls++;
      let outcome: unknown;
      try {
        outcome = target.call(random, controller.signal);
      } catch (error) {
        const weak = weakError(error);
        if (weak !== undefined) problems.push(`${target.name} case ${i}: ${weak}`);
        continue;
      }
      await settle(target.name, i, outcome, controller, problems);
    }
  }
  return { calls, problems };
}

async function settle(name: string, i: number, outcome: unknown, controller: AbortController, problems: string[]): Promise<void> {
  if (outcome instanceof ThreadPoolExecutor || outcome instanceof ProcessPoolExecutor) {
    await outcome.shutdown({ cancelFutures: true });
    return;
  }
  if (typeof (outcome as { stop?: unknown } | null)?.stop === 'function') (outcome as { stop(): void }).stop();
  if (!(outcome instanceof Promise)) return;
  // Give the call a moment on its own, then stop it; it must settle once stopped.
  let timer: NodeJS.Timeout | undefined;
  const settled = outcome.then(
    () => undefined,
    (error: unknown) => {
      const weak = weakError(error);
      if (weak !== undefined) problems.push(`${name} case ${i}: ${weak}`);
    },
  );
  await Promise.race([settled, new Promise((r) => setImmediate(r))]);
  controller.abort('fuzz');
  const hung = await Promise.race([
    settled.then(() => false),
    new Promise<boolean>((r) => {
      timer = setTimeout(() => r(true), HANG_MS);
    }),
  ]);
  clearTimeout(timer);
  if (hung) problems.push(`${name} case ${i}: still pending ${HANG_MS} ms after its signal was aborted`);
}

/**
 * Messages a worker's task could post on the pool's channel that are not the runtime's: malformed ones, and
 * well-formed ones without the worker's token (a second `ready`, a fatal `uncaught` that would end the worker,
 * results that would answer its tasks). The pool must drop each one with a ChannelError warning.
 */
export const GARBAGE_MESSAGES: readonly unknown[] = [
  null,
  42,
  'results',
  {},
  { type: 'toString' },
  { type: '__proto__' },
  { type: 'init-failed' },
  { type: 'uncaught', error: 1, origin: 'constructor', fatal: true, unstarted: 0 },
  { type: 'uncaught', error: { error: true, name: 'Error', ctor: 'Error', message: 'forged', stack: undefined, props: {} }, origin: 'uncaughtException', fatal: true, unstarted: 0 },
  { type: 'ready', extra: true },
  { type: 'init-failed', error: 5 },
  { type: 'init-failed', error: { error: true, ctor: 'toString', name: 1, message: {}, props: null } },
  [],
  ['busy'],
  [-1],
  [0, 99, 'unknown status'],
  [0, 1, { error: true, ctor: 'constructor', name: 'x', message: 'm', stack: 5, props: { then: 1 } }],
  [1e308, 0, 1, 0, 2, 0, 3, 0, 4],
];
