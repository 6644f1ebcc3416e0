/**
 * Text in a byte range of shared memory, as a worker thread reports its error to the thread that
 * waits on it: UTF-8, cut to leave room for a terminating zero.
 */

/** Writes `text` into `bytes` (zero-filled first, so the text ends at the first zero). */
export function writeSharedText(bytes: Uint8Array, text: string): void {
  bytes.fill(0);
  bytes.set(new TextEncoder().encode(text).slice(0, bytes.length - 1));
}

/** The text written by writeSharedText: up to the first zero. */
export function readSharedText(bytes: Uint8Array): string {
  const end = bytes.indexOf(0);
  return new TextDecoder().decode(bytes.slice(0, end < 0 ? undefined : end));
}
