// The work every contender runs, shared so that aiox and the peers execute the very same functions.
// CommonJS so that every kind of worker can load it: ES modules import it by name, and poolifier's cluster
// worker, which must be CommonJS, requires it.
/* global exports */
'use strict';

/** The tiny task: the cost of running it is all pool overhead. */
exports.add = function add(a, b) {
  return a + b;
};

/**
 * CPU-bound work: `rounds` steps of an integer hash. The caller calibrates `rounds` to a duration once,
 * on the main thread, so every contender gets the same amount of work rather than the same wall time.
 */
exports.spin = function spin(rounds) {
  let h = 0x811c9dc5;
  for (let i = 0; i < rounds; i++) {
    h ^= i;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
};

/** A slow task that holds its worker for `ms` milliseconds of busy waiting (the mixed-load scenario). */
exports.hold = function hold(ms) {
  const end = performance.now() + ms;
  let n = 0;
  while (performance.now() < end) n++;
  return n;
};

/** The tiny one-argument task of the map scenario. */
exports.inc = function inc(x) {
  return x + 1;
};
