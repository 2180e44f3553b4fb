import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { lateLoopNote } from '../../examples/endless-workers.js';
import { legend, type Span } from '../../examples/lib/timeline.js';
import { speedupNotes } from '../../examples/primes.js';
import { verdict } from '../../examples/reactor.js';
import { listing, SCENARIOS } from '../../examples/tour.js';

const README = fileURLToPath(new URL('../../../README.md', import.meta.url));

test('cpu: a busy machine is named under the figure instead of passing for a slow pool', () => {
  // What the tour printed on a busy machine: "2 worker processes: 6152 ms, 0.89x as fast".
  const busy = speedupNotes({ workers: 2, serialMs: 5475, parallelMs: 6152, serialLoad: { cores: 2, others: 1.4 }, parallelLoad: { cores: 2, others: 1.6 } });
  assert.equal(busy.length, 1);
  assert.match(busy[0]!, /other programs kept 1\.4 \(serial loop\) and 1\.6 \(pool run\) of the 2 cores busy: the machine was too busy/);
  // Slower with no load measured (not Linux): still not shown as if it were the pool's speed.
  const unmeasured = speedupNotes({ workers: 2, serialMs: 5475, parallelMs: 6152, serialLoad: undefined, parallelLoad: undefined });
  assert.match(unmeasured[0]!, /the pool was slower than the serial loop, .*could not be measured/);
  // A quiet machine and a real speed-up: nothing to add.
  assert.deepEqual(speedupNotes({ workers: 2, serialMs: 2002, parallelMs: 1270, serialLoad: { cores: 2, others: 0.1 }, parallelLoad: { cores: 2, others: 0.2 } }), []);
});

test('endless-workers: a loop that started after the flag, or missed its ticks, is explained', () => {
  // What the tour printed on a busy machine: "TEST2 after 0", with no comment.
  assert.match(lateLoopNote('TEST2', 300, { started: 1085, ticks: [] }, 1000)!, /TEST2's thread started only at 1085 ms, after the flag was set at 1000 ms, so it returned at once without a tick/);
  assert.match(lateLoopNote('TEST1', 100, { started: 100, ticks: [300, 600] }, 1000)!, /TEST1 ticked 2 times in the 900 ms it ran, where 9 were due/);
  assert.equal(lateLoopNote('TEST1', 100, { started: 100, ticks: [200, 300, 400, 500, 600, 700, 800, 900] }, 1000), undefined);
});

test('reactor: a pool no faster for /ping is blamed on the machine, not shown as a speed-up', () => {
  assert.match(verdict(142, 17), /^\/ping's p99 was 8\.4x shorter with the pool: the loop that accepts stays free/);
  assert.match(verdict(150, 10), /was 15x shorter/);
  assert.match(verdict(40, 55), /no shorter with the pool \(55 ms against 40 ms\): other programs must have kept the cores busy/);
});

test('the timelines explain their shading and marks', () => {
  const span = (label: string, start: number, mark = false): Span => ({ lane: 'thread 1', label, start, end: start + (mark ? 0 : 10), mark });
  assert.match(legend([[span('a', 0), span('b', 10)]]), /█ ▒ tasks, shades alternating along a row so that neighbours stay apart/);
  assert.match(legend([[span('a', 0), span('killed', 10, true)]]), /█ a task; ✕ killed$/);
});

test('the tour lists its scenarios in aligned columns', () => {
  const lines = listing();
  assert.equal(lines.length, SCENARIOS.length);
  const columns = lines.map((line) => line.indexOf('examples/'));
  assert.equal(new Set(columns).size, 1, lines.join('\n'));
  const about = lines.map((line, i) => line.indexOf(SCENARIOS[i]!.about));
  assert.equal(new Set(about).size, 1, lines.join('\n'));
});

test("the README lists the tour's scenarios, programs and descriptions, in the tour's order", () => {
  const rows = [...readFileSync(README, 'utf8').matchAll(/^\| `([\w-]+)` \| `examples\/([\w.-]+)` \| (.+) \|$/gm)];
  assert.deepEqual(
    rows.map(([, name, program, about]) => ({ name, program, about })),
    SCENARIOS.map(({ name, program, about }) => ({ name, program, about })),
  );
});
