import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderReport } from '../../dist/outputs/report.js';
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
    'code',
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
  assert.ok(html.includes('&quot;nested&quot;'), 'extra keys shown as JSON');
});

test('a minimal summary still renders', () => {
  const html = renderReport({ summary: { name: 'bare' }, pictures: [] });
  assert.ok(html.includes('<h1>bare</h1>'));
  assert.ok(!html.includes('<h2>'));
});
