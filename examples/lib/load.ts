import { readFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';

/** CPU time, in milliseconds, read at one instant. */
export interface CpuSample {
  /** When, in `performance.now()` milliseconds. */
  readonly at: number;
  /** Busy time of every core together since boot. */
  readonly machine: number;
  /** CPU time of this process (all its threads) and of its child processes that have exited. */
  readonly own: number;
}

/** What other programs did to the machine between two samples. */
export interface Load {
  readonly cores: number;
  /** How many cores other programs kept busy, on average (0 when the machine was ours). */
  readonly others: number;
}

/** Other programs keeping more than this share of the cores busy make a timing say more about them than about aiox. */
export const BUSY_SHARE = 0.25;

// Linux counts CPU time in USER_HZ ticks of 10 ms in /proc.
const TICK_MS = 10;
// Below this, the 10 ms ticks make the figure too coarse to judge.
const SHORTEST_MS = 250;

/**
 * Reads the CPU time of the machine and of this process from /proc (Linux). Elsewhere returns
 * `undefined`: without a reliable count of the time of this program's child processes, a figure for
 * "other programs" could blame the tour's own work.
 */
export function sampleCpu(read: (path: string) => string = (path) => readFileSync(path, 'utf8'), at = performance.now()): CpuSample | undefined {
  try {
    // /proc/stat: "cpu  user nice system idle iowait irq softirq steal ..." (idle and iowait are not busy;
    // steal is time the hypervisor gave to another machine, as good as taken by another program).
    const cpu = read('/proc/stat').split('\n', 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = cpu;
    // /proc/self/stat: after the ")" that ends the command name, field 3 onwards; utime, stime, cutime and
    // cstime are fields 14 to 17.
    const self = read('/proc/self/stat');
    const fields = self.slice(self.lastIndexOf(')') + 2).split(' ').map(Number);
    const own = fields.slice(11, 15).reduce((sum, ticks) => sum + ticks, 0);
    if (cpu.length < 8 || fields.length < 15 || !Number.isFinite(own)) return undefined;
    return { at, machine: (user + nice + system + irq + softirq + steal) * TICK_MS, own: own * TICK_MS };
  } catch {
    return undefined;
  }
}

/** The load other programs put on the machine between two samples; `undefined` if either is missing. */
export function loadBetween(before: CpuSample | undefined, after: CpuSample | undefined, cores = availableParallelism()): Load | undefined {
  if (before === undefined || after === undefined || after.at - before.at < SHORTEST_MS) return undefined;
  const others = (after.machine - before.machine - (after.own - before.own)) / (after.at - before.at);
  return { cores, others: Math.min(cores, Math.max(0, others)) };
}

/** Whether other programs took enough of the machine to make a timing meaningless. */
export function tooBusy(load: Load | undefined): boolean {
  return load !== undefined && load.others > BUSY_SHARE * load.cores;
}

/** "other programs kept 1.4 of the 2 cores busy". */
export function describeLoad(load: Load): string {
  return `other programs kept ${load.others.toFixed(1)} of the ${load.cores} cores busy`;
}

/**
 * Measures the load other programs put on the machine while `work` runs; `undefined` where it cannot be
 * told (not Linux, a run shorter than 250 ms, or a process allowed fewer cores than the machine counts,
 * whose busy time would then include cores it cannot use).
 */
export async function measureLoad<T>(work: () => Promise<T>): Promise<{ value: T; load: Load | undefined }> {
  const comparable = cpus().length === availableParallelism();
  const before = comparable ? sampleCpu() : undefined;
  const value = await work();
  return { value, load: loadBetween(before, comparable ? sampleCpu() : undefined) };
}

/**
 * The line a scenario prints under its timings when the machine was too busy for them to mean anything,
 * or `undefined` when it was not (or the load could not be measured).
 */
export function busyNote(load: Load | undefined, what = 'these times'): string | undefined {
  if (load === undefined || !tooBusy(load)) return undefined;
  return `  ! ${describeLoad(load)} meanwhile: the machine was too busy for ${what} to mean much; run it again when it is quieter`;
}

/** Runs a scenario's `work`, then prints {@link busyNote} if the machine was too busy meanwhile. */
export async function noteIfBusy(work: () => Promise<void>, what?: string): Promise<void> {
  const { load } = await measureLoad(work);
  const note = busyNote(load, what);
  if (note !== undefined) console.log(note);
}
