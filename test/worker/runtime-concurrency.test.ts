import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GUARDED, RESULT_OK, RESULT_RUNNING, taskCode, type FromWorker, type LateResultsMessage, type ResultsMessage, type RunMessage } from '../../src/wire/protocol.js';
import { WorkerRuntime } from '../../src/worker/runtime.js';
import { nextTurn } from '../fixtures/settle.js';

// The worker's runtime with several async tasks at once (WorkerInit.concurrency), driven by hand: what it
// posts, and when a post's send completes.

interface Here {
  open?: Record<string, () => void>;
  gBegan?: boolean;
}
const here = globalThis as Here;

test('a guarded task begins only once the late answers posted before it have left', async (t) => {
  const posted: FromWorker[] = [];
  const pending: (() => void)[] = [];
  const before = new Set(process.listeners('uncaughtException'));
  // Late answers complete their send only when the test says so (a process's IPC send is asynchronous).
  const runtime = new WorkerRuntime((message, sent) => {
    posted.push(message);
    if (!Array.isArray(message) && (message as LateResultsMessage).type === 'late') pending.push(() => sent?.());
    else sent?.();
  }, { initializer: undefined, initargs: [], uncaughtErrors: 'report', token: 5, worker: 1, concurrency: 2 });
  t.after(() => {
    for (const listener of process.listeners('uncaughtException')) if (!before.has(listener)) process.off('uncaughtException', listener);
    delete here.open;
    delete here.gBegan;
  });
  await nextTurn();
  here.open = {};
  const waits = '(name) => new Promise((resolve) => { globalThis.open[name] = () => resolve(name); })';
  const begins = '() => { globalThis.gBegan = true; return "g"; }';
  // Two async tasks fill both lanes; a guarded task waits behind them.
  runtime.receive([0, [[0, { kind: 'source', source: waits, name: 'waits' }], [1, { kind: 'source', source: begins, name: 'begins' }]], 0, taskCode(0, false), ['a'], taskCode(0, false), ['b']]);
  runtime.receive([2, 0, GUARDED, taskCode(1, false), []] as RunMessage);
  await nextTurn();
  const running = posted.filter((m): m is ResultsMessage => Array.isArray(m)).flatMap((m) => m.slice(2));
  assert.deepEqual(running, [RESULT_RUNNING, undefined, RESULT_RUNNING, undefined]);
  assert.equal(here.gBegan, undefined, 'no lane is free');
  here.open.a!();
  await nextTurn();
  const late = posted.filter((m): m is LateResultsMessage => !Array.isArray(m) && (m as LateResultsMessage).type === 'late');
  assert.deepEqual(late.map((m) => m.results), [[0, RESULT_OK, 'a']]);
  assert.equal(here.gBegan, undefined, 'a lane is free, but the late answer of a has not left: stopping the guarded task now would lose it');
  pending.shift()!();
  await nextTurn();
  assert.equal(here.gBegan, true);
  here.open.b!();
  await nextTurn();
});
