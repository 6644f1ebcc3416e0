// Fuzzing the spec reader: thousands of seeded mutations of the shipped
// examples must each give a clean problem or a SpecError whose diagnostics are
// all located, never any other exception.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { loadSpecText, parseOverride } from '../../dist/spec/index.js';
import { buildProblem } from '../../dist/problem/problem.js';
import { describeProblem } from '../../dist/problem/describe.js';
import { everyDiagnostic } from '../../dist/problem/complete.js';
import { SpecError } from '../../dist/spec/diagnostics.js';
import { mulberry32 } from '../../problems/make-data.mjs';

// A fixed number of cases (not a time budget), so every machine runs the same cases; raise it to fuzz longer.
const CASES = Number(process.env.PINN_FUZZ_CASES ?? 4000);

const GARBAGE = [
  ':',
  ': ',
  '- ',
  '-',
  '{',
  '}',
  '[',
  ']',
  ',',
  '&a ',
  '*a',
  '*b',
  '!!str ',
  '!!binary ',
  '!foo ',
  '"',
  "'",
  '|',
  '>-',
  '#',
  '%YAML 1.1',
  '@',
  '`',
  '\t',
  '  ',
  'null',
  '~',
  '.nan',
  '.inf',
  '-.inf',
  '1e999',
  '-0',
  '0x1F',
  '1_000',
  'true',
  'no',
  '? ',
  '<<: ',
  '---',
  '...',
  'u_xxx',
  'u_t',
  'dn(u)',
  'lap(x)',
  'n_x',
  '__proto__',
  'constructor',
  'import("fs")',
  'process.exit()',
  'x.y',
  'f(x) = 1',
  '1:2',
  'a;b',
  '[1,2]',
  '{a: 1}',
  'sin(',
  ')',
  '==',
  '=',
  '? :',
  'e^999',
  '\u0000',
  '\u00e9',
  '\ud83d\ude00',
  '\r',
  '\\',
  '$',
  'periodic: x',
  'on: inner',
  'on: top',
  'union:',
  'difference:',
  'name: a',
  'relu',
  'hard',
  'sobol',
  '999999999',
  '-1',
  '0',
  '0.5',
  '[0, 1]',
];
const NUMBER = /-?\d+(\.\d+)?(e[-+]?\d+)?/gi;

/** One random edit of the text, line-based or character-based. */
function mutate(text, rnd) {
  const lines = text.split('\n');
  const pick = (n) => Math.floor(rnd() * n);
  const li = pick(lines.length);
  switch (pick(12)) {
    case 0:
      lines.splice(li, 1);
      break; // delete a line
    case 1:
      lines.splice(li, 0, lines[pick(lines.length)]);
      break; // duplicate a line
    case 2: {
      const lj = pick(lines.length);
      [lines[li], lines[lj]] = [lines[lj], lines[li]];
      break;
    } // swap two lines
    case 3: {
      // change a character
      const l = lines[li];
      const at = pick(l.length + 1);
      lines[li] = l.slice(0, at) + String.fromCharCode(32 + pick(95)) + l.slice(at + 1);
      break;
    }
    case 4: {
      // delete a character
      const l = lines[li];
      const at = pick(l.length);
      lines[li] = l.slice(0, at) + l.slice(at + 1);
      break;
    }
    case 5: {
      // a number becomes a string, another number, or a huge one
      const l = lines[li];
      const nums = [...l.matchAll(NUMBER)];
      if (nums.length) {
        const m = nums[pick(nums.length)];
        const repl = [
          '"' + m[0] + '"',
          'ten',
          String(-Number(m[0])),
          '0',
          '1e308',
          '5000000',
          String(Number(m[0]) * 1000),
          '[1]',
          '{}',
          '',
        ][pick(10)];
        lines[li] = l.slice(0, m.index) + repl + l.slice(m.index + m[0].length);
      }
      break;
    }
    case 6:
    case 7: {
      // insert a garbage token
      const l = lines[li];
      const at = pick(l.length + 1);
      lines[li] = l.slice(0, at) + GARBAGE[pick(GARBAGE.length)] + l.slice(at);
      break;
    }
    case 8:
      lines[li] = (rnd() < 0.5 ? '  ' : '') + lines[li].replace(/^ {2}/, rnd() < 0.5 ? '' : '    ');
      break; // re-indent
    case 9:
      lines.splice(li);
      break; // truncate
    case 10: {
      // misspell a key
      const l = lines[li];
      const m = /([A-Za-z_]+):/.exec(l);
      if (m) {
        const k = m[1];
        const at = pick(k.length);
        lines[li] = l.replace(k, k.slice(0, at) + k.slice(at + 1) + (rnd() < 0.5 ? (k[at] ?? '') : ''));
      }
      break;
    }
    case 11:
      lines.splice(li, 0, GARBAGE[pick(GARBAGE.length)] + (rnd() < 0.5 ? ': 1' : ''));
      break; // a garbage line
  }
  return lines.join('\n');
}

