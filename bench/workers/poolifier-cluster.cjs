// Worker file for poolifier's FixedClusterPool (child processes through node:cluster). CommonJS: an ES
// module worker never answered its first task under FixedClusterPool on Node 20.
/* global require, module */
/* eslint-disable @typescript-eslint/no-require-imports -- CommonJS on purpose, see above */
'use strict';
const { ClusterWorker } = require('poolifier');
const { add, hold, spin } = require('./work.cjs');

module.exports = new ClusterWorker({
  add: ({ a, b }) => add(a, b),
  spin: ({ rounds }) => spin(rounds),
  hold: ({ ms }) => hold(ms),
});
