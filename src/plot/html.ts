// Figures as HTML: a <div> plus a script that draws it with the plotly bundle from
// node_modules, inlined so the page works offline and without a CDN.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { projectRoot } from '../paths.js';
import type { Figure } from './figure.js';

let bundleCache: string | undefined;

/** plotly.min.js as text, safe to put inside a <script> element. */
export function plotlyBundle(): string {
  if (bundleCache === undefined) {
    const require = createRequire(join(projectRoot(), 'package.json'));
    const source = readFileSync(require.resolve('plotly.js-dist-min'), 'utf8');
    // Sequences that would end or confuse the HTML script element; inside JS strings the
    // backslash escapes are the same characters.
    bundleCache = source.replace(/<\/script/gi, '<\\/script').replace(/<!--/g, '<\\!--');
  }
  return bundleCache;
}

/** Plotly's config for report figures: no plotly logo, a PNG button that keeps the figure's name. */
export function plotConfig(fig: Figure): object {
  return {
    responsive: true,
    displaylogo: false,
    toImageButtonOptions: { format: 'png', filename: fig.name, scale: 2 },
  };
}

/** JSON that can sit inside a <script> element (no '</script>' or '<!--' can appear). */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * The <div> and the script that draws the figure into it. The script waits for window.Plotly,
 * so the bundle may come from another output of the same page (a notebook inlines it once).
 */
export function figureFragment(
  fig: Figure,
  divId: string,
  opts: { height?: number; placeholder?: string; placeholderHtml?: string } = {},
): string {
  const height = opts.height ?? 560;
  const spec = scriptJson({ data: fig.data, layout: fig.layout, config: plotConfig(fig) });
  // A static image placeholder sizes the div itself until the script swaps in the live plot.
  const placeholder = opts.placeholderHtml ?? (opts.placeholder ? escapeHtml(opts.placeholder) : '');
  const style = opts.placeholderHtml ? 'width:100%;max-width:1000px' : `width:100%;max-width:1000px;height:${height}px`;
  return [
    `<div id="${escapeHtml(divId)}" class="faasml-figure" style="${style}">${placeholder}</div>`,
    '<script>',
    '(function () {',
    `  var spec = ${spec};`,
    `  var id = ${scriptJson(divId)};`,
    '  var tries = 0;',
    '  var seen = null;',
    '  function draw() {',
    '    var el = document.getElementById(id) || seen;',
    '    if (el && el.isConnected && window.Plotly) {',
    "      el.textContent = '';",
    `      el.style.height = '${height}px';`,
    '      window.Plotly.newPlot(el, spec.data, spec.layout, spec.config);',
    '      return;',
    '    }',
    // The bundle may sit in an output that renders later (lazily rendered notebooks): keep
    // waiting, more slowly after 10 s, until this output is removed from the page.
    '    if (seen && !seen.isConnected) return;',
    '    if (el && el.isConnected) seen = el;',
    '    if (++tries < 4000) setTimeout(draw, tries < 200 ? 50 : 1000);',
    '  }',
    '  draw();',
    '})();',
    '</script>',
  ].join('\n');
}

/** A complete, self-contained HTML document showing one figure. */
export function toHtml(fig: Figure): string {
  const title = (fig.layout as { title?: { text?: string } }).title?.text ?? fig.name;
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<title>${escapeHtml(title)}</title>`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<style>body{margin:16px;font-family:sans-serif;background:#fff}</style>',
    `<script>${plotlyBundle()}</script>`,
    '</head>',
    '<body>',
    figureFragment(fig, `figure-${fig.name}`, { height: 625 }),
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
