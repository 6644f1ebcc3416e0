// Shared fixtures for end-to-end tests: a temporary folder for specs and the selected backend.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { selectBackend } from '../../dist/backend/backends.js';

/** A fresh temporary folder and a writer of spec files into it. */
export function specDir(prefix) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const specFile = (name, text) => {
    const file = join(dir, `${name}.yaml`);
    writeFileSync(file, text);
    return file;
  };
  return { dir, specFile };
}

/** The backend a run would choose here, as solve() takes it. */
export async function backendInfo() {
  const b = await selectBackend();
  return { name: b.name, detail: b.detail };
}
