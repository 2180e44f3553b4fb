import { epochNow, type Stamp } from '../tasks/stamp.js';

export interface Span {
  readonly lane: string;
  readonly label: string;
  /** Milliseconds since the timeline started. */
  readonly start: number;
  readonly end: number;
  /** Drawn as a single mark (a worker killed, a deadline) rather than a bar. */
  readonly mark: boolean;
}

const WIDTH = 50;
const FILL = ['█', '▒'];

/**
 * Collects what ran where and when during one scenario, and draws it as a small text Gantt chart: one row
 * per worker, time flowing left to right, consecutive tasks on a row drawn in alternating shades (so that
 * two tasks that follow each other closely do not merge into one bar), instants drawn as ✕. A legend line
 * under the chart says so.
 */
export class Timeline {
  readonly #origin = epochNow();
  readonly #spans: Span[] = [];

  /** Milliseconds since the timeline started. */
  now(): number {
    return epochNow() - this.#origin;
  }

  /** Records work a task reported about itself (see `stamp()` in examples/tasks/stamp.ts). */
  add(label: string, stamp: Stamp): void {
    this.#spans.push({ lane: stamp.worker, label, start: stamp.start - this.#origin, end: stamp.end - this.#origin, mark: false });
  }

  /** Records work seen from the main thread, `start` and `end` from {@link now}. */
  addSpan(lane: string, label: string, start: number, end: number): void {
    this.#spans.push({ lane, label, start, end, mark: false });
  }

  /** Records an instant, such as a worker being killed. */
  mark(lane: string, label: string, at: number = this.now()): void {
    this.#spans.push({ lane, label, start: at, end: at, mark: true });
  }

  /** When the earliest recorded work started and the latest ended, in milliseconds since the start. */
  extent(): { first: number; last: number } {
    return { first: Math.min(...this.#spans.map((s) => s.start)), last: Math.max(...this.#spans.map((s) => s.end)) };
  }

  /** The chart, one line per worker, plus a scale line. */
  render(): string {
    const total = Math.max(1, ...this.#spans.map((s) => s.end));
    const lanes = new Map<string, Span[]>();
    for (const span of [...this.#spans].sort((a, b) => a.start - b.start)) {
      const row = lanes.get(span.lane) ?? [];
      row.push(span);
      lanes.set(span.lane, row);
    }
    const name = Math.max(8, ...[...lanes.keys()].map((lane) => lane.length));
    const column = (ms: number): number => Math.min(WIDTH - 1, Math.floor((ms / total) * WIDTH));
    const scale = `${'0 ms'.padEnd(WIDTH - 8)}${`${Math.round(total)} ms`.padStart(8)}`;
    const lines = [`  ${''.padEnd(name)}  ${scale}`];
    for (const [lane, spans] of lanes) {
      const bar = Array<string>(WIDTH).fill(' ');
      let shade = 0;
      for (const span of spans) {
        if (span.mark) {
          bar[column(span.start)] = '✕';
          continue;
        }
        const fill = FILL[shade++ % FILL.length]!;
        for (let c = column(span.start); c <= Math.max(column(span.start), column(span.end) - 1); c++) bar[c] = fill;
      }
      lines.push(`  ${lane.padEnd(name)} │${bar.join('')}│ ${describe(spans)}`);
    }
    lines.push(`  ${''.padEnd(name)}  ${legend([...lanes.values()])}`);
    return lines.join('\n');
  }
}

/** The key to the symbols the chart uses. */
export function legend(lanes: readonly (readonly Span[])[]): string {
  const bars = lanes.map((spans) => spans.filter((s) => !s.mark).length);
  const marks = [...new Set(lanes.flat().filter((s) => s.mark).map((s) => s.label))];
  const parts = [
    bars.some((n) => n > 1)
      ? `${FILL.join(' ')} tasks, shades alternating along a row so that neighbours stay apart`
      : bars.some((n) => n > 0)
        ? `${FILL[0]} a task`
        : '',
    marks.length > 0 ? `✕ ${marks.join(', ')}` : '',
  ];
  return `rows are workers, time runs left to right; ${parts.filter(Boolean).join('; ')}`;
}

function describe(spans: readonly Span[]): string {
  const when = (s: Span): string => (s.mark ? `${s.label} at ${ms(s.start)}` : `${s.label} ${ms(s.start)}–${ms(s.end)}`);
  if (spans.length <= 3) return spans.map(when).join(', ');
  const busy = spans.reduce((sum, s) => sum + (s.end - s.start), 0);
  return `${spans.length} tasks, ${when(spans[0]!)} … ${when(spans.at(-1)!)}, busy ${ms(busy)}`;
}

function ms(value: number): string {
  return `${Math.round(value)}`;
}
