// Worker file for poolifier's FixedThreadPool: named task functions taking one data argument.
import { ThreadWorker } from 'poolifier';
import { add, hold, spin } from './work.cjs';

export default new ThreadWorker({
  add: ({ a, b }) => add(a, b),
  spin: ({ rounds }) => spin(rounds),
  hold: ({ ms }) => hold(ms),
});
