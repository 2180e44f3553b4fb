import { parentPort, workerData } from 'node:worker_threads';
import type { RunMessage, WorkerInit } from '../pool/protocol.js';
import { WorkerRuntime } from './runtime.js';

// Entry point of a pool thread: the engine passes the init as workerData and batches over parentPort.
const port = parentPort!;
const runtime = new WorkerRuntime((message) => port.postMessage(message), workerData as WorkerInit);
port.on('message', (message: RunMessage) => runtime.receive(message));
