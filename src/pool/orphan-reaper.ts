import type { ChildProcess } from 'node:child_process';
import { childProcessModule } from '../internal/lazy-builtins.js';

// One small shell process per program (per thread that starts process workers) kills the program's process
// workers when the program dies, however it dies (even SIGKILL), while a worker's main thread may be stuck in
// a task (`while (true) {}`), where neither the IPC 'disconnect' event nor a timer of the worker can run.
// The program tells it each worker's pid as the worker starts ("+ pid") and as it exits ("- pid"), on the
// shell's stdin; the program's death closes that stdin, and the shell kills the workers it still holds. A
// worker's own watchdog thread (worker/orphan-watchdog.ts) did this before, one per worker: starting a thread
// costs a child about 60 ms of CPU (measured on a 2-core machine, Node 20), nearly half again a bare child's
// start, paid again by every replacement of an aborted worker; a shell costs about a millisecond, once.
//
// A worker whose main thread is free ends by itself once its channel closes (see process-entry.ts), running
// its 'exit' handlers (V8 coverage, a profile, the program's own): the reaper kills the workers it holds
// only GRACE_S seconds after the program's death, as the watchdog did (it looked every 0.2 s).
//
// Every command but that last `sleep` is a builtin of POSIX sh: no process is started per worker. The shell
// ignores SIGINT and SIGHUP, which a terminal sends to the whole process group: the program decides what an interrupt means
// (see process-entry.ts), and if it dies of it, the shell still sees its stdin close. A pid is forgotten when
// its worker exits (before the program is told, the pid cannot be reused), so the shell never kills a
// stranger. Where there is no POSIX shell (Windows), or it cannot start, workers watch their parent
// themselves, as before.
const GRACE_S = 0.2;
const SCRIPT = `trap '' INT HUP
pids=' '
while read -r op pid; do
  case $op in
    +) pids="$pids$pid " ;;
    -) case $pids in *" $pid "*) pids="\${pids%% $pid *} \${pids#* $pid }" ;; esac ;;
  esac
done
[ "$pids" = ' ' ] && exit 0
sleep ${GRACE_S} 2>/dev/null
kill -9 $pids 2>/dev/null
exit 0
`;

let reaper: ChildProcess | undefined;
/** The pids of this thread's live process workers that a reaper watches. */
const watched = new Set<number>();
/** Set once starting a reaper failed: workers then watch their parent themselves. */
let unavailable = process.platform === 'win32';

/**
 * Hands the process worker `pid`, just started, to the reaper, started on first use. True if the reaper
 * took it (it kills the worker if this program dies), false if the worker must watch its parent itself.
 */
export function reapOnExit(pid: number | undefined): boolean {
  if (pid === undefined || unavailable) return false;
  const shell = reaper ?? startReaper();
  if (shell === undefined) return false;
  watched.add(pid);
  shell.stdin!.write(`+ ${pid}\n`);
  return true;
}

/** The worker `pid` has exited: its pid may be reused from now on. */
export function forgetOnExit(pid: number | undefined): void {
  if (pid === undefined || !watched.delete(pid)) return;
  reaper?.stdin!.write(`- ${pid}\n`);
}

function startReaper(): ChildProcess | undefined {
  let shell: ChildProcess;
  try {
    shell = childProcessModule().spawn('/bin/sh', ['-c', SCRIPT], { stdio: ['pipe', 'ignore', 'ignore'], env: {}, windowsHide: true });
  } catch {
    unavailable = true;
    return undefined;
  }
  // A failed start (no /bin/sh) is reported by 'error' only later; the missing pid says so at once.
  shell.on('error', () => undefined);
  if (shell.pid === undefined) {
    unavailable = true;
    return undefined;
  }
  // A write to a reaper that is gone fails here; its 'exit' replaces it.
  shell.stdin!.on('error', () => undefined);
  // It never keeps the program alive.
  shell.unref();
  (shell.stdin as unknown as { unref(): void }).unref();
  shell.on('exit', () => {
    // Killed from outside: the workers it watched are handed to a new one.
    if (reaper !== shell) return;
    reaper = undefined;
    if (watched.size === 0) return;
    const next = startReaper();
    if (next !== undefined) next.stdin!.write([...watched].map((pid) => `+ ${pid}\n`).join(''));
  });
  reaper = shell;
  return shell;
}
