// docs/spec.md and the code agree on every default: each value in a table's
// `default` column equals DEFAULTS (spec/defaults.ts), each key of DEFAULTS is
// documented, and the templates table matches TEMPLATE_PARAMS.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { DEFAULTS, TEMPLATE_PARAMS } from '../../dist/spec/index.js';

const doc = readFileSync('docs/spec.md', 'utf8');

/** The doc's heading -> the part of DEFAULTS its `default` column documents (the top level: DEFAULTS itself). */
const SECTIONS = {
  'Top level': DEFAULTS,
  Constraints: DEFAULTS.constraints,
  Network: DEFAULTS.network,
  Training: DEFAULTS.training,
  Stages: DEFAULTS.stage,
  'First-order recipe': DEFAULTS.firstOrder,
  'Second-order recipe': DEFAULTS.secondOrder,
  'Causal weighting': DEFAULTS.causal,
  'Absorbing boundaries': DEFAULTS.absorbing,
  Output: DEFAULTS.output,
  Parameters: DEFAULTS.parameters,
};

/** The cells of a table row; `|` inside a code span does not split. */
function cells(line) {
  const out = [''];
  let code = false;
  for (const ch of line.trim().slice(1, -1)) {
    if (ch === '`') code = !code;
    if (ch === '|' && !code) out.push('');
    else out[out.length - 1] += ch;
  }
  return out.map((c) => c.trim());
}

/** Every table of the doc, with the `##`/`###` heading it sits under. */
function tables(markdown) {
  const out = [];
  let section = '';
  let table;
  for (const line of markdown.split('\n')) {
    const heading = /^#{2,3} (.+)$/.exec(line);
    if (heading) section = heading[1].trim();
    if (!line.startsWith('|')) {
      table = undefined;
      continue;
    }
    const row = cells(line);
    if (!table) {
      table = { section, header: row, rows: [] };
      out.push(table);
    } else if (!row.every((c) => /^-+$/.test(c))) table.rows.push(row);
  }
  return out;
}

const camel = (key) => key.replace(/_([a-z])/g, (_, c) => c.toUpperCase());
const camelKeys = (v) =>
  Array.isArray(v)
    ? v.map(camelKeys)
    : v && typeof v === 'object'
      ? Object.fromEntries(Object.entries(v).map(([k, x]) => [camel(k), camelKeys(x)]))
      : v;
const codeSpans = (text) => [...text.matchAll(/`([^`]+)`/g)].map((m) => m[1]);
const isEmpty = (v) => v === undefined || (typeof v === 'object' && Object.keys(v).length === 0);

/**
 * What a `default` cell says: a value (a YAML code span first; "`A` for adam, `B` for lbfgs" or
 * "`A` in 1D, ..." a mapping; "all `X`" every entry X; "all" every option the type cell lists),
 * a reference to another key path, none, required, or text about where it comes from (derived).
 */
function readDefault(text, typeText) {
  if (text === '**required**') return { kind: 'required' };
  if (/^none\b/.test(text)) return { kind: 'none' };
  if (/^see \[/.test(text)) return { kind: 'see' };
  if (text === 'all') return { kind: 'value', value: codeSpans(typeText).map((s) => parse(s)) };
  const each = /^all `([^`]+)`$/.exec(text);
  if (each) return { kind: 'each', value: parse(each[1]) };
  if (!text.startsWith('`')) return { kind: 'derived' };
  const byCase = /`([^`]+)` (?:for|in) ([^,\s]+)/g;
  const cases = [...text.matchAll(byCase)];
  if (cases.length > 1 && text.replace(byCase, '').replace(/,|\bor\b|\s/g, '') === '') {
    return { kind: 'value', value: Object.fromEntries(cases.map((m) => [m[2].replace(/^(\d)D$/, '$1'), parse(m[1])])) };
  }
  const first = codeSpans(text)[0];
  if (/^[a-z_]+(\.[a-z_]+)+$/.test(first)) return { kind: 'ref', path: first.split('.').map(camel) };
  return { kind: 'value', value: parse(first) };
}

const defaultTables = tables(doc).filter((t) => t.header[0] === 'key' && t.header.includes('default'));
const keyOf = (row) => camel(row[0].replace(/`/g, ''));
const documented = (section) => defaultTables.filter((t) => t.section === section).flatMap((t) => t.rows.map(keyOf));

test('docs/spec.md has a defaults table for every part of DEFAULTS', () => {
  for (const section of Object.keys(SECTIONS)) {
    assert.ok(
      defaultTables.some((t) => t.section === section),
      `no table with a default column under '${section}'`,
    );
  }
});

