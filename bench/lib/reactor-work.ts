import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

// The endpoints of the reactor scenario, the same for every server it measures: /digest costs a fixed
// amount of CPU, /ping nothing. Plain functions, with nothing from aiox: a pool of any build runs
// serveDigest through taskRef.

/** SHA-256 applied `rounds` times over, as hex. */
export function digest(rounds: number): string {
  let value = Buffer.from('aiox');
  for (let i = 0; i < rounds; i++) value = createHash('sha256').update(value).digest();
  return value.toString('hex');
}

/** The `rounds` of a /digest request, or undefined for /ping; throws for any other path. */
export function route(request: IncomingMessage): number | undefined {
  const url = new URL(request.url ?? '/', 'http://localhost');
  if (url.pathname === '/ping') return undefined;
  if (url.pathname === '/digest') return Number(url.searchParams.get('rounds'));
  throw new Error(`no endpoint ${url.pathname}`);
}

/** Serves a request on this process's own event loop. */
export function serveHere(request: IncomingMessage, response: ServerResponse): void {
  const rounds = route(request);
  response.end(rounds === undefined ? 'pong' : digest(rounds));
}

/**
 * Answers a /digest request whose connection was handed to this worker process, and closes it. Returns as
 * soon as the answer is queued: the worker takes its next task while the socket finishes closing, as a
 * server's loop would.
 */
export function serveDigest(socket: Socket, rounds: number): void {
  const body = digest(rounds);
  socket.end(`HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n${body}`);
}
