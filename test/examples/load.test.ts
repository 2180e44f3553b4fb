import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BUSY_SHARE, busyNote, loadBetween, sampleCpu, tooBusy, type CpuSample } from '../../examples/lib/load.js';

// The files sampleCpu reads, as Linux writes them. The command name may hold spaces and parentheses.
const PROC: Record<string, string> = {
  '/proc/stat': 'cpu  100 5 50 1000 20 3 2 10 0 0\ncpu0 50 2 25 500 10 1 1 5 0 0\n',
  '/proc/self/stat': '4242 (node (tour) x) S 1 4242 4242 0 -1 4194304 100 0 0 0 70 30 8 2 20 0 11 0 0 0 0',
};

test('sampleCpu reads the busy time of the machine and of this process with its exited children', () => {
  const sample = sampleCpu((path) => PROC[path]!, 1000);
  // busy: user + nice + system + irq + softirq + steal ticks; own: utime + stime + cutime + cstime ticks; 10 ms each.
  assert.deepEqual(sample, { at: 1000, machine: (100 + 5 + 50 + 3 + 2 + 10) * 10, own: (70 + 30 + 8 + 2) * 10 });
});

test('sampleCpu gives undefined where /proc cannot be read, and reads the real one on Linux', () => {
  assert.equal(
    sampleCpu(() => {
      throw new Error('ENOENT');
    }),
    undefined,
  );
  assert.equal(sampleCpu(() => 'garbage'), undefined);
  if (process.platform === 'linux') assert.ok(sampleCpu()!.own > 0);
});

const at = (ms: number, machine: number, own: number): CpuSample => ({ at: ms, machine, own });

test('loadBetween counts the busy time that was not ours, in cores', () => {
  // 1000 ms on 2 cores: 1600 ms busy in all, 400 of them ours, so others kept 1.2 cores busy.
  assert.deepEqual(loadBetween(at(0, 5000, 700), at(1000, 6600, 1100), 2), { cores: 2, others: 1.2 });
  // All of it ours: nothing left for the others (and never below 0 with tick rounding).
  assert.deepEqual(loadBetween(at(0, 5000, 700), at(1000, 6990, 2700), 2), { cores: 2, others: 0 });
});

test('loadBetween gives undefined without two samples or over too short a time to judge', () => {
  assert.equal(loadBetween(undefined, at(1000, 1, 1)), undefined);
  assert.equal(loadBetween(at(0, 0, 0), undefined), undefined);
  assert.equal(loadBetween(at(0, 0, 0), at(100, 200, 0), 2), undefined);
});

test('a machine is too busy when others took more than a quarter of its cores', () => {
  assert.equal(BUSY_SHARE, 0.25);
  assert.equal(tooBusy({ cores: 2, others: 0.5 }), false);
  assert.equal(tooBusy({ cores: 2, others: 0.6 }), true);
  assert.equal(tooBusy(undefined), false);
  assert.equal(busyNote({ cores: 2, others: 0.1 }), undefined);
  assert.equal(busyNote(undefined), undefined);
  assert.match(busyNote({ cores: 2, others: 1.5 }, 'the tick counts')!, /^ {2}! other programs kept 1\.5 of the 2 cores busy meanwhile: the machine was too busy for the tick counts to mean much/);
});
