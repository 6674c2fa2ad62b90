import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { displayBundle } from '../src/plot/display.js';
import { display, displayWithImage, inNotebook, lineFigure, toHtml } from '../src/plot/index.js';

const fig = lineFigure({
  name: 'html-check',
  title: 'A </script> title & more',
  x: { title: 'Time (s)' },
  y: { title: 'Value (ms)' },
  series: [{ name: 's', x: [1, 2], y: [3, 4] }],
});

test('toHtml is a self-contained document with the plotly bundle inlined', () => {
  const html = toHtml(fig);
  assert.match(html, /^<!DOCTYPE html>/);
  assert.ok(html.includes('plotly.js v4.'), 'plotly bundle banner is inlined');
  assert.ok(html.length > 1_000_000, 'the whole bundle is there');
  // (assert.ok, not doesNotMatch: a failure would print the 4 MB document)
  assert.ok(!/<script[^>]*\bsrc=/i.test(html), 'no external scripts');
  assert.ok(!/<link[^>]*\bhref=/i.test(html), 'no external stylesheets');
  // The title with markup characters is escaped in <title> and cannot end the script element.
  assert.ok(html.includes('<title>A &lt;/script&gt; title &amp; more</title>'));
  const body = html.slice(html.indexOf('<body>'));
  assert.equal(body.match(/<\/script>/g)?.length, 1, 'figure JSON does not close its script early');
  assert.ok(body.includes('"text":"A \\u003c/script> title & more"'));
});

test('the inlined bundle is the installed plotly.min.js, only escaped', () => {
  const require = createRequire(`${process.cwd()}/package.json`);
  const original = readFileSync(require.resolve('plotly.js-dist-min'), 'utf8');
  const html = toHtml(fig);
  const start = html.indexOf('<script>') + '<script>'.length;
  const inlined = html.slice(start, html.indexOf('</script>', start));
  assert.equal(inlined.replace(/<\\!--/g, '<!--').replace(/<\\\/script/gi, '</script'), original);
});

test('display bundle carries plotly JSON, HTML and plain text', () => {
  const first = displayBundle(fig, { withPlotly: true });
  assert.deepEqual(Object.keys(first).sort(), ['application/vnd.plotly.v1+json', 'text/html', 'text/plain']);
  assert.deepEqual(first['application/vnd.plotly.v1+json'], { data: fig.data, layout: fig.layout });
  assert.ok((first['text/html'] as string).includes('plotly.js v4.'));
  const later = displayBundle(fig, { withPlotly: false });
  const html = later['text/html'] as string;
  assert.ok(!html.includes('plotly.js v4.'), 'later figures rely on the first one\'s bundle');
  assert.ok(html.length < 10_000);
  assert.match(html, /window\.Plotly/);
  assert.match(html, /not trusted/, 'untrusted viewers see why nothing is drawn');
  assert.equal(later['text/plain'], '[figure html-check: A </script> title & more]');
});

test('display bundle with a PNG shows the image until the script draws the live plot', () => {
  const png = Buffer.from([0x89, 0x50, 0x4e, 0x47]);
  const html = displayBundle(fig, { withPlotly: false, png })['text/html'] as string;
  assert.ok(html.includes(`<img src="data:image/png;base64,${png.toString('base64')}"`));
  assert.ok(!html.includes('not trusted'), 'the image replaces the note');
  assert.ok(html.includes('alt="A &lt;/script&gt; title &amp; more"'));
});

test('display outside a notebook does not throw and prints a note once', async () => {
  assert.equal(inNotebook(), false);
  const original = process.stdout.write.bind(process.stdout);
  const lines: string[] = [];
  process.stdout.write = ((chunk: string) => {
    lines.push(String(chunk));
    return true;
  }) as typeof process.stdout.write;
  try {
    display(fig);
    display(fig);
    await displayWithImage(fig);
  } finally {
    process.stdout.write = original;
  }
  assert.equal(lines.length, 1);
  assert.match(lines[0], /tslab notebook/);
});
