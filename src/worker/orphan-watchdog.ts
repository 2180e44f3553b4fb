import { Worker } from 'node:worker_threads';

/** How often the watchdog looks for the parent, in milliseconds. */
const PERIOD_MS = 200;

// Runs in a thread of its own: the child's main thread may be stuck in a task (`while (true) {}`), where
// neither the IPC 'disconnect' event nor a timer of its can run. When the parent is gone, whatever it died
// of (even SIGKILL), the child is adopted by another process, so its parent pid changes; the watchdog then
// kills its whole process. Windows adopts no orphans (the parent pid stays), so there the watchdog asks
// whether that pid still exists. Plain CommonJS, evaluated as a string: no module to resolve or load.
const SOURCE = `
const { workerData: parent } = require('node:worker_threads');
const gone = () => {
  if (process.ppid !== parent) return true;
  try {
    process.kill(parent, 0);
    return false;
  } catch (error) {
    return error.code === 'ESRCH';
  }
};
setInterval(() => {
  if (gone()) process.kill(process.pid, 'SIGKILL');
}, ${PERIOD_MS});
`;

/**
 * Starts the watchdog of a pool child: within about {@link PERIOD_MS} ms of its parent's death the child
 * is killed. It never keeps the child alive.
 */
export function watchParent(): void {
  const parent = process.ppid;
  const watchdog = new Worker(SOURCE, {
    eval: true,
    workerData: parent,
    name: 'aiox-orphan-watchdog',
    // It prints nothing. Left false, these would pipe its output into this child's process.stdout and
    // process.stderr, whose creation doubled the time `new Worker` takes here (about 2.3 ms against 1.2),
    // on the path of every process worker's first task.
    stdout: true,
    stderr: true,
    env: {},
  });
  watchdog.unref();
  // A watchdog that cannot run (out of memory, say) must not take the child down with it.
  watchdog.on('error', () => undefined);
}
