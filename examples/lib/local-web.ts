import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A page the local server serves: its size in bytes and how long it takes to answer. */
export interface Page {
  readonly bytes: number;
  readonly delay: number;
}

/** A running local server; `await using` closes it. */
export interface LocalWeb extends AsyncDisposable {
  /** The page's full URL, e.g. `http://127.0.0.1:38211/news`. */
  url(path: string): string;
  close(): Promise<void>;
}

/**
 * Starts an HTTP server on 127.0.0.1 (a free port) standing in for the web: each path in `pages` answers
 * after its delay with a body of its size; any other path answers 404 after 50 ms.
 */
export async function startLocalWeb(pages: Readonly<Record<string, Page>>): Promise<LocalWeb> {
  const server = createServer((request, response) => {
    const page = pages[request.url ?? ''];
    setTimeout(() => {
      if (page === undefined) {
        response.writeHead(404).end();
      } else {
        response.writeHead(200, { 'content-type': 'text/plain', 'content-length': page.bytes });
        response.end('x'.repeat(page.bytes));
      }
    }, page?.delay ?? 50);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const close = async (): Promise<void> => {
    if (!server.listening) return;
    const closed = once(server, 'close');
    server.close();
    // Workers' fetch keeps connections alive; end them so close() need not wait for their idle timeout.
    server.closeAllConnections();
    await closed;
  };
  return { url: (path) => `http://127.0.0.1:${port}${path}`, close, [Symbol.asyncDispose]: close };
}
