import { parentPort } from 'node:worker_threads';
import { markPoolWorker, taskEnded, taskStarted } from '../tasks/import-guard.js';
import { loadTask } from '../tasks/load-task.js';
import { toWire } from '../tasks/wire-error.js';
import type { SyncCall, SyncReply } from '../wire/sync-call.js';
import { bridgeLoaders } from './loader-bridge.js';

// Entry point of the thread behind runSync. It runs one call at a time.
markPoolWorker();
await bridgeLoaders();
let current: Int32Array | undefined;
parentPort!.on('message', (call: SyncCall) => void serve(call));
// If the task ends this thread (process.exit, an uncaught error), wake the blocked caller anyway: it finds
// no reply and reports that the worker ended.
process.on('exit', () => {
  if (current === undefined) return;
  Atomics.store(current, 0, 1);
  Atomics.notify(current, 0);
});

async function serve({ task, args, port, flag }: SyncCall): Promise<void> {
  current = flag;
  let reply: SyncReply;
  try {
    const fn = await loadTask(task);
    taskStarted();
    try {
      reply = { ok: true, value: await fn(...args) };
    } finally {
      taskEnded();
    }
  } catch (error) {
    reply = { ok: false, error: toWire(error) };
  }
  try {
    port.postMessage(reply);
  } catch (error) {
    const failed: SyncReply = { ok: false, error: toWire(new TypeError(`the result could not be sent back: ${(error as Error).message}`)) };
    port.postMessage(failed);
  }
  port.close();
  current = undefined;
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
}
