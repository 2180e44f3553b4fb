import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { Socket } from 'node:net';
import { after, test } from 'node:test';
import { serialize } from 'node:v8';
import { ChannelError } from 'aiox';
import { Attacker } from '../fixtures/hostile.js';

// socket-port is internal, so it comes from the compiled package (see test/tasks/wire-error.test.ts).
type SocketPortModule = typeof import('../../src/internal/socket-port.js');
const { MAX_FRAME_BYTES, socketPair, socketPort } = (await import(
  new URL('../../src/internal/socket-port.js', import.meta.url).href
)) as SocketPortModule;

// The pair's sockets do not hold the program (their owners decide that); the tests wait on them.
const hold = setInterval(() => undefined, 1 << 30);
after(() => clearInterval(hold));

function frame(message: unknown): Buffer {
  const body = serialize(message);
  const header = Buffer.alloc(4);
  header.writeUInt32BE(body.length, 0);
  return Buffer.concat([header, body]);
}

/** A port on one end of a fresh pair, and the raw other end to write bytes from. */
async function rawPeer(): Promise<{ port: ReturnType<typeof socketPort>; raw: Socket; messages: unknown[]; error: Promise<Error>; errors: Error[] }> {
  const { mine, theirs } = await socketPair();
  theirs.resume();
  const port = socketPort(mine);
  const messages: unknown[] = [];
  port.on('message', (m) => messages.push(m));
  const errors: Error[] = [];
  port.on('error', (e) => errors.push(e));
  const error = new Promise<Error>((resolve) => port.on('error', resolve));
  return { port, raw: theirs, messages, error, errors };
}

test('messages cross in order, also when a frame arrives a byte at a time', async () => {
  const { port, raw, messages } = await rawPeer();
  const bytes = Buffer.concat([frame({ n: 1 }), frame('two'), frame([3])]);
  for (const byte of bytes) raw.write(Buffer.from([byte]));
  raw.end();
  await port.closed;
  assert.deepEqual(messages, [{ n: 1 }, 'two', [3]]);
});

test('a frame that does not deserialize fails the port with a ChannelError, not the process', async () => {
  const { port, raw, messages, error } = await rawPeer();
  raw.write(Buffer.concat([frame('before'), Buffer.from([0, 0, 0, 5, 0xff, 0x0f, 0x99, 0x99, 0x99]), frame('after')]));
  const failure = await error;
  assert.ok(failure instanceof ChannelError);
  assert.match(failure.message, /does not deserialize/);
  await port.closed;
  assert.deepEqual(messages, ['before'], 'nothing after the bad frame is delivered');
});

test('a length over the limit fails the port at the header, before any of the frame is buffered', async () => {
  const { port, raw, error } = await rawPeer();
  raw.write(Buffer.from([0xff, 0xff, 0xff, 0xff]));
  const failure = await error;
  assert.ok(failure instanceof ChannelError);
  assert.equal(failure.message, `received a frame of ${0xffffffff} bytes, over the limit of ${MAX_FRAME_BYTES}`);
  await port.closed;
  // The port ended the connection: the peer's side closes too.
  if (!raw.destroyed) await once(raw, 'close');
});

test('a frame of exactly the limit is accepted as far as its header', async () => {
  const { port, raw, errors } = await rawPeer();
  const header = Buffer.alloc(4);
  header.writeUInt32BE(MAX_FRAME_BYTES, 0);
  raw.write(header);
  raw.write(Buffer.alloc(16));
  // The port waits for the rest; ending the stream closes it without any error.
  raw.end();
  await port.closed;
  assert.deepEqual(errors, []);
});

test('an error listener added after the failure still hears it', async () => {
  const { port, raw, error } = await rawPeer();
  raw.write(Buffer.from([0xff, 0xff, 0xff, 0xff]));
  const first = await error;
  const late = await new Promise<Error>((resolve) => port.on('error', resolve));
  assert.equal(late, first);
});

test('socketPair: a local process that connects first is dropped; only the own client is accepted', async () => {
  const attacker = new Attacker();
  try {
    attacker.install();
    const { mine, theirs } = await socketPair();
    assert.equal(attacker.ports.length, 1);
    // The pair is really connected to itself: what one end writes, the other reads.
    theirs.resume();
    mine.write('ping');
    const [chunk] = (await once(theirs, 'data')) as [Buffer];
    assert.equal(chunk.toString(), 'ping');
    assert.equal(theirs.remotePort, mine.localPort);
    // The attacker was cut off without reading a byte.
    assert.equal(await attacker.closedWith(attacker.ports[0]!), 0);
    mine.destroy();
    theirs.destroy();
  } finally {
    attacker.dispose();
  }
});
