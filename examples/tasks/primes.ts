import { defineTask } from 'aiox';
import { stamp, type Stamped } from './stamp.js';

/** Trial division by every odd number up to √n: slow on purpose, so there is CPU work to spread out. */
export const isPrime = defineTask(import.meta.url, function isPrime(n: number): boolean {
  if (n < 2) return false;
  if (n % 2 === 0) return n === 2;
  const limit = Math.floor(Math.sqrt(n));
  for (let divisor = 3; divisor <= limit; divisor += 2) {
    if (n % divisor === 0) return false;
  }
  return true;
});

/** `isPrime`, also saying which worker ran it and when, for the tour's timeline. */
export const isPrimeStamped = defineTask(import.meta.url, function isPrimeStamped(n: number): Promise<Stamped<boolean>> {
  return stamp(() => isPrime(n));
});
