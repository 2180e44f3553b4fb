// The raw floor for processes: no pool, only child_process IPC (the parent forks with advanced
// serialization). Same protocol as floor-thread.mjs.
import { add } from './work.cjs';

process.on('message', (message) => {
  if (Array.isArray(message)) {
    const out = new Array(message.length / 2);
    for (let i = 0; i < out.length; i++) out[i] = add(message[2 * i], message[2 * i + 1]);
    process.send(out);
  } else {
    process.send(add(message.a, message.b));
  }
});
process.on('disconnect', () => process.exit(0));
