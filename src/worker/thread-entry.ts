import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import type { AbortTaskMessage, RunMessage, WorkerInit } from '../wire/protocol.js';
import { markPoolWorker } from '../tasks/import-guard.js';
import { bridgeLoaders } from './loader-bridge.js';
import { WorkerRuntime } from './runtime.js';

// Entry point of a pool thread: the engine passes the init as workerData and batches over parentPort.
// Messages sent before the listener is attached wait in the port, and are read first.
// Bundled as CommonJS (see scripts/bundle.js), so no top-level await: the runtime starts once the loaders
// are bridged.
markPoolWorker();
void bridgeLoaders().then(() => {
  const port = parentPort!;
  // A message posted before the thread exits is delivered before the 'exit' event: `sent` may run at once.
  const runtime = new WorkerRuntime((message, sent) => {
    port.postMessage(message);
    sent?.();
  }, workerData as WorkerInit);
  const receive = (message: RunMessage | AbortTaskMessage): void => {
    if (Array.isArray(message)) runtime.receive(message as RunMessage);
    else if ((message as AbortTaskMessage | null)?.type === 'abort') runtime.abortTask(message as AbortTaskMessage);
  };
  // What the engine sent while the thread started (a new pool's first batch leaves with the thread's start)
  // is read now, in order, rather than once the port begins delivering, 2-3 ms later here.
  for (let queued = receiveMessageOnPort(port); queued !== undefined; queued = receiveMessageOnPort(port)) {
    receive(queued.message as RunMessage | AbortTaskMessage);
  }
  port.on('message', receive);
});
