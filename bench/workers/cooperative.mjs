// Slow tasks for the cooperative-cancellation scenario: one that stops when its signal aborts, and one that
// ignores its signal and has to be terminated. Both would otherwise wait `ms` milliseconds.
/* global clearTimeout */
import { currentTask } from 'aiox';

/** Waits `ms`, or stops as soon as its signal aborts (settling with the abort's reason). */
export function cooperative(ms) {
  const { signal } = currentTask();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason);
    }, { once: true });
  });
}

/** Waits `ms` whatever happens: its worker must be terminated to stop it. */
export function stubborn(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms, ms));
}
