import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderReport, verdictOf } from '../../dist/outputs/report.js';
import { renderLossCurve } from '../../dist/outputs/png/index.js';

const history = {
  parts: ['equations', 'conditions'],
  iterations: [0, 100, 200],
  total: [1, 0.1, 0.01],
  values: [
    [0.9, 0.09, 0.009],
    [0.1, 0.01, 0.001],
  ],
};

const summary = {
  name: 'poisson <script>alert("x")</script> & co',
  backend: 'wasm',
  strategy: 'hard',
  seed: 0,
  iterations: 7000,
  wall_seconds: 41.2,
  ms_per_iteration: 5.9,
  loss: { total: 1.2e-6, parts: { equations: 1.1e-6, 'bc <u>': 1e-7 } },
  errors: { u: { l2_relative: 8.1e-5, max_abs: 3.0e-4 }, 'v"q': { l2_relative: 0.5 } },
  violations: [
    { name: 'dirichlet u on <boundary>', kind: 'condition', rms: 0, max: 0 },
    { name: "u >= 0 & 'x'", kind: 'inequality', rms: 1.5e-3, max: 2e-2 },
  ],
  extra: { nested: '<i>' },
};

function report() {
  const loss = renderLossCurve(history);
  return { html: renderReport({ summary, pictures: [{ name: 'loss<1>.png', content: loss }], history }), loss };
}

test('a complete HTML page', () => {
  const { html } = report();
  assert.match(html, /^<!DOCTYPE html>\n<html lang="en">/);
  assert.ok(html.trimEnd().endsWith('</html>'));
  assert.ok(html.includes('<meta charset="utf-8">'));
  assert.ok(!/<(link|script)\b/i.test(html), 'self-contained, no scripts');
});

test('every user string is escaped', () => {
  const { html } = report();
  assert.ok(!html.includes('<script>alert'), 'no raw script from the name');
  assert.ok(html.includes('poisson &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co'));
  assert.ok(html.includes('dirichlet u on &lt;boundary&gt;'));
  assert.ok(html.includes('u &gt;= 0 &amp; &#39;x&#39;'));
  assert.ok(html.includes('bc &lt;u&gt;'));
  assert.ok(html.includes('v&quot;q'));
  assert.ok(html.includes('loss&lt;1&gt;.png'));
  assert.ok(!html.includes('<i>') && !html.includes('<u>') && !html.includes('<boundary>'));
  // Every tag left is one the page itself writes.
  const tags = new Set([...html.matchAll(/<\/?([a-zA-Z][a-zA-Z0-9]*)/g)].map((m) => m[1].toLowerCase()));
  const allowed = [
    'html',
    'head',
    'meta',
    'title',
    'style',
    'body',
    'h1',
    'h2',
    'p',
    'table',
    'tr',
    'th',
    'td',
    'a',
    'ul',
    'li',
    'figure',
    'img',
    'figcaption',
  ];
  assert.deepEqual(
    [...tags].filter((t) => !allowed.includes(t)),
    [],
  );
});

test('pictures are inline data: URIs holding the PNG bytes', () => {
  const { html, loss } = report();
  const uris = [...html.matchAll(/src="data:image\/png;base64,([A-Za-z0-9+/]*={0,2})"/g)];
  assert.equal(uris.length, 1);
  assert.ok(Buffer.from(uris[0][1], 'base64').equals(loss));
});

test('summary, errors, violations and timing appear', () => {
  const { html } = report();
  for (const text of [
    'wasm',
    'hard',
    '7000',
    '41.2',
    '5.9',
    '8.1e-5',
    '3e-4',
    '0.0015',
    '0.02',
    'condition',
    'inequality',
    'l2_relative',
    'max_abs',
    '3 records',
  ]) {
    assert.ok(html.includes(text), `missing ${text}`);
  }
  assert.ok(html.includes('<td>nested: &lt;i&gt;</td>'), 'unknown keys shown in words');
});

test('a minimal summary still renders', () => {
  const html = renderReport({ summary: { name: 'bare' }, pictures: [] });
  assert.ok(html.includes('<h1>bare</h1>'));
  assert.ok(!html.includes('<h2>'));
});

/** A poisson-2d summary as finishRun writes it, with a stalled L-BFGS stage unless `stages` says otherwise. */
function poissonSummary(stages) {
  return {
    name: 'poisson-2d',
    backend: 'wasm',
    backend_detail: 'wasm, 2 threads',
    strategy: 'penalty',
    seed: 0,
    iterations: 3037,
    wall_seconds: 185.2,
    train_seconds: 180.4,
    ms_per_iteration: 59.4,
    loss: { total: 3.21e-5, parts: { equation: 3e-5, boundary: 2.1e-6 } },
    errors: { u: { l2_relative: 0.00123, max_abs: 4.5e-4 } },
    violations: [
      { name: 'dirichlet', kind: 'condition', rms: 1e-4, max: 3.4e-4, points: 2048, imposed: 'penalty' },
      { name: 'u >= 0', kind: 'inequality', rms: 0, max: 0, points: 4096 },
    ],
    unknowns: {},
    stages: stages ?? [
      { optimizer: 'adam', iterations: 3000, seconds: 170, msPerIteration: 56.7 },
      {
        optimizer: 'lbfgs',
        iterations: 37,
        seconds: 10.4,
        msPerIteration: 281,
        evaluations: 52,
        stopReason: 'no further decrease possible in float32',
      },
    ],
    network: { hidden: [50, 50, 50], activation: 'tanh', parameters: 5301 },
    points: { domain: 2000, boundary: 400 },
    notes: ['stage 1 (adam) ended with its lowest-loss parameters, of iteration 2990'],
    fields: ['u'],
    variables: ['x', 'y'],
    files: ['spec.resolved.yaml', 'loss.csv', 'fields.csv', 'u.png', 'report.html', 'summary.json'],
    spec_file: '/home/someone/a/very/long/path/to/problems/poisson-2d.yaml',
    pinn_version: '0.1.0',
  };
}

