// A small SVG line plot written for the console (no library): axes with a few round ticks, one or
// more series of [x, y] points, a legend. Used for the loss curves and the quality trends.
'use strict';

const SVG_NS = 'http://www.w3.org/2000/svg';
const PLOT_COLOURS = ['#2456c9', '#b3261e', '#1f7a3d', '#a86400', '#6b3fa0'];

function svg(tag, attrs, text) {
  const e = document.createElementNS(SVG_NS, tag);
  Object.entries(attrs || {}).forEach(([k, v]) => e.setAttribute(k, v));
  if (text !== undefined) e.textContent = text;
  return e;
}

// Round tick values covering [lo, hi], about n of them.
function ticks(lo, hi, n) {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / n;
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw);
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(+v.toPrecision(12));
  return out;
}

// Draws into `box` (replacing what it held). series: [{ name, points: [[x, y], ...] }] (a point's
// optional third element labels it in its tooltip instead of the formatted x);
// options: { xLabel, yLabel, xFormat(x), yFormat(y), xTicks(lo, hi), yMin, yMax, integer (y ticks),
// width, height, margin }.
function linePlot(box, series, options) {
  const o = Object.assign({ width: 640, height: 240, xFormat: String, yFormat: (y) => y.toFixed(2) }, options || {});
  const m = o.margin || { left: 56, right: 16, top: 12, bottom: 40 };
  const all = series.flatMap((s) => s.points);
  const root = svg('svg', { viewBox: '0 0 ' + o.width + ' ' + o.height, class: 'plot', role: 'img',
    'aria-label': (o.yLabel || 'y') + ' by ' + (o.xLabel || 'x') });
  if (!all.length) {
    root.append(svg('text', { x: o.width / 2, y: o.height / 2, 'text-anchor': 'middle', class: 'plot-empty' }, 'no points yet'));
    box.replaceChildren(root);
    return root;
  }
  let [x0, x1] = [Math.min(...all.map((p) => p[0])), Math.max(...all.map((p) => p[0]))];
  let [y0, y1] = [o.yMin ?? Math.min(...all.map((p) => p[1])), o.yMax ?? Math.max(...all.map((p) => p[1]))];
  if (x1 === x0) { x0 -= 1; x1 += 1; }
  if (y1 === y0 && o.yMin !== undefined) y1 = y0 + 1;
  if (y1 === y0) { y0 -= Math.abs(y0) * 0.1 || 1; y1 += Math.abs(y1) * 0.1 || 1; }
  const w = o.width - m.left - m.right;
  const h = o.height - m.top - m.bottom;
  const X = (x) => m.left + (x - x0) / (x1 - x0) * w;
  const Y = (y) => m.top + h - (y - y0) / (y1 - y0) * h;
  const axes = svg('g', { class: 'plot-axes' });
  axes.append(svg('line', { x1: m.left, y1: m.top + h, x2: m.left + w, y2: m.top + h }));
  axes.append(svg('line', { x1: m.left, y1: m.top, x2: m.left, y2: m.top + h }));
  ticks(y0, y1, o.yTickCount || 4).filter((t) => !o.integer || Number.isInteger(t)).forEach((t) => {
    axes.append(svg('line', { x1: m.left, x2: m.left + w, y1: Y(t), y2: Y(t), class: 'plot-grid' }));
    axes.append(svg('text', { x: m.left - 6, y: Y(t) + 4, 'text-anchor': 'end' }, o.yFormat(t)));
  });
  const xt = o.xTicks ? o.xTicks(x0, x1) : ticks(x0, x1, 5);
  xt.forEach((t) => {
    axes.append(svg('line', { x1: X(t), x2: X(t), y1: m.top + h, y2: m.top + h + 4 }));
    axes.append(svg('text', { x: X(t), y: m.top + h + 14, 'text-anchor': 'middle' }, o.xFormat(t)));
  });
  if (o.xLabel) axes.append(svg('text', { x: m.left + w / 2, y: o.height - 4, 'text-anchor': 'middle', class: 'plot-label' }, o.xLabel));
  if (o.yLabel) axes.append(svg('text', { x: 12, y: m.top + h / 2, 'text-anchor': 'middle', class: 'plot-label',
    transform: 'rotate(-90 12 ' + (m.top + h / 2) + ')' }, o.yLabel));
  root.append(axes);
  series.forEach((s, i) => {
    const colour = PLOT_COLOURS[i % PLOT_COLOURS.length];
    const g = svg('g', { class: 'plot-series', 'data-series': s.name, stroke: colour, fill: colour });
    if (s.points.length > 1) {
      g.append(svg('polyline', { fill: 'none', 'stroke-width': 2,
        points: s.points.map((p) => X(p[0]).toFixed(1) + ',' + Y(p[1]).toFixed(1)).join(' ') }));
    }
    s.points.forEach((p) => {
      const dot = svg('circle', { cx: X(p[0]).toFixed(1), cy: Y(p[1]).toFixed(1), r: 3, class: 'plot-point', 'data-x': p[0] });
      dot.append(svg('title', {}, s.name + ': ' + (p[2] ?? o.xFormat(p[0])) + ', ' + o.yFormat(p[1])));
      g.append(dot);
    });
    root.append(g);
    if (series.length > 1 || s.name) {
      const lx = m.left + w - 14;  // top right, text to the left of its swatch
      root.append(svg('rect', { x: lx, y: m.top + 4 + i * 16, width: 10, height: 10, fill: colour }));
      root.append(svg('text', { x: lx - 6, y: m.top + 13 + i * 16, 'text-anchor': 'end', class: 'plot-legend' }, s.name));
    }
  });
  box.replaceChildren(root);
  return root;
}
