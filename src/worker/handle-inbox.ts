import type { HandleMessage, RunMessage, RunWithHandlesMessage } from '../wire/protocol.js';

type Waiting = RunMessage | RunWithHandlesMessage;

/**
 * In a process worker: puts the handles a batch's arguments need (sockets, servers; each sent before the
 * batch in a message of its own) in their places, and passes batches on in the order they came. A handle
 * can arrive after its batch (Node hands a server over only once it listens here), so a batch waits for
 * its handles, and the batches after it wait behind it.
 */
export class HandleInbox {
  readonly #deliver: (run: RunMessage) => void;
  readonly #handles = new Map<number, unknown>();
  readonly #waiting: Waiting[] = [];

  constructor(deliver: (run: RunMessage) => void) {
    this.#deliver = deliver;
  }

  /** Takes a batch, a batch with handles, or a handle (`handle` is what IPC delivered with the message). */
  receive(message: Waiting | HandleMessage, handle: unknown): void {
    // The usual case, a plain batch with nothing waiting ahead of it, goes straight on.
    if (Array.isArray(message) && this.#waiting.length === 0) return this.#deliver(message as RunMessage);
    if (!Array.isArray(message) && (message as HandleMessage).type === 'handle') {
      // A handle closed in the parent before it left arrives as nothing; its place stays null.
      this.#handles.set((message as HandleMessage).id, handle ?? null);
    } else {
      this.#waiting.push(message as Waiting);
    }
    this.#drain();
  }

  #drain(): void {
    while (this.#waiting.length > 0) {
      const head = this.#waiting[0]!;
      if (Array.isArray(head)) {
        this.#waiting.shift();
        this.#deliver(head as RunMessage);
        continue;
      }
      const { run, handles } = head as RunWithHandlesMessage;
      if (!handles.every(([id]) => this.#handles.has(id))) return;
      this.#waiting.shift();
      // A handle given in several places (or to several tasks of the batch) came once and goes in each.
      for (const [id, path] of handles) place(run, path, this.#handles.get(id));
      for (const [id] of handles) this.#handles.delete(id);
      this.#deliver(run);
    }
  }
}

function place(root: unknown, path: readonly (string | number)[], value: unknown): void {
  let container = root as Record<string | number, unknown>;
  for (let i = 0; i < path.length - 1; i++) container = container[path[i]!] as Record<string | number, unknown>;
  container[path[path.length - 1]!] = value;
}
