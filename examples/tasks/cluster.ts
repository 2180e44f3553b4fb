import { defineTask } from 'aiox';
import { isPrime } from './primes.js';
import { epochNow } from './stamp.js';

/** A result with the worker host that computed it (its pid) and when, for the cluster scenario's timeline. */
export interface OnHost<T> {
  readonly value: T;
  readonly host: number;
  readonly start: number;
  readonly end: number;
}

/** `isPrime`, saying which host ran it: the hosts run it on worker threads, so `process.pid` is the host's. */
export const isPrimeOnHost = defineTask(import.meta.url, function isPrimeOnHost(n: number): OnHost<boolean> {
  const start = epochNow();
  const value = isPrime(n);
  return { value, host: process.pid, start, end: epochNow() };
});
