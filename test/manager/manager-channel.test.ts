import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { createConnection, type Socket } from 'node:net';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { deserialize, serialize } from 'node:v8';
import { Manager } from 'aiox';
import { HELLO } from '../../src/manager/wire.js';

// The manager's channel against peers that do not follow the protocol, and its effect on a program's life.

const run = promisify(execFile);

function frame(body: Buffer): Buffer {
  const header = Buffer.alloc(4);
  header.writeUInt32BE(body.length, 0);
  return Buffer.concat([header, body]);
}

/** Connects to the manager behind `proxy` as a raw peer; `replies` collects the messages it receives. */
async function rawPeer(proxy: { address: string }): Promise<{ socket: Socket; closed: Promise<unknown>; replies: unknown[][]; next: () => Promise<unknown[]> }> {
  const socket = createConnection(proxy.address);
  await once(socket, 'connect');
  const replies: unknown[][] = [];
  let waiting: (() => void) | undefined;
  let buffered = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    while (buffered.length >= 4 && buffered.length >= 4 + buffered.readUInt32BE(0)) {
      const size = buffered.readUInt32BE(0);
      replies.push(...(deserialize(buffered.subarray(4, 4 + size)) as unknown[][]));
      buffered = buffered.subarray(4 + size);
    }
    waiting?.();
  });
  const closed = once(socket, 'close');
  const next = async (): Promise<unknown[]> => {
    while (replies.length === 0) await new Promise<void>((resolve) => (waiting = resolve));
    return replies.shift()!;
  };
  return { socket, closed, replies, next };
}

test('a peer without the token is dropped before anything it sends is run', async () => {
  await using manager = new Manager();
  const queue = manager.queue<string>();
  const wrong = await rawPeer(queue);
  wrong.socket.write(frame(serialize([HELLO, 'f'.repeat(64)])));
  wrong.socket.write(frame(serialize([[1, queue.id, 'put', ['smuggled']]])));
  await wrong.closed;
  const silent = await rawPeer(queue);
  silent.socket.write(frame(serialize([[1, queue.id, 'put', ['no hello']]])));
  await silent.closed;
  const huge = await rawPeer(queue);
  const header = Buffer.alloc(4);
  header.writeUInt32BE(100_000_000, 0);
  huge.socket.write(header);
  await huge.closed;
  assert.equal(await queue.qsize(), 0);
  await queue.put('still serving');
  assert.equal(await queue.get(), 'still serving');
});

test('a bad call fails alone; a frame that does not deserialize drops only its own connection', async () => {
  await using manager = new Manager();
  const queue = manager.queue<string>();
  const peer = await rawPeer(queue);
  peer.socket.write(frame(serialize([HELLO, queue.token])));
  peer.socket.write(frame(serialize([[1, queue.id, 'constructor', []], [2, 999, 'get', []], [3, queue.id, 'put', 'not an array'], [4, queue.id, 'put', ['ok', undefined]]])));
  const answers = [await peer.next(), await peer.next(), await peer.next(), await peer.next()];
  assert.deepEqual(answers.map(([id, status]) => [id, status]), [[1, 1], [2, 1], [3, 1], [4, 0]]);
  assert.equal((answers[0]![2] as { props: { code: string } }).props.code, 'ERR_AIOX_CHANNEL');
  assert.equal(await queue.get(), 'ok');
  peer.socket.write(frame(Buffer.from([0xff, 0x0f, 0x13, 0x37, 0x00])));
  await peer.closed;
  await queue.put('others unaffected');
  assert.equal(await queue.get(), 'others unaffected');
});

test('a manager that is never shut down does not keep the program alive; a pending call does', { timeout: 60_000 }, async () => {
  const script = fileURLToPath(new URL('../fixtures/scripts/manager-forgotten.js', import.meta.url));
  const { stdout } = await run(process.execPath, [script], { timeout: 30_000, killSignal: 'SIGKILL' });
  assert.deepEqual(stdout.trim().split('\n'), ['caller got 1', 'thread got 5']);
});