test('every default documented in docs/spec.md equals DEFAULTS', () => {
  let values = 0;
  for (const t of defaultTables) {
    const col = t.header.indexOf('default');
    const typeCol = t.header.indexOf('type');
    const of = SECTIONS[t.section];
    for (const row of t.rows) {
      const key = keyOf(row);
      const where = `${t.section}: ${row[0]} (default ${row[col]})`;
      const d = readDefault(row[col], row[typeCol] ?? '');
      if (d.kind === 'ref') {
        assert.notEqual(
          d.path.reduce((o, k) => o?.[k], DEFAULTS),
          undefined,
          `${where} names a key path DEFAULTS lacks`,
        );
        continue;
      }
      if (!of) {
        // A table without defaults of its own (inequalities) may only point elsewhere.
        assert.ok(
          d.kind !== 'value' && d.kind !== 'each',
          `${where}: a value, but DEFAULTS has no part for '${t.section}'`,
        );
        continue;
      }
      const actual = of[key];
      switch (d.kind) {
        case 'required':
        case 'derived':
          assert.equal(actual, undefined, `${where}, but DEFAULTS has ${JSON.stringify(actual)}`);
          break;
        case 'none':
          assert.ok(isEmpty(actual), `${where}, but DEFAULTS has ${JSON.stringify(actual)}`);
          break;
        case 'see':
          assert.ok(SECTIONS[key[0].toUpperCase() + key.slice(1)] === actual && actual, `${where}: no section for it`);
          break;
        case 'each':
          assert.ok(Object.values(actual).length > 0, where);
          for (const v of Object.values(actual)) assert.deepEqual(v, d.value, where);
          values++;
          break;
        case 'value': {
          const value = camelKeys(d.value);
          // The top level sums a section up in a few of its keys.
          if (t.section === 'Top level' && value && typeof value === 'object' && !Array.isArray(value)) {
            for (const [k, v] of Object.entries(value)) assert.deepEqual(actual?.[k], v, `${where}: ${k}`);
          } else assert.deepEqual(actual, value, where);
          values++;
          break;
        }
      }
    }
  }
  assert.ok(values >= 20, `only ${values} documented defaults compared`);
});

test('every key of DEFAULTS is documented in docs/spec.md', () => {
  /** @type {Set<unknown>} */
  const sections = new Set(Object.values(SECTIONS));
  for (const [section, of] of Object.entries(SECTIONS)) {
    if (of === DEFAULTS) continue;
    const keys = documented(section);
    for (const key of Object.keys(of))
      assert.ok(keys.includes(key), `DEFAULTS ${section}.${key} is not in the '${section}' table`);
  }
  const top = documented('Top level');
  for (const [key, value] of Object.entries(DEFAULTS)) {
    assert.ok(sections.has(value) || top.includes(key), `DEFAULTS.${key} is in no table of docs/spec.md`);
  }
});

test("docs/spec.md's templates table matches TEMPLATE_PARAMS (parameters, defaults, fields)", () => {
  const table = tables(doc).find((t) => t.header[0] === 'template');
  assert.ok(table, 'no templates table');
  const rows = new Map(table.rows.map((r) => [r[0].replace(/`/g, ''), r]));
  assert.deepEqual([...rows.keys()].sort(), Object.keys(TEMPLATE_PARAMS).sort(), 'templates documented');
  for (const [name, info] of Object.entries(TEMPLATE_PARAMS)) {
    const [, params, fields] = rows.get(name);
    const listed = params.split(/, (?=`)/).map((p) => {
      const m = /^`([^`]+)`(?: \(([^,)]+)(?:, (boolean))?\))?$/.exec(p);
      assert.ok(m, `${name}: cannot read the parameter '${p}'`);
      return { param: m[1], value: m[2], boolean: !!m[3] };
    });
    assert.deepEqual(
      listed.map((p) => p.param),
      Object.keys(info.params),
      `${name}: parameters`,
    );
    for (const p of listed) {
      const where = `${name}.${p.param}`;
      const required = info.required.includes(p.param) && !(p.param in info.defaults);
      if (p.value === undefined) assert.ok(required, `${where} is documented as required`);
      else if (p.value === 'none') assert.ok(info.optional?.includes(p.param), `${where} is documented as optional`);
      else assert.equal(String(info.defaults[p.param]), p.value, `${where}: default`);
      assert.equal(info.params[p.param] === 'boolean', p.boolean, `${where}: boolean or expression`);
    }
    const [, plain, complex] = /^(.*?)(?: \(complex: (.*)\))?$/.exec(fields);
    assert.deepEqual(plain.split(', '), info.fields, `${name}: fields`);
    assert.deepEqual(complex?.split(', '), info.complex?.fields, `${name}: complex fields`);
  }
});
