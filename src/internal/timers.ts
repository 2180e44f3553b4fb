/** The longest delay `setTimeout` honours, in milliseconds: given more, Node fires after 1 ms. */
export const MAX_DELAY = 2 ** 31 - 1;

/** A timer from {@link after}. */
export interface Delay {
  clear(): void;
  /** Lets the program end while the timer waits, as `Timeout.unref()`. */
  unref(): void;
}

/**
 * Calls `fn` once `ms` milliseconds (finite) have passed, like `setTimeout`, but also for a delay longer
 * than {@link MAX_DELAY}, which it waits in steps. Every user-given time in the library goes through here.
 * The global `setTimeout` is looked up at each step, so fake clocks in tests control it.
 */
export function after(ms: number, fn: () => void): Delay {
  let left = ms;
  let referenced = true;
  let timer: NodeJS.Timeout;
  const arm = (): void => {
    const step = Math.min(left, MAX_DELAY);
    left -= step;
    timer = setTimeout(left === 0 ? fn : arm, step);
    if (!referenced) timer.unref();
  };
  arm();
  return {
    clear: () => clearTimeout(timer),
    unref: () => {
      referenced = false;
      timer.unref();
    },
  };
}

/**
 * Keeps the program alive, as a pending timer does, until the returned function is called (an idle
 * interval: it never runs in practice).
 */
export function holdOpen(): () => void {
  const hold = setInterval(() => undefined, MAX_DELAY);
  return () => clearInterval(hold);
}

/**
 * `promise`, or a rejection with `onTimeout()` once `ms` milliseconds have passed, or with `signal.reason`
 * once it aborts, whichever comes first; the timer and the listener go as soon as one does. `onStop` hears
 * the reason when the time or the signal wins (to abort the work behind `promise`, say).
 */
export function within<T>(
  promise: PromiseLike<T>,
  ms: number,
  signal: AbortSignal | undefined,
  onTimeout: () => unknown,
  onStop?: (reason: unknown) => void,
): Promise<T> {
  if (ms === Infinity && signal === undefined) return Promise.resolve(promise);
  return new Promise<T>((resolve, reject) => {
    let timer: Delay | undefined;
    const cleanup = (): void => {
      timer?.clear();
      signal?.removeEventListener('abort', onAbort);
    };
    const stop = (reason: unknown): void => {
      cleanup();
      onStop?.(reason);
      reject(reason);
    };
    const onAbort = (): void => stop(signal!.reason);
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    if (ms !== Infinity) timer = after(ms, () => stop(onTimeout()));
    // Settling twice is harmless: whichever of the work, the timer and the signal comes first wins.
    promise.then(
      (value) => {
        cleanup();
        resolve(value);
      },
      (error: unknown) => {
        cleanup();
        reject(error);
      },
    );
  });
}
