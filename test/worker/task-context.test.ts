import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidStateError } from '../../src/futures/errors.js';
import { currentTask, type TaskContext } from '../../src/tasks/current-task.js';
import type { TaskDescriptor } from '../../src/tasks/task.js';
import { toWire } from '../../src/tasks/wire-error.js';
import { RESULT_OK, RESULT_SKIPPED, RESULTS_HEADER, taskCode, type FromWorker, type ResultsMessage, type RunMessage } from '../../src/wire/protocol.js';
import { TaskFrames } from '../../src/worker/task-context.js';
import { WorkerRuntime } from '../../src/worker/runtime.js';
import { nextTurn } from '../fixtures/settle.js';

type Sent = [seq: number, kind: string, value: unknown, item: number];

function frames(): { frames: TaskFrames; sent: Sent[] } {
  const sent: Sent[] = [];
  return { frames: new TaskFrames(7, (seq, kind, value, item) => sent.push([seq, kind, value, item])), sent };
}

const LISTENED = taskCode(0, false, true);
const UNLISTENED = taskCode(0, false);

test('the context exists only while its task runs its synchronous part, and is made once', () => {
  const { frames: f } = frames();
  assert.throws(() => currentTask(), (e: unknown) => e instanceof InvalidStateError && /outside a running task/.test(e.message));
  f.begin(41, UNLISTENED);
  const context = currentTask();
  assert.equal(currentTask(), context);
  assert.equal(context.id, '7.41');
  assert.deepEqual(context.worker, { id: 7, kind: 'process' }); // this test runs on the main thread
  f.await();
  assert.throws(() => currentTask(), (e: unknown) => e instanceof InvalidStateError && /after an await of an async task/.test(e.message));
  assert.equal(f.end(), undefined);
  assert.throws(() => currentTask(), /outside a running task/);
  f.begin(42, UNLISTENED);
  assert.notEqual(currentTask(), context);
  f.end();
});

test('a task nobody listens to sends nothing', () => {
  const { frames: f, sent } = frames();
  f.begin(0, UNLISTENED);
  const context = currentTask();
  context.progress(1);
  context.emit('e');
  assert.equal(f.end(), undefined);
  assert.deepEqual(sent, []);
});

test('progress goes at once, then is held back and sent before an event and at the end; nothing after the end', () => {
  const { frames: f, sent } = frames();
  f.begin(3, LISTENED);
  const context = currentTask<number, string>();
  context.progress(1);
  assert.deepEqual(sent, [[3, 'progress', 1, -1]]);
  for (let i = 2; i <= 100; i++) context.progress(i);
  context.emit('e');
  // Whether a value went in between depends on the clock; the last one before the event always does.
  assert.deepEqual(sent.at(-2), [3, 'progress', 100, -1]);
  assert.deepEqual(sent.at(-1), [3, 'event', 'e', -1]);
  context.progress(101);
  assert.equal(f.end(), undefined);
  assert.deepEqual(sent.at(-1), [3, 'progress', 101, -1]);
  const count = sent.length;
  context.progress(102);
  context.emit('late');
  assert.equal(sent.length, count, 'a report after the task settled is ignored');
});

test('a map chunk\'s reports carry the item that made them', () => {
  const { frames: f, sent } = frames();
  f.begin(0, taskCode(0, true, true));
  f.item = 2;
  currentTask().emit('x');
  f.end();
  assert.deepEqual(sent, [[0, 'event', 'x', 2]]);
});

