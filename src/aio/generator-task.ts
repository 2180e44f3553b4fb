import type { Socket } from 'node:net';
import { netModule } from '../internal/lazy-builtins.js';
import { MessagePort } from 'node:worker_threads';
import { ChannelError } from '../futures/errors.js';
import { socketPort, type SocketPort } from '../internal/socket-port.js';
import { currentTask, runAsTask } from '../tasks/current-task.js';
import { loadTask } from '../tasks/load-task.js';
import { defineTask, type TaskDescriptor } from '../tasks/task.js';
import { fromWire, isRecord, toWire, wireErrorProblem, type WireError } from '../tasks/wire-error.js';

/** A request from the consumer to the generator, and its answer. */
export type GeneratorRequest = { readonly op: 'next' | 'return'; readonly value: unknown } | { readonly op: 'throw'; readonly value: WireError };
export type GeneratorReply = { readonly done: boolean; readonly value: unknown } | { readonly error: WireError };

type AnyGenerator = Generator<unknown, unknown, unknown> | AsyncGenerator<unknown, unknown, unknown>;

/** What both channels offer: a MessagePort (threads) and a SocketPort (processes). */
export type GeneratorPort = Pick<SocketPort, 'postMessage' | 'close'> & {
  on(event: 'message', listener: (message: unknown) => void): unknown;
};

/** Why a message received as a request is not one, or undefined. Only own properties are read. */
export function requestProblem(message: unknown): string | undefined {
  if (!isRecord(message)) return 'it is not an object';
  const { op, value } = message as Record<string, unknown>;
  if (op !== 'next' && op !== 'return' && op !== 'throw') return 'its op is not "next", "return" or "throw"';
  if (!Object.hasOwn(message, 'value')) return 'it has no value';
  if (op === 'throw') {
    const problem = wireErrorProblem(value);
    if (problem !== undefined) return `its error is malformed: ${problem}`;
  }
  return undefined;
}

/** Why a message received as a reply is not one, or undefined. Only own properties are read. */
export function replyProblem(message: unknown): string | undefined {
  if (!isRecord(message)) return 'it is not an object';
  const record = message as Record<string, unknown>;
  if (Object.hasOwn(record, 'error')) {
    const problem = wireErrorProblem(record['error']);
    return problem === undefined ? undefined : `its error is malformed: ${problem}`;
  }
  if (typeof record['done'] !== 'boolean') return 'its done flag is not a boolean';
  if (!Object.hasOwn(record, 'value')) return 'it has no value';
  return undefined;
}

interface WorkerEnd {
  readonly port: GeneratorPort;
  /** Calls `listener` when the channel fails (a frame that cannot be read) or is closed by the consumer. */
  watch(failed: (error: Error) => void, closed: () => void): void;
}

/** The worker's end of the channel: a transferred MessagePort (threads) or a socket passed by IPC (processes). */
function endOf(channel: MessagePort | Socket | null): WorkerEnd {
  if (channel instanceof MessagePort) {
    return {
      port: channel,
      watch: (failed, closed) => {
        channel.on('messageerror', failed);
        channel.once('close', closed);
      },
    };
  }
  if (!(channel instanceof netModule().Socket)) throw new ChannelError('the channel to the consumer did not arrive');
  const port = socketPort(channel);
  return {
    port,
    watch: (failed, closed) => {
      port.on('error', failed);
      void port.closed.then(closed);
    },
  };
}

/**
 * Runs in a pool worker: creates the generator and answers requests one at a time, in order, until the
 * generator is done. The pool task ends when the generator does. A request that is not well formed, or a
 * channel that fails, ends the generator (its `finally` runs) and fails the task.
 */
export const driveGenerator = defineTask(
  import.meta.url,
  async function driveGenerator(channel: MessagePort | Socket | null, task: TaskDescriptor, args: unknown[]): Promise<void> {
    // Taken before the first await: each step of the generator runs as this task (see currentTask()).
    const context = currentTask();
    const end = endOf(channel);
    const port = end.port;
    let generator: AnyGenerator;
    try {
      generator = (await loadTask(task))(...args) as AnyGenerator;
      if (generator === null || typeof generator !== 'object' || typeof generator.next !== 'function') {
        throw new TypeError(`task "${task.name}" must be a generator function (function* or async function*)`);
      }
    } catch (error) {
      port.close();
      throw error;
    }
    await new Promise<void>((resolve, reject) => {
      let chain = Promise.resolve();
      let finished = false;
      const finish = (): void => {
        finished = true;
        port.close();
        resolve();
      };
      // The channel failed, or the consumer closed it without closing the generator (it gave up on it after
      // a bad reply): the generator is closed here (its finally runs) and the task ends.
      const stop = (error: Error | undefined): void => {
        if (finished) return;
        finished = true;
        port.close();
        chain = chain.then(async () => {
          // A sync generator's return() gives its result, or throws, rather than a promise.
          try {
            await generator.return(undefined);
          } catch {
            // The generator's own finally failed; the channel's fault is what this task reports.
          }
          if (error === undefined) resolve();
          else reject(error);
        });
      };
      const step = async (request: GeneratorRequest): Promise<void> => {
        // Steps read ahead past the end: the consumer answers them itself when the channel closes.
        if (finished) return;
        let reply: GeneratorReply;
        try {
          const result = await runAsTask(context, () =>
            request.op === 'throw' ? generator.throw(fromWire(request.value)) : generator[request.op](request.value as never),
          );
          reply = { done: result.done === true, value: result.value };
        } catch (error) {
          reply = { error: toWire(error) };
        }
        try {
          port.postMessage(reply);
        } catch (error) {
          port.postMessage({ error: toWire(new TypeError(`a value could not be sent back: ${(error as Error).message}`)) });
          await generator.return(undefined);
          return finish();
        }
        if (!('done' in reply) || reply.done) finish();
      };
      port.on('message', (request: unknown) => {
        const problem = requestProblem(request);
        if (problem !== undefined) return stop(new ChannelError(`received a malformed generator request: ${problem}`));
        chain = chain.then(() => step(request as GeneratorRequest));
      });
      end.watch(stop, () => stop(undefined));
    });
  },
);
