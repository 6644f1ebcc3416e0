// report.html of every shipped example, rendered in headless Chromium at 1200 px on screen and at an
// A4 page's width in print: nothing wider than the page, every number on it, every picture loaded.
// Skipped, saying why, only where no Chromium can be run (.ci/stages/browser.sh installs Debian's).
// PINN_REPORT_SCREENSHOTS=DIR also writes each report's top as DIR/report-<example>.png (docs/images/).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse } from 'yaml';
import { pinn } from '../support/fixtures.js';
import { findChromium, launchBrowser, openPage } from '../support/browser.js';

const chromium = findChromium();
const SKIP = chromium
  ? false
  : 'no Chromium here (apt-get install chromium, or set CHROMIUM to a Chromium binary); report.html was not rendered';
if (SKIP) process.stderr.write(`browser test skipped: ${SKIP}\n`);

/** Every problem spec in problems/ (sweep files, which name a `spec:`, are not problems). */
const EXAMPLES = readdirSync('problems')
  .filter((f) => f.endsWith('.yaml'))
  .filter((f) => !('spec' in (parse(readFileSync(join('problems', f), 'utf8')) ?? {})))
  .map((f) => f.replace(/\.yaml$/, ''));

/** A short run: the layout, not the accuracy, is under test. */
const BUDGET = ['--iterations', '15', '--set', 'training.points.domain=200', '--quiet'];

const SCREEN = { width: 1200, height: 900, media: 'screen' };
/** A4 (210 mm = 794 px at 96 dpi) less Chromium's default 1 cm margins: the width a printed page lays out in. */
const PRINT = { width: 718, height: 1040, media: 'print' };

test(
  'report.html lays out within the page on screen and in print, for every shipped example',
  { skip: SKIP },
  async (t) => {
    assert.ok(EXAMPLES.length >= 10, `examples found: ${EXAMPLES.join(', ')}`);
    const runs = mkdtempSync(join(tmpdir(), 'pinn-browser-'));
    const browser = await launchBrowser(chromium);
    t.after(async () => {
      await browser.close();
      rmSync(runs, { recursive: true, force: true });
    });
    for (const example of EXAMPLES) {
      await t.test(example, async () => {
        const out = join(runs, example);
        const r = pinn(['solve', join('problems', `${example}.yaml`), '--out', out, ...BUDGET]);
        assert.equal(r.status, 0, r.stderr);
        const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
        const url = pathToFileURL(resolve(out, 'report.html')).href;
        for (const view of [SCREEN, PRINT]) {
          const page = await openPage(browser.cdp, url, view);
          try {
            const layout = await page.evaluate(LAYOUT_PROBE);
            assertLaidOut(layout, summary, `${example} (${view.media}, ${view.width} px)`);
            if (view === SCREEN && process.env.PINN_REPORT_SCREENSHOTS) {
              const clip = { x: 0, y: 0, width: view.width, height: Math.min(layout.height, 2600), scale: 0.5 };
              writeFileSync(
                join(process.env.PINN_REPORT_SCREENSHOTS, `report-${example}.png`),
                await page.screenshot(clip),
              );
            }
          } finally {
            await page.close();
          }
        }
      });
    }
  },
);

/** The summary numbers a person reads first, by their label in report.html. */
function expectedCells(summary) {
  return {
    seed: String(summary.seed),
    iterations: String(summary.iterations),
    'wall time': /\d/,
    'training time': /\d/,
    'time per iteration': /\d ms$/,
    'final loss': /\d/,
  };
}

function assertLaidOut(layout, summary, where) {
  assert.deepEqual(layout.offPageNumbers, [], `${where}: numbers outside the ${layout.width} px page`);
  assert.deepEqual(layout.outside, [], `${where}: elements outside the ${layout.width} px page`);
  assert.ok(
    layout.scrollWidth <= layout.width,
    `${where}: the page scrolls sideways (${layout.scrollWidth} px wide in a ${layout.width} px window)`,
  );
  assert.ok(layout.numbers > 20, `${where}: only ${layout.numbers} numbers on the page`);
  assert.deepEqual(layout.brokenImages, [], `${where}: pictures that did not load`);
  assert.ok(layout.images >= 1, `${where}: no pictures`);
  for (const [label, expected] of Object.entries(expectedCells(summary))) {
    const cell = layout.cells[label];
    assert.ok(cell, `${where}: no "${label}" row`);
    if (typeof expected === 'string') assert.equal(cell, expected, `${where}: ${label}`);
    else assert.match(cell, expected, `${where}: ${label}`);
  }
}

/**
 * Runs in the page. Every element box and every line of text that holds a digit must lie within
 * [0, width]; images must have loaded. `cells` maps each row header (<th>) to the text of the cell
 * beside it, so the test can find the summary's numbers by their labels.
 */
const LAYOUT_PROBE = `(() => {
  const width = document.documentElement.clientWidth;
  const inside = (r) => r.left >= -0.5 && r.right <= width + 0.5;
  const name = (el) => '<' + el.tagName.toLowerCase() + (el.className ? '.' + el.className : '') + '> "' +
    (el.textContent || el.getAttribute('alt') || '').trim().slice(0, 40) + '"';
  const outside = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    const reported = outside.some((o) => o.el.contains(el));
    if ((r.width > 0 || r.height > 0) && !inside(r) && !reported)
      outside.push({ el, text: name(el) + ' spans ' + Math.round(r.left) + '..' + Math.round(r.right) + ' px' });
  }
  let numbers = 0;
  const offPageNumbers = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!/\\d/.test(node.nodeValue)) continue;
    numbers++;
    const range = document.createRange();
    range.selectNodeContents(node);
    const off = [...range.getClientRects()].find((r) => !inside(r));
    if (off) offPageNumbers.push('"' + node.nodeValue.trim().slice(0, 40) + '" at ' + Math.round(off.left) + '..' +
      Math.round(off.right) + ' px');
  }
  const cells = {};
  for (const th of document.querySelectorAll('tr > th:first-child')) {
    const td = th.nextElementSibling;
    if (td && td.tagName === 'TD') cells[th.textContent.trim()] = td.textContent.trim();
  }
  const images = [...document.images];
  return {
    width,
    height: document.documentElement.scrollHeight,
    scrollWidth: document.documentElement.scrollWidth,
    outside: outside.slice(0, 10).map((o) => o.text),
    offPageNumbers: offPageNumbers.slice(0, 10),
    numbers,
    images: images.length,
    brokenImages: images.filter((i) => !i.complete || i.naturalWidth === 0).map((i) => i.alt),
    cells,
  };
})()`;
