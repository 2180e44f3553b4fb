// Slow tasks for the cooperative-cancellation scenario: one that stops when its signal aborts, and one that
// ignores its signal and has to be terminated after the grace. Both would otherwise wait `ms` milliseconds.
/* global clearTimeout */
import { currentTask } from 'aiox';

/** Waits `ms`, or stops as soon as its signal aborts (settling with the abort's reason). */
export function cooperative(ms) {
  const { signal } = currentTask();
  // Aborted already: an abort listener added now would never be called.
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason);
    }, { once: true });
  });
}

/**
 * Waits `ms` whatever happens: it holds its signal but ignores it, so its worker is terminated once the
 * pool's abortGrace is over. (A thread task that never read its signal would be terminated at once.)
 */
export function stubborn(ms) {
  void currentTask().signal;
  return new Promise((resolve) => setTimeout(resolve, ms, ms));
}
