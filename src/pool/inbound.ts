import { ChannelError } from '../futures/errors.js';
import { RESULT_ERROR, RESULT_OK, RESULT_SKIPPED, RESULTS_HEADER, RUN_HEADER, type RunMessage } from './protocol.js';

/**
 * Checks what a worker sends before the engine reads it. Only aiox's runtime should speak on a worker's
 * channel, but a task's own code can reach it too (`process.send`, `parentPort.postMessage`). A message of
 * results that is malformed, or answers more tasks than were sent, would shift every later answer onto the
 * wrong task and leave the rest waiting forever; so it is dropped, before it counts, and reported as a
 * process warning (a ChannelError). The runtime's own answers then still match their tasks. Other messages
 * that are not the runtime's are left for the engine to ignore.
 */
export class InboundCheck {
  /** Tasks sent and not answered yet. */
  #outstanding = 0;

  sent(message: RunMessage): void {
    this.#outstanding += (message.length - RUN_HEADER) / 2;
  }

  /** Whether `message` may reach the engine; if not, it is reported as a warning. */
  accepts(message: unknown): boolean {
    if (!Array.isArray(message)) return true;
    const why = resultsProblem(message, this.#outstanding);
    if (why !== undefined) {
      process.emitWarning(new ChannelError(`a worker sent a malformed message of results, dropped: ${why}`));
      return false;
    }
    this.#outstanding -= (message.length - RESULTS_HEADER) / 2;
    return true;
  }
}

function resultsProblem(message: readonly unknown[], outstanding: number): string | undefined {
  if (typeof message[0] !== 'number' || !(message[0] >= 0)) return 'its busy time is not a number >= 0';
  if ((message.length - RESULTS_HEADER) % 2 !== 0) return 'it does not hold status and value pairs';
  const count = (message.length - RESULTS_HEADER) / 2;
  if (count > outstanding) return `it answers ${count} tasks, but ${outstanding} were waiting for an answer`;
  for (let i = RESULTS_HEADER; i < message.length; i += 2) {
    const status = message[i];
    if (status !== RESULT_OK && status !== RESULT_ERROR && status !== RESULT_SKIPPED) return `a status is ${String(status)}`;
  }
  return undefined;
}
