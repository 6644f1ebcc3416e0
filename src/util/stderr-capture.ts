/**
 * Captures what native code writes to file descriptor 2 while `fn` runs (Dawn prints its
 * warnings there from C++, out of JavaScript's reach). Node has no dup2, but open() returns the
 * lowest free descriptor: close 2, then open a temporary file, and it is 2. The original stream
 * is held open through /proc/self/fd and put back the same way. JavaScript writes to
 * process.stderr in that window are captured too (they use descriptor 2).
 *
 * `fn` runs uncaptured where that is unsafe or impossible: off the main thread (descriptor 2 is
 * the process's), without /proc/self/fd (not Linux), when descriptor 2 is closed or a socket, and
 * when it is a regular file: reopening a file makes a new file description with its own offset,
 * so a later write through the original one (`> log 2>&1`) would overwrite what was written here.
 */
import { closeSync, fstatSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMainThread } from 'node:worker_threads';

/** What the capture itself makes Node print (closing descriptor 2, which Node did not open): not the library's. */
const OWN_WARNING =
  /^\(node:\d+\) Warning: File descriptor 2 closed but not opened in unmanaged mode\n(\(Use `node --trace-warnings.*\n)?/m;

/** The outcome of `fn` (its value, or what it threw) and what was written to descriptor 2 meanwhile. */
export type Captured<T> = { ok: true; value: T; text: string } | { ok: false; error: unknown; text: string };

export async function captureStderr<T>(fn: () => Promise<T>): Promise<Captured<T>> {
  const held = holdStderr();
  const file = join(tmpdir(), `pinn-stderr-${process.pid}-${Date.now()}.txt`);
  const redirected = held !== undefined && redirect(file);
  let outcome: { ok: true; value: T } | { ok: false; error: unknown };
  try {
    outcome = { ok: true, value: await fn() };
  } catch (error) {
    outcome = { ok: false, error };
  }
  // A turn of the event loop, so what was queued for descriptor 2 meanwhile (process warnings) lands here.
  if (redirected) await new Promise((resolve) => setImmediate(resolve));
  if (held !== undefined) restore(held, redirected);
  let text = '';
  if (redirected) {
    text = readFileSync(file, 'utf8').replace(OWN_WARNING, '');
    rmSync(file, { force: true });
  }
  return { ...outcome, text };
}

/** A second descriptor for the current stderr, or undefined when it cannot be had. */
function holdStderr(): number | undefined {
  if (process.platform !== 'linux' || !isMainThread) return undefined;
  try {
    if (fstatSync(2).isFile()) return undefined;
    return openSync('/proc/self/fd/2', 'a');
  } catch {
    return undefined;
  }
}

/** Points descriptor 2 at `file`; false (descriptor 2 left closed) when another thread took the number first. */
function redirect(file: string): boolean {
  closeSync(2);
  let fd: number;
  try {
    fd = openSync(file, 'w+');
  } catch {
    return false;
  }
  if (fd === 2) return true;
  closeSync(fd);
  rmSync(file, { force: true });
  return false;
}

/** Puts the held stream back on descriptor 2 (closed by `redirect` either way). */
function restore(held: number, redirected: boolean): void {
  if (redirected) closeSync(2);
  const fd = openSync(`/proc/self/fd/${held}`, 'a');
  if (fd !== 2) closeSync(fd);
  closeSync(held);
}
