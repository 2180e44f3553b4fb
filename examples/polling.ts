// The reference thread's first program, rewritten: a `while True` loop that processes, sleeps, and checks
// a global flag until an IO callback clears it. Here `every()` runs the processing on a fixed schedule,
// an `Event` is the IO callback's way to say "done", and the program waits on the event: nothing polls,
// nothing spins. Ctrl-C (through `run()`) aborts the wait and the loop at once.
//
//   npm run build && node build/examples/polling.js
import { Event, every, run } from 'aiox';
import { isMain } from './lib/main.js';

const INTERVAL_MS = 200;
/** When the simulated IO event arrives: the timer stands in for a socket, a message queue, a file watcher. */
const IO_EVENT_AT_MS = 1100;

/**
 * Processes every {@link INTERVAL_MS} until the IO event arrives or `signal` aborts. Resolves either way;
 * prints "Canceled." when stopped by the signal, as the original does on KeyboardInterrupt.
 */
export async function polling(signal?: AbortSignal): Promise<void> {
  console.log(`process() every ${INTERVAL_MS} ms until an IO event arrives (simulated at ${IO_EVENT_AT_MS} ms); Ctrl-C cancels`);
  const start = performance.now();
  const at = (): string => `${String(Math.round(performance.now() - start)).padStart(5)} ms`;

  const ioDone = new Event();
  // The incoming IO callback: in a real program, `socket.on('data', ...)` or similar.
  const io = setTimeout(() => {
    console.log(`  ${at()}  IO event arrived`);
    ioDone.set();
  }, IO_EVENT_AT_MS);

  let runs = 0;
  const processing = every(
    INTERVAL_MS,
    async () => {
      runs++;
      console.log(`  ${at()}  process() run ${runs}`);
    },
    { immediate: true, ...(signal && { signal }) },
  );

  try {
    // The whole "loop": one wait, woken by the IO event, or rejected at once by Ctrl-C.
    await ioDone.wait(signal && { signal });
    processing.stop();
    await processing.done;
    console.log(`  ${at()}  stopped after ${runs} runs; the event loop was idle between them`);
  } catch (error) {
    if (!signal?.aborted) throw error;
    console.log(`  ${at()}  Canceled.`);
  } finally {
    clearTimeout(io);
    processing.stop();
  }
  console.log('Bye.');
}

if (isMain(import.meta.url)) await run((signal) => polling(signal));
