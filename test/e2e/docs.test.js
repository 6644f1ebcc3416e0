// The docs run: every fenced spec is validated, every pinn command in a shell block is run on a tiny
// budget, and every flag a doc mentions exists. Conventions: CONTRIBUTING.md, "Docs that run".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { main } from '../../dist/cli/index.js';
import { UNIT_POISSON } from '../support/fixtures.js';
import { TIME_SCALE } from '../support/time.js';
import { commandShape, docFiles, fencedBlocks, inlineCommands, isSynopsis, pinnInvocations } from '../support/docs.js';
import { tempDir } from '../support/temp.js';

const ROOT = resolve('.');
const CLI = resolve('bin/pinn.js');
const ITERATIONS = 5;
const DOCS = docFiles().map((file) => ({ file, blocks: fencedBlocks(file) }));
const where = (b) => `${b.file}:${b.line}`;
const isShell = (b) => b.lang === 'sh' || b.lang === 'bash';
const isConsole = (b) => b.lang === '' || b.lang === 'console' || b.lang === 'text';

/** `pinn ... --help` run in this process, its stdout returned. */
async function helpText(path) {
  const write = process.stdout.write;
  let text = '';
  process.stdout.write = (s) => ((text += s), true);
  try {
    await main(['node', 'pinn', ...path, '--help']);
  } finally {
    process.stdout.write = write;
  }
  return text;
}

const section = (help, title) => {
  const part = help.split(`\n${title}:\n`)[1] ?? '';
  return part.split('\n\n')[0].split('\n');
};

/** Every subcommand path ('solve', 'sweep plan') and the flags each accepts. */
async function commandTable() {
  const table = new Map();
  const visit = async (path) => {
    const help = await helpText(path);
    const flags = section(help, 'Options').flatMap((l) =>
      [...l.matchAll(/^ {2}(?:-\w, )?(--[\w-]+)/g)].map((m) => m[1]),
    );
    table.set(path.join(' '), new Set(flags));
    for (const l of section(help, 'Commands')) {
      const name = /^ {2}([a-z][\w-]*)/.exec(l)?.[1]; // two spaces: not a wrapped description
      if (name && name !== 'help') await visit([...path, name]);
    }
  };
  await visit([]);
  return table;
}

/** The pinn invocations a block or span shows: all of a shell or YAML block, the `$ ` lines of a console block. */
function shownInvocations(b, subcommands) {
  if (isShell(b) || (b.lang === 'yaml' && b.words.other)) return pinnInvocations(b.body);
  if (!isConsole(b)) return [];
  return b.body.split('\n').flatMap((line) => {
    if (line.startsWith('$ ')) return pinnInvocations(line.slice(2));
    // An unprompted line of a plain block is a synopsis when it names a subcommand, else program output.
    const args = line.startsWith('pinn ') ? pinnInvocations(line) : [];
    return args.filter((a) => subcommands.has(a[0]));
  });
}

const INFO_WORDS = new Set(['fragment', 'invalid', 'other', 'file', 'of', 'exit', 'skip']);

test('every fence info word is one CONTRIBUTING.md defines', () => {
  const unknown = DOCS.flatMap((d) => d.blocks).flatMap((b) =>
    Object.keys(b.words)
      .filter((w) => !INFO_WORDS.has(w))
      .map((w) => `${where(b)}: ${w}`),
  );
  assert.deepEqual(unknown, []);
});

test('every pinn command and flag the docs mention exists', async () => {
  const table = await commandTable();
  const problems = [];
  const check = (place, args) => {
    if (args.length === 0 || /^[<A-Z]/.test(args[0]) || args[0].startsWith('-')) return;
    const { command, flags } = commandShape(args, table);
    if (!command) return problems.push(`${place}: unknown command 'pinn ${args[0]}'`);
    for (const f of flags) {
      if (f !== '--help' && !table.get(command).has(f)) problems.push(`${place}: pinn ${command} has no ${f}`);
    }
  };
  for (const { file, blocks } of DOCS) {
    for (const b of blocks) for (const args of shownInvocations(b, table)) check(where(b), args);
    for (const span of inlineCommands(file))
      for (const args of pinnInvocations(span.text)) check(`${file}:${span.line}`, args);
  }
  assert.ok(table.get('solve').has('--iterations'), 'the help of pinn solve was read');
  assert.deepEqual(problems, []);
});

/** A folder with links to problems/'s files, so a shown sweep file or data file finds what it names. */
function problemsFolder() {
  const dir = tempDir('pinn-docs-yaml-');
  for (const n of readdirSync('problems')) symlinkSync(resolve('problems', n), join(dir, n));
  return dir;
}

const isMap = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);
const merged = (base, over) =>
  isMap(base) && isMap(over)
    ? Object.fromEntries([...Object.entries(base), ...Object.entries(over).map(([k, v]) => [k, merged(base[k], v)])])
    : over;

/**
 * A fragment merged into its base (`of=PATH`, else a unit-square Poisson problem): mappings merge
 * key by key, lists and values replace, and so does `geometry` (one shape node, not a set of keys).
 */
function mergedFragment(b) {
  const base = parse(b.words.of ? readFileSync(b.words.of, 'utf8') : UNIT_POISSON);
  const fragment = parse(b.body);
  return stringify({ ...merged(base, fragment), ...(fragment.geometry ? { geometry: fragment.geometry } : {}) });
}

const yamlBlocks = () => DOCS.flatMap((d) => d.blocks).filter((b) => b.lang === 'yaml');

