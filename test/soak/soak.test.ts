import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KINDS } from '../executors/pools.js';
import { liveResources, resourcesAfterClosing, soak } from './soak.js';

// A small soak for every run of the suite; `npm run soak` runs a long one (see cli.ts).
for (const kind of KINDS) {
  test(`${kind} pool: a soak of ok, throw, crash, abort, timeout and late-error tasks keeps every promise`, async () => {
    const before = liveResources();
    const report = await soak({ kind, tasks: kind === 'thread' ? 400 : 200, seed: 7 });
    assert.deepEqual(report.problems, []);
    // The mix really exercised every kind of fault, or the test proves nothing.
    for (const [outcome, count] of Object.entries(report.submitted)) assert.ok(count > 0, `no ${outcome} task was submitted`);
    assert.deepEqual(await resourcesAfterClosing(before), before, 'the soak left a handle or a timer behind');
  });
}
