// The raw floor for threads: no pool, only postMessage. A number array is a batch [a0, b0, a1, b1, ...]
// answered with an array of sums; an object { a, b } is one task answered with its sum; { spin } runs the
// CPU-bound task (the parallel-speedup floor of scenario 4).
import { parentPort } from 'node:worker_threads';
import { add, spin } from './work.cjs';

parentPort.on('message', (message) => {
  if (Array.isArray(message)) {
    const out = new Array(message.length / 2);
    for (let i = 0; i < out.length; i++) out[i] = add(message[2 * i], message[2 * i + 1]);
    parentPort.postMessage(out);
  } else if (message.spin !== undefined) {
    parentPort.postMessage(spin(message.spin));
  } else {
    parentPort.postMessage(add(message.a, message.b));
  }
});