function headline(html) {
  return html.slice(html.indexOf('<h1>'), html.indexOf('<h2>'));
}

test('the headline holds problem, backend, strategy, wall time, loss, errors and the worst violation', () => {
  const html = renderReport({ summary: poissonSummary(), pictures: [] });
  const head = headline(html);
  for (const text of [
    '<h1>poisson-2d</h1>',
    '<td>wasm</td>',
    '<td>penalty</td>',
    '<td>3 min 05 s</td>',
    '<td>3.21e-5</td>',
    '<th>L2 relative error of u</th><td>0.00123</td>',
    '<td>dirichlet: max 3.4e-4</td>',
  ]) {
    assert.ok(head.includes(text), `headline misses ${text}`);
  }
});

test('settings read as words: network, points, stages, notes, files as links', () => {
  const html = renderReport({ summary: poissonSummary(), pictures: [] });
  assert.ok(html.includes('<td>3 x 50 tanh, 5301 parameters</td>'));
  assert.ok(html.includes('<td>2000 domain, 400 boundary points</td>'));
  assert.ok(html.includes('<th>time per iteration</th><td>59.4 ms</td>'));
  assert.ok(html.includes('<td>2</td><td>L-BFGS</td><td class="num">37</td><td class="num">10.4 s</td>'));
  assert.ok(
    html.includes('<td class="num">281 ms</td><td class="num">52</td><td>no further decrease possible in float32</td>'),
  );
  assert.ok(html.includes('<li>stage 1 (adam) ended with its lowest-loss parameters, of iteration 2990</li>'));
  assert.ok(html.includes('<li><a href="summary.json">summary.json</a></li>'));
});

test('no cell holds JSON and nothing is wider than the window', () => {
  for (const s of [poissonSummary(), summary]) {
    const html = renderReport({ summary: s, pictures: [] });
    const cells = [...html.matchAll(/<t[dh][^>]*>(.*?)<\/t[dh]>/g)].map((m) => m[1]);
    assert.ok(cells.length > 10);
    for (const c of cells) assert.doesNotMatch(c, /[{}[\]]|&quot;\w+&quot;:/, `cell ${c}`);
    const body = html.slice(html.indexOf('<body>'));
    assert.doesNotMatch(body, /[{}]/, 'no braces anywhere in the page body');
  }
  const html = renderReport({ summary: poissonSummary(), pictures: [] });
  const style = html.slice(html.indexOf('<style>'), html.indexOf('</style>'));
  for (const rule of ['max-width:1100px', 'overflow-wrap:anywhere', 'img{max-width:100%', '@media print{']) {
    assert.ok(style.includes(rule), `style misses ${rule}`);
  }
});

test('the verdict warns of an L-BFGS stage that stopped before its budget', () => {
  const html = renderReport({ summary: poissonSummary(), pictures: [] });
  assert.ok(
    headline(html).includes(
      '<p class="verdict warn">Warning: L-BFGS (stage 2) stopped before its budget after 37 iterations: no further decrease possible in float32.</p>',
    ),
  );
  assert.ok(!html.includes('verdict ok'));
});

test('the verdict of a clean run says finished', () => {
  const stages = [
    { optimizer: 'adam', iterations: 3000, seconds: 170, msPerIteration: 56.7 },
    {
      optimizer: 'lbfgs',
      iterations: 500,
      seconds: 60,
      msPerIteration: 120,
      evaluations: 530,
      stopReason: 'iteration limit',
    },
  ];
  const html = renderReport({ summary: poissonSummary(stages), pictures: [] });
  assert.ok(headline(html).includes('<p class="verdict ok">Finished: no warnings in the summary.</p>'));
  assert.ok(!html.includes('verdict warn'));
});

test('the verdict warns of non-finite values and of a violation far above the others', () => {
  const s = poissonSummary([]);
  s.loss = { total: Number.NaN, parts: { equation: Number.NaN, boundary: 2.1e-6 } };
  s.violations = [
    { name: 'flux <out>', kind: 'condition', rms: 0.1, max: 0.5, points: 2048 },
    { name: 'dirichlet', kind: 'condition', rms: 1e-4, max: 3e-4, points: 2048 },
  ];
  const verdict = headline(renderReport({ summary: s, pictures: [] })).match(/<p class="verdict warn">(.*)<\/p>/)[1];
  assert.equal(
    verdict,
    'Warning: non-finite values: final loss = NaN, loss equation = NaN; ' +
      'the violation of flux &lt;out&gt; (max 0.5) is over 100 times the next largest (dirichlet, 3e-4).',
  );
});

