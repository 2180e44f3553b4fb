import { ChannelError } from '../futures/errors.js';
import { RESULT_ERROR, RESULT_OK, RESULT_RUNNING, RESULT_SKIPPED, RESULTS_HEADER, RUN_HEADER, answersIn, type RunMessage } from '../wire/protocol.js';

/**
 * Checks what a worker sends before the engine reads it. Only aiox's runtime should speak on a worker's
 * channel, but a task's own code can reach it too (`process.send`, `parentPort.postMessage`). A message of
 * results that is malformed, or answers more tasks than were sent, would shift every later answer onto the
 * wrong task and leave the rest waiting forever; so it is dropped, before it counts, and reported as a
 * process warning (a ChannelError). The runtime's own answers then still match their tasks. Every message
 * the runtime sends carries the worker's token (WorkerInit.token), which task code has no reason to copy: a
 * message without it, even one of the right shape, is not the runtime's and is dropped the same way. The rare
 * control messages (ready, init-failed, uncaught, report, late) are checked for shape too; an init-failed is taken only
 * from a worker that has not said it is ready, since only its start can fail (the engine sees to that).
 */
export class InboundCheck {
  /** Tasks sent and not answered yet. */
  #outstanding = 0;
  readonly #token: number;

  constructor(token: number) {
    this.#token = token;
  }

  /** Tasks sent and not answered yet. */
  get outstanding(): number {
    return this.#outstanding;
  }

  sent(message: RunMessage): void {
    this.#outstanding += (message.length - RUN_HEADER) / 2;
  }

  /** Whether `message` may reach the engine; if not, it is reported as a warning. */
  accepts(message: unknown): boolean {
    if (!Array.isArray(message)) {
      const why = controlProblem(message, this.#token);
      if (why !== undefined) process.emitWarning(new ChannelError(`a worker sent a message that is not aiox's, dropped: ${why}`));
      return why === undefined;
    }
    const why = message[1] !== this.#token ? 'it does not carry the worker\'s token' : resultsProblem(message, this.#outstanding);
    if (why !== undefined) {
      process.emitWarning(new ChannelError(`a worker sent a malformed message of results, dropped: ${why}`));
      return false;
    }
    this.#outstanding -= answersIn(message);
    return true;
  }
}

function resultsProblem(message: readonly unknown[], outstanding: number): string | undefined {
  if (typeof message[0] !== 'number' || !(message[0] >= 0)) return 'its busy time is not a number >= 0';
  if ((message.length - RESULTS_HEADER) % 2 !== 0) return 'it does not hold status and value pairs';
  const count = answersIn(message);
  if (count > outstanding) return `it answers ${count} tasks, but ${outstanding} were waiting for an answer`;
  for (let i = RESULTS_HEADER; i < message.length; i += 2) {
    const status = message[i];
    if (status !== RESULT_OK && status !== RESULT_ERROR && status !== RESULT_SKIPPED && status !== RESULT_RUNNING) return `a status is ${String(status)}`;
  }
  return undefined;
}

const ORIGINS: ReadonlySet<unknown> = new Set(['uncaughtException', 'unhandledRejection']);

/** What is wrong with a control message (its fields are read as own properties only), or undefined. */
function controlProblem(message: unknown, token: number): string | undefined {
  if (message === null || typeof message !== 'object') return `it is ${message === null ? 'null' : typeof message}, not an object`;
  const field = (name: string): unknown => (Object.hasOwn(message, name) ? (message as Record<string, unknown>)[name] : undefined);
  const type = field('type');
  if (field('token') !== token && (type === 'ready' || type === 'init-failed' || type === 'uncaught' || type === 'report' || type === 'late')) {
    return `a ${type} that does not carry the worker's token`;
  }
  switch (type) {
    case 'ready':
      return undefined;
    case 'init-failed':
      return field('error') === undefined ? 'an init-failed without an error' : undefined;
    case 'uncaught': {
      const unstarted = field('unstarted');
      if (field('error') === undefined) return 'an uncaught without an error';
      if (!ORIGINS.has(field('origin'))) return 'an uncaught whose origin is neither uncaughtException nor unhandledRejection';
      if (typeof field('fatal') !== 'boolean') return 'an uncaught whose fatal is not a boolean';
      if (typeof unstarted !== 'number' || !Number.isInteger(unstarted) || unstarted < 0) return 'an uncaught whose unstarted is not an integer >= 0';
      return undefined;
    }
    case 'report': {
      const seq = field('seq');
      const item = field('item');
      if (typeof seq !== 'number' || !Number.isInteger(seq) || seq < 0) return 'a report whose seq is not an integer >= 0';
      if (field('kind') !== 'progress' && field('kind') !== 'event') return 'a report whose kind is neither progress nor event';
      if (!Object.hasOwn(message, 'value')) return 'a report without a value';
      if (item !== undefined && (typeof item !== 'number' || !Number.isInteger(item) || item < 0)) return 'a report whose item is not an integer >= 0';
      return undefined;
    }
    case 'late': {
      // Only tasks the engine holds as running are settled by it: a seq it does not hold is ignored there.
      const results = field('results');
      if (!Array.isArray(results) || results.length === 0 || results.length % 3 !== 0) return 'a late whose results are not seq, status and value triples';
      for (let i = 0; i < results.length; i += 3) {
        const seq: unknown = results[i];
        if (typeof seq !== 'number' || !Number.isInteger(seq) || seq < 0) return 'a late whose seq is not an integer >= 0';
        if (results[i + 1] !== RESULT_OK && results[i + 1] !== RESULT_ERROR) return `a late whose status is ${String(results[i + 1])}`;
      }
      return undefined;
    }
    default:
      return `its type is ${typeof type === 'string' ? JSON.stringify(type) : typeof type}`;
  }
}
