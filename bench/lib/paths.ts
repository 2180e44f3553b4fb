import { fileURLToPath } from 'node:url';

// This file runs from build/bench/lib/; the repository root is three levels up. Peer worker files are
// plain JavaScript and are used from the source tree, not copied into build/.
export const ROOT = new URL('../../../', import.meta.url);

/** A file under the repository root, as a URL. */
export function fromRoot(relative: string): URL {
  return new URL(relative, ROOT);
}

/** A worker file under bench/workers/, as an absolute path (what most peers want). */
export function workerPath(name: string): string {
  return fileURLToPath(fromRoot(`bench/workers/${name}`));
}
