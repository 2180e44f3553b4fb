import { ManagedPipeEnd } from './managed-pipe.js';
import { ManagedQueue } from './managed-queue.js';
import { ManagedBarrier, ManagedCondition, ManagedEvent, ManagedLock, ManagedSemaphore } from './managed-sync.js';
import { ManagedMap, ManagedValue } from './managed-value.js';
import type { ManagedObject } from './proxy.js';
import { isProxyData, type ManagedKind, type ProxyData } from './wire.js';

type Classes = Readonly<Record<ManagedKind, new (data: ProxyData) => ManagedObject>>;
let classes: Classes | undefined;

// Built on first use: the proxy modules import this one, so at its evaluation they may not be ready yet.
function classOf(kind: ManagedKind): new (data: ProxyData) => ManagedObject {
  classes ??= {
    queue: ManagedQueue,
    event: ManagedEvent,
    lock: ManagedLock,
    semaphore: ManagedSemaphore,
    condition: ManagedCondition,
    barrier: ManagedBarrier,
    value: ManagedValue,
    map: ManagedMap,
    pipe: ManagedPipeEnd,
  };
  return classes[kind];
}

/**
 * Turns a proxy's data back into a proxy: what arrived in a worker as a task's argument, or came out of a
 * manager's object (a queue of queues, a map of locks). Anything else is returned as it is.
 */
export function reviveValue<T>(value: T): T {
  if (!isProxyData(value)) return value;
  const cls = classOf(value.aioxManaged);
  if (value instanceof cls) return value;
  return new cls({ aioxManaged: value.aioxManaged, address: value.address, token: value.token, id: value.id }) as T;
}

/**
 * The worker runtime's hook: revives, in place (they are the received message's own), the top-level arguments of a task that are proxies' data.
 * One property test per object argument, so that tasks without proxies pay nothing measurable.
 */
export function reviveArgs<T extends readonly unknown[]>(args: T): T {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as { aioxManaged?: unknown } | null;
    if (typeof arg === 'object' && arg !== null && arg.aioxManaged !== undefined) (args as unknown as unknown[])[i] = reviveValue(arg);
  }
  return args;
}
