import { ChannelError, InvalidStateError, QueueShutDown } from '../futures/errors.js';
import { Queue } from '../sync/queue.js';
import { table, timed, timeoutOf, type Hosted, type Peer } from './hosted.js';

/**
 * The two ends of a pipe: a queue each way (the bound gives back-pressure), and for each end the peer that
 * uses it, learned from its first call. When that peer goes without having closed its end, the other end
 * learns it: its sends and its receives, once the items already sent are taken, fail with a ChannelError.
 */
export function hostPipe(maxsize: number): [Hosted, Hosted] {
  const inboxes = [new Queue<unknown>({ maxsize }), new Queue<unknown>({ maxsize })] as const;
  const users: (Peer | undefined)[] = [undefined, undefined];
  const closed = [false, false];
  const died = [false, false];
  const end = (me: 0 | 1): Hosted => {
    const other = me === 0 ? 1 : 0;
    const inbox = inboxes[me];
    const outbox = inboxes[other];
    const gone = (): ChannelError => new ChannelError("the other end of the pipe is gone: its worker ended without closing it");
    return {
      methods: table({
        send: (call, [item, options]) => {
          users[me] ??= call.peer;
          if (closed[me]) throw new InvalidStateError('send() on an end of a pipe that was closed');
          if (died[other]) throw gone();
          if (closed[other]) throw new QueueShutDown('the other end of the pipe is closed');
          return timed(call, timeoutOf(options), (signal) => outbox.put(item, { signal })).catch((error: unknown) => {
            if (error instanceof QueueShutDown) throw died[other] ? gone() : new QueueShutDown('the other end of the pipe is closed');
            throw error;
          });
        },
        recv: async (call, [options]) => {
          users[me] ??= call.peer;
          try {
            return await timed(call, timeoutOf(options), (signal) => inbox.get({ signal }));
          } catch (error) {
            if (error instanceof QueueShutDown && died[other]) throw gone();
            if (error instanceof QueueShutDown) throw new QueueShutDown('the other end of the pipe is closed');
            throw error;
          }
        },
        close: () => {
          closed[me] = true;
          outbox.shutdown();
          inbox.shutdown({ immediate: true });
        },
      }),
      left: (peer) => {
        if (users[me] !== peer || closed[me]) return;
        died[me] = true;
        closed[me] = true;
        outbox.shutdown();
        inbox.shutdown({ immediate: true });
      },
    };
  };
  return [end(0), end(1)];
}
