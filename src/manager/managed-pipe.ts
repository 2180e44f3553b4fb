import { untilShutDown } from '../sync/queue.js';
import { brand, callProxy, ManagedObject, waitProxy, type ManagedWaitOptions } from './proxy.js';
import { reviveValue } from './revive.js';

/**
 * One end of a pipe made by {@link Manager.pipe}, like an end of Python's `multiprocessing.Pipe()` (and
 * aioprocessing's `AioPipe`): `send` what the other end receives, `recv` what it sends, in order. Each
 * direction holds at most `maxsize` items, so a fast sender waits for a slow receiver.
 *
 * `close()` ends this end: the other end receives what was already sent, then its `recv` fails with
 * `QueueShutDown` and its iteration ends. If the worker using an end dies without closing it, the other
 * end's `send` and (once what was sent is taken) `recv` fail with a `ChannelError` that says so.
 *
 * @example
 * ```ts
 * import { Manager } from 'aiox';
 * await using manager = new Manager();
 * const [left, right] = manager.pipe<string>();
 * await left.send('ping');
 * console.log(await right.recv()); // ping
 * ```
 */
export class ManagedPipeEnd<Send, Receive = Send> extends ManagedObject implements AsyncIterable<Receive> {
  static {
    brand(this, 'pipe');
  }

  /** Sends an item to the other end, waiting while `maxsize` items wait there. */
  async send(item: Send, options: ManagedWaitOptions = {}): Promise<void> {
    await waitProxy(this, 'send', [item], options);
  }

  /** Receives the next item from the other end, waiting for one. @throws {QueueShutDown} {ChannelError} {TimeoutError} (rejects) */
  async recv(options: ManagedWaitOptions = {}): Promise<Receive> {
    return reviveValue((await waitProxy(this, 'recv', [], options)) as Receive);
  }

  /** Closes this end; the other end receives what was sent before, then its iteration ends. */
  async close(): Promise<void> {
    await callProxy(this, 'close');
  }

  /** Yields what the other end sends, until it closes its end. */
  [Symbol.asyncIterator](): AsyncGenerator<Receive, void, undefined> {
    return untilShutDown(() => this.recv());
  }
}