function checkLocated(err, text) {
  assert.ok(err.diagnostics.length > 0, `SpecError without diagnostics for:\n${text}`);
  for (const d of [...err.diagnostics, ...everyDiagnostic(err)]) {
    assert.ok(typeof d.loc.file === 'string' && d.loc.file.length > 0, 'file');
    assert.ok(Number.isInteger(d.loc.line) && d.loc.line >= 1, `line ${d.loc.line} in ${d.message}`);
    assert.ok(Number.isInteger(d.loc.col) && d.loc.col >= 1, `col ${d.loc.col} in ${d.message}`);
    assert.ok(typeof d.message === 'string' && d.message.length > 5, 'message');
  }
}

// Problem specs only (sweep files, which name a spec under `spec:`, are another format).
const examples = readdirSync('problems')
  .filter((f) => f.endsWith('.yaml'))
  .sort()
  .map((f) => ({ file: `problems/${f}`, text: readFileSync(`problems/${f}`, 'utf8') }))
  .filter((e) => !/^spec:/m.test(e.text));

test('the shipped examples load and build cleanly', () => {
  assert.ok(examples.length >= 1);
  for (const e of examples) buildProblem(loadSpecText(e.text, e.file));
});

test(`fuzz: ${CASES} mutated examples give a problem or located errors, never a crash`, () => {
  const rnd = mulberry32(Number(process.env.PINN_FUZZ_SEED ?? 20240611));
  const t0 = Date.now();
  let clean = 0;
  let refused = 0;
  let done = 0;
  for (; done < CASES; done++) {
    const ex = examples[done % examples.length];
    let text = ex.text;
    const edits = 1 + Math.floor(rnd() * 3);
    for (let k = 0; k < edits; k++) text = mutate(text, rnd);
    // Now and then, a mutated --set override too.
    const sets = rnd() < 0.1 ? [mutate('network.hidden=[8, 8]', rnd)] : [];
    try {
      const spec = loadSpecText(
        text,
        ex.file,
        sets.map((s) => {
          try {
            return parseOverride(s);
          } catch {
            return parseOverride('seedless=1');
          }
        }),
      );
      const problem = buildProblem(spec);
      if (done % 10 === 0) describeProblem(problem);
      clean++;
    } catch (err) {
      if (!(err instanceof SpecError)) {
        assert.fail(
          `case ${done} (${ex.file}) threw ${err?.stack ?? err}\n--- spec ---\n${text}\n--- sets ---\n${sets.join('\n')}`,
        );
      }
      checkLocated(err, text);
      refused++;
    }
  }
  assert.ok(clean > 0 && refused > 0, `clean ${clean}, refused ${refused}`);
  console.log(`fuzz: ${done} cases in ${Date.now() - t0} ms: ${clean} clean, ${refused} refused with located errors`);
});