test('the verdict warns of a field far from its exact solution, at an L2 relative error over 0.1', () => {
  const s = poissonSummary([]);
  s.errors = { u: { l2_relative: 1.71, max_abs: 2.3 }, v: { l2_relative: 0.1 } };
  assert.deepEqual(verdictOf(s), ['the L2 relative error of u is 1.71 (over 0.1)']);
  const html = renderReport({ summary: s, pictures: [] });
  assert.ok(
    headline(html).includes('<p class="verdict warn">Warning: the L2 relative error of u is 1.71 (over 0.1).</p>'),
  );
});

test('the verdict warns of a Maxwell field energy that drifts by over 1%, or strays from the exact energy', () => {
  const at = (values, exact) => values.map((value, i) => ({ t: i / 10, value, ...(exact ? { exact: exact[i] } : {}) }));
  const drifting = { ...poissonSummary([]), energy: at([0.125, 0.13, 0.14]), energy_drift: 0.12 };
  assert.deepEqual(verdictOf(drifting), [
    'the field energy drifts by 0.12 of its start (over 0.01; a lossless cavity conserves it)',
  ]);
  assert.deepEqual(verdictOf({ ...drifting, energy_drift: 0.009 }), []);
  // A lossy cavity's energy falls with the exact solution's: no warning; a run that misses it is warned of.
  const lossy = at([1, 0.8, 0.6], [1, 0.805, 0.6]);
  assert.deepEqual(verdictOf({ ...poissonSummary([]), energy: lossy, energy_drift: 0.4 }), []);
  const missed = at([1, 0.9, 0.9], [1, 0.8, 0.6]);
  assert.deepEqual(verdictOf({ ...poissonSummary([]), energy: missed, energy_drift: 0.1 }), [
    "the field energy strays from the exact solution's by 0.3 of its start (over 0.01)",
  ]);
});

test("the spec file is shown relative to the run folder or the current directory where shorter; summary.json's stays absolute", () => {
  const s = { ...poissonSummary([]), spec_file: '/home/ada/project/problems/poisson-2d.yaml' };
  const row = (relativeTo) =>
    renderReport({ summary: s, pictures: [], relativeTo }).match(/<th>spec file<\/th><td>([^<]*)<\/td>/)[1];
  assert.equal(row(['/home/ada/project/runs/poisson-2d', '/home/ada/project']), 'problems/poisson-2d.yaml');
  assert.equal(row(['/home/ada/project/problems/run', '/tmp']), '../poisson-2d.yaml');
  assert.equal(row(undefined), '/home/ada/project/problems/poisson-2d.yaml');
  assert.equal(s.spec_file, '/home/ada/project/problems/poisson-2d.yaml');
});

test('pictures of one row sit side by side under its heading; a long row is frames; a picture without a row stands alone', () => {
  const png = (name, row) => ({ name, content: Buffer.from(name), ...(row ? { row } : {}) });
  const html = renderReport({
    summary: { name: 'rows' },
    pictures: [
      png('u.png', 'u: predicted, exact and error'),
      png('u_exact.png', 'u: predicted, exact and error'),
      png('u_error.png', 'u: predicted, exact and error'),
      ...[0, 1, 2, 3].map((t) => png(`v_t${t}.png`, 'v at each output time')),
      png('loss.png'),
    ],
  });
  const section = html.slice(html.indexOf('<h2>Pictures</h2>'));
  const rows = [...section.matchAll(/<h3>(.*?)<\/h3>\n<div class="(row[^"]*)">([\s\S]*?)<\/div>/g)].map((m) => [
    m[1],
    m[2],
    [...m[3].matchAll(/alt="([^"]+)"/g)].map((a) => a[1]),
  ]);
  assert.deepEqual(rows, [
    ['u: predicted, exact and error', 'row', ['u.png', 'u_exact.png', 'u_error.png']],
    ['v at each output time', 'row frames', ['v_t0.png', 'v_t1.png', 'v_t2.png', 'v_t3.png']],
  ]);
  assert.match(section, /<\/div>\n<figure><img [^>]*alt="loss.png">/);
});

test('a restarted second-order stage says where it restarted and which end it kept', () => {
  const stages = [
    { optimizer: 'adam', iterations: 500, seconds: 2, msPerIteration: 4 },
    {
      optimizer: 'levenberg-marquardt',
      iterations: 239,
      seconds: 20,
      msPerIteration: 84,
      evaluations: 600,
      stopReason: 'no further decrease possible in float32',
      restart: { iteration: 542, loss: 37.2, restartLoss: 8.0e-9, kept: 'restart' },
    },
  ];
  const html = renderReport({ summary: poissonSummary(stages), pictures: [] });
  assert.ok(
    html.includes(
      'no further decrease possible in float32; restarted from the initial weights at iteration 542, kept the restart',
    ),
  );
});
