// The layer order is written twice: in .dependency-cruiser.cjs (enforced) and in docs/architecture.md
// (read). They must agree, and every folder of src/ must have its place and an index.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const root = fileURLToPath(new URL('../../', import.meta.url));

function configLayers() {
  const text = readFileSync(join(root, '.dependency-cruiser.cjs'), 'utf8');
  const m = /const LAYERS = \[([^\]]*)\]/.exec(text);
  assert.ok(m, 'LAYERS in .dependency-cruiser.cjs');
  return [...m[1].matchAll(/'([a-z]+)'/g)].map((x) => x[1]);
}

function docLayers() {
  const text = readFileSync(join(root, 'docs/architecture.md'), 'utf8');
  const block = /```\n([\s\S]*?)```/.exec(text);
  assert.ok(block, 'a code block in docs/architecture.md');
  // Drawn top to bottom; the config lists bottom to top.
  return block[1]
    .trim()
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0])
    .reverse();
}

test('architecture: docs/architecture.md draws the layers in the order the checker enforces', () => {
  assert.deepEqual(docLayers(), configLayers());
});

test('architecture: every folder of src/ is a layer with an index.ts', () => {
  const folders = readdirSync(join(root, 'src'), { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name);
  assert.deepEqual([...folders].sort(), [...configLayers()].sort());
  for (const f of folders) assert.ok(existsSync(join(root, 'src', f, 'index.ts')), `src/${f}/index.ts`);
});
