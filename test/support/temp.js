// Temporary folders for tests, removed when the test file's process exits (each test file runs in
// its own process), so repeated runs leave nothing behind. PINN_KEEP_TEST_DIRS=1 keeps them, to
// look at a failing test's files.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** @type {string[]} */
const made = [];

process.on('exit', () => {
  if (process.env.PINN_KEEP_TEST_DIRS) return;
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A fresh folder under the system's temporary folder, named `prefix` and a random suffix. */
export function tempDir(prefix) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}
