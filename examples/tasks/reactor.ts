import { createHash } from 'node:crypto';
import type { Socket } from 'node:net';
import { defineTask } from 'aiox';

/** The CPU-heavy part of a request: SHA-256 applied `rounds` times over, as hex (a stand-in for real work). */
export function digest(rounds: number): string {
  let value = Buffer.from('aiox');
  for (let i = 0; i < rounds; i++) value = createHash('sha256').update(value).digest();
  return value.toString('hex');
}

/** A whole HTTP/1.1 response that closes its connection. */
export function httpResponse(status: string, body: string): string {
  return `HTTP/1.1 ${status}\r\ncontent-type: text/plain\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`;
}

/**
 * Answers a request whose connection was handed to this worker process: computes the digest, writes the
 * response straight on the socket (the request was read in the server's process), and closes it. Returns
 * once the answer is queued, so that the worker takes its next connection while this one finishes closing.
 */
export const serveDigest = defineTask(import.meta.url, function serveDigest(socket: Socket, rounds: number): void {
  socket.end(httpResponse('200 OK', `${digest(rounds)} from pid ${process.pid}`));
});
