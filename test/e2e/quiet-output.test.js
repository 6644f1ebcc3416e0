// What libraries print natively (Dawn's warnings) is captured while backends start; a bad spec is
// reported before any backend is probed, so its errors are all that is printed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { openSync, closeSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pinn, specDir } from '../support/fixtures.js';
import { tempDir } from '../support/temp.js';

// Writes to descriptor 2 the way native code does (not through process.stderr), inside and after a
// capture; the capture's outcome goes to the file named by its argument.
const SCRIPT = `
import { writeFileSync, writeSync } from 'node:fs';
import { captureStderr } from './dist/util/index.js';
const c = await captureStderr(async () => { writeSync(2, 'native warning\\n'); return 7; });
writeSync(2, 'after\\n');
writeFileSync(process.argv[1], JSON.stringify(c));
`;

/** Runs SCRIPT with its stderr connected as `how` says; its outcome, and what reached that stderr. */
function runCapture(how) {
  const dir = tempDir('pinn-capture-');
  const result = join(dir, 'result.json');
  const args = ['--input-type=module', '-e', SCRIPT, result];
  let stderr;
  if (how === 'fifo') {
    // A shell pipeline: descriptor 2 of node is a FIFO (Node's own child pipes are sockets).
    const sh = spawnSync('sh', ['-c', '"$0" "$@" 2>&1 | cat', process.execPath, ...args], { encoding: 'utf8' });
    stderr = sh.stdout;
  } else if (how === 'socket') {
    stderr = spawnSync(process.execPath, args, { encoding: 'utf8' }).stderr;
  } else {
    const file = join(dir, 'err.txt');
    const fd = openSync(file, 'w');
    spawnSync(process.execPath, args, { stdio: ['ignore', 'ignore', fd] });
    closeSync(fd);
    stderr = readFileSync(file, 'utf8');
  }
  return { outcome: JSON.parse(readFileSync(result, 'utf8')), stderr };
}

test('captureStderr takes what is written to descriptor 2 inside it, and gives the stream back', () => {
  const r = runCapture('fifo');
  assert.deepEqual(r.outcome, { ok: true, value: 7, text: 'native warning\n' });
  assert.equal(r.stderr, 'after\n');
});

// A socket cannot be reopened through /proc; reopening a file would clobber it (a new offset).
for (const how of ['socket', 'file']) {
  test(`captureStderr leaves a stderr that is a ${how} alone`, () => {
    const r = runCapture(how);
    assert.deepEqual(r.outcome, { ok: true, value: 7, text: '' });
    assert.equal(r.stderr, 'native warning\nafter\n');
  });
}

test('solve of a bad spec prints only its diagnostics, and --backend is not probed first', () => {
  const { specFile } = specDir('pinn-quiet-');
  const spec = specFile('bad', 'name: x\nbogus: 1\n');
  const r = pinn(['solve', spec, '--backend', 'webgpu']);
  assert.equal(r.status, 2);
  const lines = r.stderr.trim().split('\n');
  assert.ok(lines.length >= 1);
  for (const line of lines) assert.match(line, /^error .*bad\.yaml:\d+:\d+: /);
});
