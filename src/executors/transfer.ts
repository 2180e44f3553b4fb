import { describe } from '../internal/validate.js';
import { isProcessTransferable } from '../pool/handles.js';

/** Names an item of a transfer list for an error message: its class where it has one. */
function describeItem(value: unknown): string {
  if (value === null || typeof value !== 'object') return describe(value);
  const name = (Object.getPrototypeOf(value) as { constructor?: { name?: unknown } } | null)?.constructor?.name;
  if (typeof name !== 'string' || name === '' || name === 'Object') return 'an object';
  return `${/^[AEIO]/.test(name) ? 'an' : 'a'} ${name}`;
}

/** Why a thread task cannot transfer `value`, or undefined if it may try (postMessage has the last word). */
function threadProblem(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object' || value instanceof SharedArrayBuffer || isProcessTransferable(value)) return '';
  if (ArrayBuffer.isView(value)) return ' (list its .buffer)';
  return undefined;
}

/**
 * Checks a task's `transfer` list at the call, with one message formula for both pools:
 * `transfer[i] must be <what the pool can move>, received <what it got>`.
 */
export function validateTransfer(transfer: unknown, kind: 'thread' | 'process'): asserts transfer is readonly unknown[] | undefined {
  if (transfer === undefined) return;
  if (!Array.isArray(transfer)) throw new TypeError(`transfer must be an array, received ${describe(transfer)}`);
  for (let i = 0; i < transfer.length; i++) {
    const item: unknown = transfer[i];
    if (kind === 'process') {
      if (!isProcessTransferable(item)) {
        throw new TypeError(`transfer[${i}] must be a net.Socket, a net.Server or a dgram.Socket, received ${describeItem(item)}`);
      }
    } else {
      const problem = threadProblem(item);
      if (problem !== undefined) {
        throw new TypeError(`transfer[${i}] must be an ArrayBuffer, a MessagePort or another transferable, received ${describeItem(item)}${problem}`);
      }
    }
  }
}