test('an event that cannot be sent throws at the call; a held value that cannot fails the task at its end', () => {
  const f = new TaskFrames(1, (_seq, _kind, value) => {
    if (value === 'bad') throw new Error('could not be cloned');
  });
  f.begin(0, LISTENED);
  const context = currentTask();
  assert.throws(() => context.emit('bad'), { name: 'TypeError', message: /the task's event could not be sent to the caller: could not be cloned/ });
  context.progress(1);
  let thrown: unknown;
  try {
    context.progress('bad');
  } catch (error) {
    thrown = error;
  }
  const failure = f.end();
  // Sent at once (the interval was over) it throws at the call; held, it fails the task at its end.
  const error = (thrown ?? failure?.error) as Error;
  assert.match(error.message, /the task's progress value could not be sent to the caller/);
  assert.equal(thrown === undefined, failure !== undefined);
});

test('the signal is made on first read and aborts when the engine asks for the running task only', () => {
  const { frames: f } = frames();
  f.begin(5, UNLISTENED);
  const context: TaskContext = currentTask();
  const signal = context.signal;
  assert.equal(context.signal, signal);
  f.abort(4, 'not this one');
  assert.equal(signal.aborted, false);
  f.abort(5, 'stop');
  assert.equal(signal.aborted, true);
  assert.equal(signal.reason, 'stop');
  f.end();
  // Aborted before the task read its signal: it reads an aborted one.
  f.begin(6, UNLISTENED);
  f.abort(6, 'early');
  assert.equal(currentTask().signal.reason, 'early');
  f.end();
  // After its end, the abort is ignored.
  f.begin(7, UNLISTENED);
  const late = currentTask();
  f.end();
  f.abort(7, 'late');
  assert.equal(late.signal.aborted, false);
});

test('an abort that arrives before its task begins applies when it begins, and only to that task', () => {
  const { frames: f } = frames();
  // Tasks 3 and 5 wait behind 1 (or for their module, or for answers to leave) when their aborts arrive.
  f.begin(1, UNLISTENED);
  f.abort(3, 'early 3');
  f.abort(5, 'early 5');
  f.abort(3, 'again');
  assert.equal(currentTask().signal.aborted, false, 'the running task is not the one aborted');
  f.end();
  f.begin(2, UNLISTENED);
  assert.equal(currentTask().signal.aborted, false);
  f.end();
  f.begin(3, UNLISTENED);
  assert.equal(currentTask().signal.reason, 'early 3', 'the first reason holds');
  f.end();
  // Task 4 never began (taken back or skipped): 5 still gets its own abort, and nothing else does.
  f.begin(5, UNLISTENED);
  const five = currentTask();
  assert.equal(five.signal.reason, 'early 5');
  f.end();
  f.begin(6, UNLISTENED);
  assert.equal(currentTask().signal.aborted, false);
  f.end();
  // An abort for a task already ended is not kept for a later one.
  f.abort(2, 'too late');
  f.begin(7, UNLISTENED);
  assert.equal(currentTask().signal.aborted, false);
  f.end();
});

test('the runtime aborts the running task\'s signal on an abort message, and ignores a malformed one', async (t) => {
  const posted: FromWorker[] = [];
  const before = new Set(process.listeners('uncaughtException'));
  const runtime = new WorkerRuntime((message, sent) => {
    posted.push(message);
    sent?.();
  }, { initializer: undefined, initargs: [], uncaughtErrors: 'report', token: 9, worker: 2 });
  t.after(() => {
    for (const listener of process.listeners('uncaughtException')) if (!before.has(listener)) process.off('uncaughtException', listener);
  });
  await nextTurn();
  const source = '() => { const task = currentTask(); return new Promise((resolve) => task.signal.addEventListener("abort", () => resolve(task.signal.reason.message))); }';
  const run: RunMessage = [0, [[0, { kind: 'source', source, name: 'waits' }]], 0, taskCode(0, false), []];
  runtime.receive(run);
  await nextTurn();
  for (const bad of [{ seq: -1 }, { seq: 1.5 }, { seq: '0' }, { seq: 0, reason: 'not a wire error' }]) {
    runtime.abortTask({ type: 'abort', reason: toWire(new Error('x')), ...bad } as never);
  }
  runtime.abortTask({ type: 'abort', seq: 1, reason: toWire(new Error('another task')) });
  await nextTurn();
  assert.equal(posted.filter(Array.isArray).length, 0, 'still running');
  runtime.abortTask({ type: 'abort', seq: 0, reason: toWire(new Error('stop now')) });
  await nextTurn();
  const results = posted.filter((m): m is ResultsMessage => Array.isArray(m));
  assert.deepEqual(results.map((r) => r.slice(1)), [[9, RESULT_OK, 'stop now']]);
});

/** A runtime as a process's (no claim ring), whose posts are kept; removes its uncaught listener after `t`. */
function processRuntime(t: { after(fn: () => void): void }): { runtime: WorkerRuntime; results: () => unknown[][]; posts: (count: number) => Promise<void> } {
  const posted: FromWorker[] = [];
  const before = new Set(process.listeners('uncaughtException'));
  let waiting: { count: number; resolve: () => void } | undefined;
  const runtime = new WorkerRuntime((message, sent) => {
    posted.push(message);
    sent?.();
    if (waiting !== undefined && results().length >= waiting.count) waiting.resolve();
  }, { initializer: undefined, initargs: [], uncaughtErrors: 'report', token: 9, worker: 2 });
  t.after(() => {
    for (const listener of process.listeners('uncaughtException')) if (!before.has(listener)) process.off('uncaughtException', listener);
  });
  const results = (): unknown[][] => posted.filter((m): m is ResultsMessage => Array.isArray(m)).map((r) => r.slice(RESULTS_HEADER));
  // Resolves once `count` messages of results have been posted.
  const posts = (count: number): Promise<void> => (results().length >= count ? Promise.resolve() : new Promise((resolve) => (waiting = { count, resolve })));
  return { runtime, results, posts };
}

test('a process task aborted before it begins is answered skipped and never runs', async (t) => {
  const { runtime, results } = processRuntime(t);
  await nextTurn();
  const ran: string[] = [];
  (globalThis as { aioxTestRan?: string[] }).aioxTestRan = ran;
  t.after(() => delete (globalThis as { aioxTestRan?: string[] }).aioxTestRan);
  const first = '() => { const task = currentTask(); return new Promise((resolve) => task.signal.addEventListener("abort", () => resolve("first stopped"))); }';
  const second = '() => { globalThis.aioxTestRan.push("second"); return "second ran"; }';
  const defs: [number, TaskDescriptor][] = [
    [0, { kind: 'source', source: first, name: 'first' }],
    [1, { kind: 'source', source: second, name: 'second' }],
  ];
  runtime.receive([0, defs, 0, taskCode(0, false), [], taskCode(1, false), []]);
  await nextTurn();
  // Task 1 waits behind task 0 when both are aborted, 1 first.
  runtime.abortTask({ type: 'abort', seq: 1, reason: toWire(new Error('stop 1')) });
  runtime.abortTask({ type: 'abort', seq: 0, reason: toWire(new Error('stop 0')) });
  await nextTurn();
  assert.deepEqual(results().flat(), [RESULT_OK, 'first stopped', RESULT_SKIPPED, undefined]);
  assert.deepEqual(ran, [], 'the aborted task never ran');
  // The next task with the same function runs as usual.
  runtime.receive([2, 0, 0, taskCode(1, false), []]);
  await nextTurn();
  assert.deepEqual(results().at(-1), [RESULT_OK, 'second ran']);
  assert.deepEqual(ran, ['second']);
});

test('a process task aborted while its module loads is answered at once, not once the module has loaded', async (t) => {
  const { runtime, results, posts } = processRuntime(t);
  await nextTurn();
  let open!: () => void;
  (globalThis as { aioxTestLoadGate?: Promise<void> }).aioxTestLoadGate = new Promise<void>((resolve) => (open = resolve));
  t.after(() => delete (globalThis as { aioxTestLoadGate?: Promise<void> }).aioxTestLoadGate);
  const module = new URL('../fixtures/gated-module.js', import.meta.url).href;
  runtime.receive([0, [[0, { kind: 'module', module, name: 'loaded' }]], 0, taskCode(0, false), [], taskCode(0, false), []]);
  await nextTurn();
  assert.deepEqual(results(), [], 'loading');
  runtime.abortTask({ type: 'abort', seq: 0, reason: toWire(new Error('stop')) });
  await nextTurn();
  assert.deepEqual(results(), [[RESULT_SKIPPED, undefined]], 'answered while the module still loads');
  open();
  await posts(2);
  assert.deepEqual(results()[1], [RESULT_OK, 'ran'], 'the task behind it runs once the module has loaded');
});