test('every fenced YAML block parses, and every spec, fragment and sweep file validates', () => {
  const dir = problemsFolder();
  const files = new Map();
  for (const b of yamlBlocks()) {
    if (b.words.other || b.words.skip) {
      assert.notEqual(b.words.skip, true, `${where(b)}: skip needs a reason, skip="..."`);
      for (const doc of parseAllDocuments(b.body)) assert.deepEqual(doc.errors, [], `${where(b)}: not YAML`);
      continue;
    }
    const name = `${b.file.replace(/\W/g, '-')}-${b.line}.yaml`;
    writeFileSync(join(dir, name), b.words.fragment ? mergedFragment(b) : b.body);
    files.set(name, b);
  }
  const r = spawnSync(process.execPath, [CLI, 'validate', ...files.keys()], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
  const problems = [];
  for (const [name, b] of files) {
    const errors = r.stderr.split('\n').filter((l) => l.startsWith(`error ${name}:`));
    const kind = b.words.fragment ? 'fragment (merged into its base)' : 'spec';
    if (!b.words.invalid && errors.length)
      problems.push(`${where(b)}: ${kind} does not validate:\n  ${errors.join('\n  ')}`);
    if (b.words.invalid && !errors.length) problems.push(`${where(b)}: marked invalid, but validates`);
  }
  // An error in a file a sweep names (not the block itself) still fails the test.
  const names = [...files.keys()];
  for (const line of r.stderr.split('\n').filter((l) => l.startsWith('error ')))
    if (!names.some((n) => line.startsWith(`error ${n}:`))) problems.push(`no block to blame for: ${line}`);
  assert.deepEqual(problems, [], r.stderr);
  assert.ok(files.size >= 10, `only ${files.size} YAML blocks found`);
});

/**
 * Bash functions that run every pinn spelling on this checkout, solves capped at ITERATIONS, and
 * make `npm install`/`npm ci`/`npm run build` no-ops (dist/ is built).
 */
const PRELUDE = `set -eo pipefail
pinn() {
  case "$1 $2" in
    "sweep plan"|"sweep collect") "$PINN_NODE" "$PINN_CLI" "$@" ;;
    solve*|compare*|sweep*) "$PINN_NODE" "$PINN_CLI" "$@" --iterations "$PINN_ITERATIONS" ;;
    *) "$PINN_NODE" "$PINN_CLI" "$@" ;;
  esac
}
node() { if [ "$1" = bin/pinn.js ]; then shift; pinn "$@"; else "$PINN_NODE" "$@"; fi; }
npx() { if [ "$1" = pinn ]; then shift; pinn "$@"; else echo "docs test: npx $1 is not run" >&2; return 1; fi; }
npm() { case "$1 $2" in "install "*|"ci "*|"run build") ;; *) echo "docs test: npm $* is not run" >&2; return 1 ;; esac; }
`;

/** A working folder for one doc: links to the checkout's inputs, and the doc's `file=NAME` blocks. */
function docFolder(doc) {
  const dir = tempDir(`pinn-docs-${basename(doc.file, '.md')}-`);
  for (const n of ['problems', 'bench', 'bin', 'dist', 'node_modules', 'package.json']) {
    symlinkSync(join(ROOT, n), join(dir, n));
  }
  mkdirSync(join(dir, 'tmp'));
  for (const b of doc.blocks) if (b.words.file) writeFileSync(join(dir, b.words.file), b.body);
  return dir;
}

function runScript(dir, script) {
  return spawnSync('bash', ['-c', PRELUDE + script.replaceAll('/tmp/', `${dir}/tmp/`)], {
    cwd: dir,
    encoding: 'utf8',
    env: {
      ...process.env,
      NO_COLOR: '1',
      PINN_NODE: process.execPath,
      PINN_CLI: CLI,
      PINN_ITERATIONS: String(ITERATIONS),
    },
    timeout: 600_000 * TIME_SCALE,
  });
}

/** Each `$ ` command of a console block, with the output lines shown under it. */
function promptedCommands(b) {
  const cmds = [];
  for (const line of b.body.split('\n')) {
    if (line.startsWith('$ ')) cmds.push({ command: line.slice(2), shown: [] });
    else if (cmds.length && line.trim()) cmds.at(-1).shown.push(line.trim());
  }
  return cmds;
}

/** The blocks of a doc that run: shell blocks and console `$ ` lines invoking pinn without placeholders. */
function runnable(b) {
  if (b.words.skip || !(isShell(b) || isConsole(b))) return [];
  const cmds = isShell(b) ? [{ command: b.body, shown: [] }] : promptedCommands(b);
  return cmds.filter((c) => {
    const calls = pinnInvocations(c.command);
    return calls.length > 0 && !calls.some(isSynopsis);
  });
}

for (const doc of DOCS) {
  const runs = doc.blocks.flatMap((b) => runnable(b).map((c) => ({ b, ...c })));
  if (runs.length === 0) continue;
  test(`the commands of ${doc.file} run (${runs.length}, at most ${ITERATIONS} iterations each)`, () => {
    const dir = docFolder(doc);
    for (const { b, command, shown } of runs) {
      const r = runScript(dir, command);
      const expected = Number(b.words.exit ?? 0);
      assert.equal(
        r.status,
        expected,
        `${where(b)}: exit ${r.status}, expected ${expected}\n${command}\n${r.stdout}${r.stderr}`,
      );
      // What a validate command prints is deterministic: the lines the doc shows must be printed, in order.
      if (!/\bvalidate\b/.test(command)) continue;
      const printed = `${r.stdout}${r.stderr}`.split('\n').map((l) => l.trim());
      let at = 0;
      for (const line of shown) {
        const found = printed.indexOf(line, at);
        assert.ok(
          found >= 0,
          `${where(b)}: the doc shows a line pinn does not print:\n  ${line}\nprinted:\n${r.stdout}${r.stderr}`,
        );
        at = found + 1;
      }
    }
  });
}
