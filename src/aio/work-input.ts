/**
 * What a function item of {@link collect} or {@link resolve} receives when a worker calls it.
 * @example
 * ```ts
 * import { collect, type WorkContext } from 'aiox';
 * // Typed by hand when the function is not written inline in the call.
 * const download = (url: string) => ({ signal }: WorkContext) => fetch(url, { signal }).then((r) => r.text());
 * const urls = ['https://example.com/a', 'https://example.com/b'];
 * const pages = await collect(urls.map(download), { workers: 2 });
 * ```
 */
export interface WorkContext {
  /**
   * Aborts when the call that took the item gives up on it (`collect` rejected, `resolve`'s consumer
   * stopped, or the caller's own signal aborted). Pass it on to whatever the function waits for.
   */
  readonly signal: AbortSignal;
}

/**
 * One item of the input of {@link collect} or {@link resolve}: a plain value, a promise (or any thenable,
 * such as a `Future`), or a function returning either. A function is called only when a worker takes it,
 * so only functions are bounded by `workers`: a promise is already running when it is created. Every
 * function is called, so a function cannot itself be a result; wrap it (`() => fn`).
 * @example
 * ```ts
 * import { collect, sleep, type WorkItem } from 'aiox';
 * const items: WorkItem<number>[] = [
 *   1, // a value
 *   Promise.resolve(2), // already running: `workers` does not bound it
 *   async ({ signal }) => { await sleep(10, { signal }); return 3; }, // called when a worker takes it
 * ];
 * console.log(await collect(items, { workers: 1 })); // [ 1, 2, 3 ]
 * ```
 */
export type WorkItem<T> = T | PromiseLike<T> | ((context: WorkContext) => T | PromiseLike<T>);

/**
 * The input of {@link collect} and {@link resolve}: an iterable or async iterable of {@link WorkItem}s.
 * @example
 * ```ts
 * import { collect, type WorkInput } from 'aiox';
 * async function countTruthy(items: WorkInput<unknown>): Promise<number> {
 *   return (await collect(items, { workers: 4 })).filter(Boolean).length;
 * }
 * console.log(await countTruthy([1, Promise.resolve(0), () => 'yes'])); // 2
 * ```
 */
export type WorkInput<T> = Iterable<WorkItem<T>> | AsyncIterable<WorkItem<T>>;
