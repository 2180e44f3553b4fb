import type { InitMessage, RunMessage, ToWorker } from '../pool/protocol.js';
import { WorkerRuntime } from './runtime.js';

// Entry point of a pool child process: the first IPC message is the init, the rest are batches.
let runtime: WorkerRuntime | undefined;
process.on('message', (message: ToWorker) => {
  if (!Array.isArray(message)) {
    runtime = new WorkerRuntime((reply) => {
      process.send!(reply);
    }, (message as InitMessage).init);
  } else {
    runtime!.receive(message as RunMessage);
  }
});
// The parent going away ends the child, whatever the task is doing.
process.on('disconnect', () => process.exit(0));
