import type { InitMessage, ToWorker } from '../pool/protocol.js';
import { HandleInbox } from './handle-inbox.js';
import { WorkerRuntime } from './runtime.js';

// Entry point of a pool child process: the first IPC message is the init, the rest are batches.
const ignoreSendError = (): void => undefined;
let runtime: WorkerRuntime | undefined;
const inbox = new HandleInbox((run) => runtime!.receive(run));
process.on('message', (message: ToWorker, handle: unknown) => {
  if (!Array.isArray(message) && (message as InitMessage).type === 'init') {
    runtime = new WorkerRuntime((reply) => {
      // A message that cannot be cloned still throws here. A send that fails because the parent is gone
      // (it may end while a generator task it no longer waits for still runs here) has no one to tell.
      process.send!(reply, undefined, undefined, ignoreSendError);
    }, (message as InitMessage).init);
  } else {
    inbox.receive(message as Exclude<ToWorker, InitMessage>, handle);
  }
});
// The parent going away ends the child, whatever the task is doing.
process.on('disconnect', () => process.exit(0));
