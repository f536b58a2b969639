// The console's stream view: the feedback topic's consumer lag per partition and the node's rates
// (events in, dead letters) over the last minutes, plotted from the "overview" events of
// GET /v1/events as they arrive (the page keeps the history; the node sends the current figures).
'use strict';

const STREAM_WINDOW_MS = 10 * 60 * 1000;  // the plots show the last 10 minutes
let streamHistory = [];                   // [{ t, lag: {partition: peak}, now: {partition: n}, consumed, dead }]

function recordOverview(o) {
  const t = Date.parse(o.time);
  // Plotted: the highest lag the node measured since shortly before the last overview, so a burst it
  // fetched and wrote between two overviews still shows; "lag now" in the table is the latest measurement.
  streamHistory.push({ t, lag: o.partitionLagPeak || o.partitionLag || {}, now: o.partitionLag || {},
    consumed: o.ingested + o.invalid, dead: o.deadLettered });
  streamHistory = streamHistory.filter((h) => h.t >= t - STREAM_WINDOW_MS);
  if (!$('view-stream').hidden) drawStream();
}

function clock(ms) { return new Date(ms).toISOString().slice(11, 19); }

function drawStream() {
  const h = streamHistory;
  const partitions = [...new Set(h.flatMap((x) => Object.keys(x.lag)))].sort();
  const lag = partitions.map((p) => ({ name: p, points: h.filter((x) => p in x.lag).map((x) => [x.t, x.lag[p]]) }));
  const plotted = $('stream-lag');
  plotted.dataset.points = h.length;
  plotted.dataset.lag = JSON.stringify(Object.fromEntries(lag.map((s) => [s.name, s.points.map((p) => p[1])])));
  linePlot(plotted, lag, { xLabel: 'time (UTC)', yLabel: 'records behind', xFormat: clock,
    yFormat: (y) => String(Math.round(y)), yMin: 0, integer: true });
  // Rates between consecutive overviews; the first overview has none.
  const rate = (key) => h.slice(1).map((x, i) => [x.t, Math.max(0, (x[key] - h[i][key]) / ((x.t - h[i].t) / 1000))]);
  const rates = [{ name: 'events in /s', points: rate('consumed') }, { name: 'dead letters /s', points: rate('dead') }];
  linePlot($('stream-rate'), rates, { xLabel: 'time (UTC)', yLabel: 'per second', xFormat: clock,
    yFormat: (y) => y.toFixed(1), yMin: 0 });
  $('stream-rate').dataset.maxIn = Math.max(0, ...rates[0].points.map((p) => p[1]));
  const last = rates[0].points[rates[0].points.length - 1];
  const lastDead = rates[1].points[rates[1].points.length - 1];
  $('stream-now').textContent = last ? last[1].toFixed(1) + ' events/s in, ' + lastDead[1].toFixed(1)
      + ' dead letters/s over the last ' + Math.round((h[h.length - 1].t - h[h.length - 2].t) / 1000) + ' s' : 'measuring…';
  $('stream-partitions').tBodies[0].replaceChildren(...partitions.map((p) => el('tr', { 'data-partition': p },
    el('td', {}, p), el('td', {}, h[h.length - 1].now[p] ?? '–'), el('td', {}, h[h.length - 1].lag[p] ?? '–'),
    el('td', {}, Math.max(...h.filter((x) => p in x.lag).map((x) => x.lag[p]))))));
}

const overviewOnly = LIVE.overview;
LIVE.overview = (o) => { overviewOnly(o); recordOverview(o); };
VIEWS.stream = () => { if (streamHistory.length) drawStream(); };
