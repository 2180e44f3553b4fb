/** What a scenario measures for one contender: the median of its rounds, and the rounds themselves. */
export interface Detail {
  readonly scenario: string;
  readonly contender: string;
  readonly metric: string;
  readonly unit: string;
  readonly median: number;
  readonly samples: readonly number[];
}

/** A target: aiox's ratio (or value, for an absolute target) compared with `value` by `op`. */
export interface Target {
  readonly op: '>=' | '<=' | '<';
  readonly value: number;
  /** How the target reads in the table, e.g. ">= 3x best peer". */
  readonly text: string;
}

/** One row of the results table. */
export interface Figure {
  readonly id: string;
  readonly title: string;
  readonly unit: string;
  /** aiox's median; null when aiox does not implement the scenario yet. */
  readonly aiox: number | null;
  /** What aiox is compared with: the best peer, a named peer or a floor; null for an absolute target. */
  readonly reference: { readonly name: string; readonly value: number } | null;
  /** aiox / reference (or aiox's value itself for an absolute target); null when there is nothing to compare. */
  readonly ratio: number | null;
  /** null for a figure that is only reported. */
  readonly target: Target | null;
  /** null when there is no target or no aiox figure. */
  readonly met: boolean | null;
  readonly note?: string;
  /** The target applies to aiox's value itself (MB, ...), not to a ratio. */
  readonly absolute?: boolean;
}

export interface Sizes {
  /** Scenario 1: tasks submitted at once. */
  readonly burst: number;
  /** Scenario 2: one-at-a-time round trips. */
  readonly roundTrips: number;
  /** Scenario 3: items mapped. */
  readonly mapItems: number;
  /** Scenario 4: CPU-bound tasks per round. */
  readonly cpuTasks: number;
  /** Scenario 5: tasks on a process pool. */
  readonly processTasks: number;
  /** Scenario 5: tasks per round for Python's ProcessPoolExecutor (slow; it gets fewer, as a rate). */
  readonly pythonTasks: number;
  /** Scenario 6: items collected. */
  readonly collectItems: number;
  /** Scenario 7: items resolved. */
  readonly resolveItems: number;
  /** Scenario 9: tiny tasks per round. */
  readonly mixedTiny: number;
  /** Raw floors: tasks per measurement. */
  readonly floorTasks: number;
  /** Queue scenario: small items from a producer process to a consumer process. */
  readonly queueItems: number;
  /** Queue scenario: items through Python's Manager().Queue() (a round trip each: far slower, so fewer, as a rate). */
  readonly managerQueueItems: number;
}

export interface BenchContext {
  readonly quick: boolean;
  readonly rounds: number;
  /** Workers per pool: 2 on the reference machine. */
  readonly workers: number;
  readonly sizes: Sizes;
  readonly figures: Figure[];
  readonly details: Detail[];
  readonly notes: string[];
  /** Results one scenario computes and another reuses (scenario 3 compares with scenario 1's peers). */
  readonly shared: Map<string, unknown>;
  log(message: string): void;
}

export interface Scenario {
  /** Short name used by the command-line filter, e.g. "s1" or "floors". */
  readonly id: string;
  readonly title: string;
  run(ctx: BenchContext): Promise<void>;
}

export function addDetail(ctx: BenchContext, detail: Detail): void {
  ctx.details.push(detail);
  const value = Number.isFinite(detail.median) ? formatNumber(detail.median) : String(detail.median);
  ctx.log(`  ${detail.contender.padEnd(22)} ${detail.metric.padEnd(16)} ${value} ${detail.unit}`);
}

function compare(op: Target['op'], ratio: number, value: number): boolean {
  if (op === '>=') return ratio >= value;
  if (op === '<=') return ratio <= value;
  return ratio < value;
}

/** Builds a figure from aiox's value and its reference, working out ratio and whether the target is met. */
export function figure(
  base: Omit<Figure, 'ratio' | 'met'>,
  options: { readonly absolute?: boolean } = {},
): Figure {
  const { aiox, reference, target } = base;
  let ratio: number | null = null;
  if (aiox !== null) {
    if (options.absolute === true) ratio = aiox;
    else if (reference !== null && reference.value > 0) ratio = aiox / reference.value;
  }
  const met = ratio === null || target === null ? null : compare(target.op, ratio, target.value);
  return { ...base, ratio, met, ...(options.absolute === true ? { absolute: true } : {}) };
}

/** The best of several named values: highest or lowest. */
export function best(
  values: ReadonlyMap<string, number>,
  better: 'higher' | 'lower',
): { readonly name: string; readonly value: number } | null {
  let winner: { name: string; value: number } | null = null;
  for (const [name, value] of values) {
    if (!Number.isFinite(value)) continue;
    if (winner === null || (better === 'higher' ? value > winner.value : value < winner.value)) winner = { name, value };
  }
  return winner;
}

export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return '-';
  const abs = Math.abs(value);
  if (abs >= 1e6) return `${(value / 1e6).toFixed(2)}M`;
  if (abs >= 1e4) return `${(value / 1e3).toFixed(1)}k`;
  if (abs >= 100) return value.toFixed(0);
  if (abs >= 10) return value.toFixed(1);
  return value.toFixed(2);
}
