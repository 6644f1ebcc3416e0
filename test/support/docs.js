// The fenced blocks and inline `pinn ...` commands of the Markdown docs, for test/e2e/docs.test.js.
// The fence info-string convention is described in CONTRIBUTING.md ("Docs that run").
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** README.md and every docs/*.md, as paths relative to the repository root. */
export function docFiles(root = '.') {
  const docs = readdirSync(join(root, 'docs'))
    .filter((n) => n.endsWith('.md'))
    .sort()
    .map((n) => `docs/${n}`);
  return ['README.md', ...docs];
}

/**
 * The words after a fence's language: `fragment`, `invalid`, `other`, `file=NAME`, `of=PATH`,
 * `exit=N`, `skip="reason"`, as a map (a bare word maps to true).
 */
export function parseInfo(info) {
  const [lang = '', ...rest] = info.trim().split(/\s+/);
  const words = {};
  for (const m of rest.join(' ').matchAll(/([\w-]+)(?:=("[^"]*"|\S+))?/g)) {
    words[m[1]] = m[2] === undefined ? true : m[2].replace(/^"|"$/g, '');
  }
  return { lang, words };
}

/** Every fenced block of a Markdown file: its language, info words, first body line and body (dedented). */
export function fencedBlocks(file) {
  const lines = readFileSync(file, 'utf8').split('\n');
  const blocks = [];
  let open = null;
  lines.forEach((line, i) => {
    const m = /^(\s*)```(.*)$/.exec(line);
    if (m && open === null) open = { indent: m[1].length, info: m[2], line: i + 2, body: [] };
    else if (m && m[2].trim() === '') {
      const body = open.body.map((l) => l.slice(Math.min(open.indent, l.length - l.trimStart().length)));
      blocks.push({ file, line: open.line, ...parseInfo(open.info), body: body.join('\n') + '\n' });
      open = null;
    } else if (open) open.body.push(line);
  });
  return blocks;
}

/** The inline code spans of a file that invoke pinn, with their line numbers (for the flag check). */
export function inlineCommands(file) {
  const found = [];
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      for (const m of line.matchAll(/`((?:npx )?pinn [^`]+|node bin\/pinn\.js [^`]+)`/g)) {
        found.push({ file, line: i + 1, text: m[1] });
      }
    });
  return found;
}

const INVOCATION = /(?:^|[\s;&|(`"])(?:npx pinn|node bin\/pinn\.js|pinn)[ \t]+([^;&|`#\n]*)/g;

/** The argument lists of every pinn invocation in a text (comments and `$ ` prompts allowed). */
export function pinnInvocations(text) {
  const joined = text.replace(/\\\n\s*/g, ' ');
  return [...joined.matchAll(INVOCATION)].map((m) => m[1].trim().split(/\s+/).filter(Boolean));
}

/** A synopsis, not a command to run: it has placeholders (SPEC, RUN, FILE.csv, [--opt], <command>, a|b). */
export function isSynopsis(args) {
  return args.some((a) => /^[A-Z][A-Z0-9_]*(\.[a-z]+)?$/.test(a) || /[[\]<>|]|\.\.\./.test(a));
}

/** The subcommand path (`sweep plan`, `solve`) and the `--flags` of an argument list. */
export function commandShape(args, subcommands) {
  const path = [];
  for (const a of args) {
    if (a.startsWith('-') || !subcommands.has([...path, a].join(' '))) break;
    path.push(a);
  }
  // Also inside a synopsis's brackets: `[--out DIR]`, `[--shard i/n | --shard-count n]`.
  const flags = args.flatMap((a) => [...a.matchAll(/(?<![\w-])--[a-z][\w-]*/g)].map((m) => m[0]));
  return { command: path.join(' '), flags };
}
