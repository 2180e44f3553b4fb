import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { enableMockTimers } from '../fixtures/quiet.js';

/** Lets pending microtasks and `process.nextTick` callbacks run (setImmediate is never mocked here). */
export const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(reason: unknown): void;
}

export function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Tracks whether a promise has settled, so a test can check that a call is still waiting. */
export function track<T>(promise: Promise<T>): { readonly settled: boolean; readonly promise: Promise<T> } {
  const state = { settled: false, promise };
  promise.then(
    () => (state.settled = true),
    () => (state.settled = true),
  );
  return state;
}

/**
 * Fakes setTimeout, Date and performance.now, starting at 0, and returns a function that moves them forward
 * 1 ms at a time, letting promise callbacks run after each step, as a real clock would: mock timers fire
 * synchronously inside `tick`, so a timer set by a callback of another would otherwise be set late.
 */
export function fakeClock(t: TestContext): (ms: number) => Promise<void> {
  enableMockTimers(t, { apis: ['setTimeout', 'Date'], now: 0 });
  t.mock.method(performance, 'now', () => Date.now());
  return async (ms) => {
    for (let i = 0; i < ms; i++) {
      t.mock.timers.tick(1);
      await nextTurn();
    }
  };
}

/**
 * Records promise rejections that go unhandled from now on; the returned check waits a turn (Node reports
 * them after microtasks drain) and fails if there was any.
 */
export function watchUnhandledRejections(t: TestContext): () => Promise<void> {
  const seen: unknown[] = [];
  const listener = (reason: unknown): void => void seen.push(reason);
  process.on('unhandledRejection', listener);
  t.after(() => void process.off('unhandledRejection', listener));
  return async () => {
    await nextTurn();
    await nextTurn();
    assert.deepEqual(seen, [], 'unhandled rejections');
  };
}

/** `true` when T is `any`: lets a test check at compile time that a type did not degrade to `any`. */
export type IsAny<T> = 0 extends 1 & T ? true : false;
/** Compile-time equality of two types. */
export type Equal<A, B> = (<X>() => X extends A ? 1 : 2) extends <X>() => X extends B ? 1 : 2 ? true : false;
export function assertType<_T extends true>(): void {}
