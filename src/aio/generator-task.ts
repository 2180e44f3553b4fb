import type { MessagePort } from 'node:worker_threads';
import { connectSocketPort, type SocketPort } from '../internal/socket-port.js';
import { loadTask } from '../tasks/load-task.js';
import { defineTask, type TaskDescriptor } from '../tasks/task.js';
import { fromWire, toWire, type WireError } from '../tasks/wire-error.js';

/** A request from the consumer to the generator, and its answer. */
export type GeneratorRequest = { readonly op: 'next' | 'return'; readonly value: unknown } | { readonly op: 'throw'; readonly value: WireError };
export type GeneratorReply = { readonly done: boolean; readonly value: unknown } | { readonly error: WireError };

type AnyGenerator = Generator<unknown, unknown, unknown> | AsyncGenerator<unknown, unknown, unknown>;

/** What both channels offer: a MessagePort (threads) and a SocketPort (processes). */
export type GeneratorPort = Pick<SocketPort, 'postMessage' | 'close'> & {
  on(event: 'message', listener: (message: GeneratorRequest) => void): unknown;
};

/**
 * Runs in a pool worker: creates the generator and answers requests one at a time, in order, until the
 * generator is done. The pool task ends when the generator does. `channel` is a transferred MessagePort
 * (threads) or the address of a local socket to connect to (processes).
 */
export const driveGenerator = defineTask(
  import.meta.url,
  async function driveGenerator(channel: MessagePort | string, task: TaskDescriptor, args: unknown[]): Promise<void> {
    const port: GeneratorPort = typeof channel === 'string' ? ((await connectSocketPort(channel)) as GeneratorPort) : channel;
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
    await new Promise<void>((resolve) => {
      let chain = Promise.resolve();
      let finished = false;
      const finish = (): void => {
        finished = true;
        port.close();
        resolve();
      };
      const step = async (request: GeneratorRequest): Promise<void> => {
        // Steps read ahead past the end: the consumer answers them itself when the channel closes.
        if (finished) return;
        let reply: GeneratorReply;
        try {
          const result =
            request.op === 'throw' ? await generator.throw(fromWire(request.value)) : await generator[request.op](request.value as never);
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
      port.on('message', (request: GeneratorRequest) => {
        chain = chain.then(() => step(request));
      });
    });
  },
);
