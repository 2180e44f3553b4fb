import type { InitMessage, RunMessage, ToWorker } from '../pool/protocol.js';
import { WorkerRuntime } from './runtime.js';

// Entry point of a pool child process: the first IPC message is the init, the rest are batches.
const ignoreSendError = (): void => undefined;
let runtime: WorkerRuntime | undefined;
process.on('message', (message: ToWorker) => {
  if (!Array.isArray(message)) {
    runtime = new WorkerRuntime((reply, sent) => {
      // A message that cannot be cloned still throws here. A send that fails because the parent is gone
      // (it may end while a generator task it no longer waits for still runs here) has no one to tell.
      process.send!(reply, undefined, undefined, sent === undefined ? ignoreSendError : () => sent());
    }, (message as InitMessage).init);
  } else {
    runtime!.receive(message as RunMessage);
  }
});
// The parent going away ends the child, whatever the task is doing.
process.on('disconnect', () => process.exit(0));
