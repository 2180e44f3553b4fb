import type { ToWorker } from '../pool/protocol.js';
import { WorkerRuntime } from './runtime.js';

// Entry point of a pool child process: the first IPC message is the init, the rest are batches.
let runtime: WorkerRuntime | undefined;
process.on('message', (message: ToWorker) => {
  if (message.type === 'init') {
    runtime = new WorkerRuntime((reply) => {
      process.send!(reply);
    }, message.init);
  } else {
    runtime!.receive(message);
  }
});
// The parent going away ends the child, whatever the task is doing.
process.on('disconnect', () => process.exit(0));
