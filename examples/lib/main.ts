import { pathToFileURL } from 'node:url';

/** True when the module at `url` is the script node was started with, not one imported by the tour. */
export function isMain(url: string): boolean {
  const script = process.argv[1];
  return script !== undefined && pathToFileURL(script).href === url;
}
