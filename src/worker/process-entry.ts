import type { AbortTaskMessage, InitMessage, ToWorker } from '../wire/protocol.js';
import { markPoolWorker } from '../tasks/import-guard.js';
import { HandleInbox } from './handle-inbox.js';
import { watchParent } from './orphan-watchdog.js';
import { WorkerRuntime } from './runtime.js';

markPoolWorker();
// Entry point of a pool child process: the first IPC message is the init, the rest are batches.
const ignoreSendError = (): void => undefined;
let runtime: WorkerRuntime | undefined;
const inbox = new HandleInbox((run) => runtime!.receive(run));
process.on('message', (message: ToWorker, handle: unknown) => {
  if (!Array.isArray(message) && (message as InitMessage).type === 'init') {
    runtime = new WorkerRuntime((reply, sent) => {
      // A message that cannot be cloned still throws here. A send that fails because the parent is gone
      // (it may end while a generator task it no longer waits for still runs here) has no one to tell.
      process.send!(reply, undefined, undefined, sent ?? ignoreSendError);
    }, (message as InitMessage).init);
    const started = runtime;
    const watch = (): void => watchParent(started.stashShare, () => started.stashUnwatched());
    // With the parent's reaper (pool/orphan-reaper.ts), the child's death with its parent is the reaper's
    // work, and the watchdog, whose start costs the child about 60 ms of CPU, is started only once keeping
    // the stash file in memory pays. Without one, it is started once the 'ready' is on its way, so its
    // start-up does not delay the child's, and before any task can arrive, so that even a child whose first
    // task never returns dies with its parent.
    if ((message as InitMessage).init.reaped === true) started.whenStashBusy(watch);
    else watch();
  } else if (!Array.isArray(message) && (message as AbortTaskMessage | null)?.type === 'abort') {
    runtime?.abortTask(message as AbortTaskMessage);
  } else {
    inbox.receive(message as Exclude<ToWorker, InitMessage | AbortTaskMessage>, handle);
  }
});
// The parent going away ends the child, whatever the task is doing (when the task blocks this thread, the
// watchdog ends it).
process.on('disconnect', () => process.exit(0));
// Ctrl-C in a terminal sends SIGINT to the whole process group, children included. The parent decides what
// an interrupt means (under run(), it stops the pool's work and reports a cancellation); a child killed by
// it would be reported as a broken pool instead. If the parent dies of it, the child follows it anyway.
process.on('SIGINT', () => undefined);
