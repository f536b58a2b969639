// The console's tenant views: Tenants (GET /v1/tenants: memory, feedback, versions) and Quality
// (the gate's held-out nDCG@10 of each promoted version, and the online share of recalled cases
// judged useful). Uses console.js's api/el/say and plot.js's linePlot.
'use strict';

async function loadTenants(messageId) {
  const answer = await api('GET', '/v1/tenants');
  if (!answer.ok) { say(messageId, problem(answer), 'error'); return null; }
  say(messageId, '', '');
  fillTenants(answer.json.tenants.map((t) => t.tenant));
  return answer.json.tenants;
}

function share(x) { return x == null ? '–' : (100 * x).toFixed(1) + '%'; }

function promoted(t) { return t.versions.filter((v) => v.status === 'PROMOTED' && v.heldOutNdcg10 != null); }

// The quality trend: held-out nDCG@10 of each promoted version (before the first: its parent's, v0).
function trend(t) {
  const p = promoted(t);
  if (!p.length) return [];
  return [[p[0].version - 1, p[0].parentHeldOutNdcg10], ...p.map((v) => [v.version, v.heldOutNdcg10])];
}

async function showTenants() {
  const tenants = await loadTenants('tenants-message');
  if (!tenants) return;
  $('tenants').tBodies[0].replaceChildren(...(tenants.length ? tenants.map((t) => {
    const spark = el('div', { class: 'spark' });
    const points = trend(t);
    if (points.length) {
      linePlot(spark, [{ name: '', points }], { width: 220, height: 80, xFormat: (x) => 'v' + Math.round(x),
        yFormat: (y) => y.toFixed(3), xTicks: () => points.map((p) => p[0]), yTickCount: 2,
        margin: { left: 40, right: 8, top: 6, bottom: 18 } });
    }
    return el('tr', { class: 'tenant', 'data-tenant': t.tenant },
      el('td', {}, el('strong', {}, t.tenant)),
      el('td', {}, t.cases),
      el('td', {}, el('span', { class: 'polarity positive' }, t.positive), ' / ',
        el('span', { class: 'polarity negative' }, t.negative), el('br'),
        el('meter', { min: 0, max: 1, value: t.positiveShare, title: share(t.positiveShare) + ' positive' }), ' ', share(t.positiveShare)),
      el('td', {}, t.judgedCases + ' cases, ' + t.judgements + ' judgements'),
      el('td', { class: 'useful-share' }, share(t.usefulShare)),
      el('td', {}, t.adapter || el('span', { class: 'muted' }, 'none yet')),
      el('td', { class: 'serving-version' }, t.servingVersion ? 'v' + t.servingVersion : 'base'),
      el('td', {}, t.pinnedVersion ? 'v' + t.pinnedVersion : 'no'),
      el('td', {}, points.length ? spark : el('span', { class: 'muted' }, 'no promoted version')));
  }) : [el('tr', {}, el('td', { colspan: 9, class: 'muted' }, 'no tenant has cases yet'))]));
}

// The quality trend over time: each promoted version at when it was made (the gate decides on arrival),
// the base's figure at the first one's time, so the first promotion shows as a step.
function trendOverTime(t) {
  const p = promoted(t).filter((v) => v.createdAt);
  if (!p.length) return [];
  const at = (v) => Date.parse(v.createdAt);
  const iso = (v) => v.createdAt.replace(/\.\d+Z$/, 'Z');
  return [[at(p[0]), p[0].parentHeldOutNdcg10, 'v' + (p[0].version - 1) + ' (the base, before v' + p[0].version + ')'],
    ...p.map((v) => [at(v), v.heldOutNdcg10, 'v' + v.version + ' at ' + iso(v)])];
}

// Time ticks at a round step (a second to a month), at most about five; labels as fine as the step.
const TIME_STEPS = [1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 10800, 21600, 43200, 86400, 172800, 604800, 2592000]
  .map((s) => s * 1000);
function timeTicks(lo, hi) {
  const step = TIME_STEPS.find((s) => (hi - lo) / s <= 5) || TIME_STEPS[TIME_STEPS.length - 1];
  const out = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi; t += step) out.push(t);
  return out.length >= 2 ? out : [lo, hi];
}
function timeLabel(lo, hi) {
  const step = TIME_STEPS.find((s) => (hi - lo) / s <= 5) || 0;
  return (ms) => {
    const iso = new Date(ms).toISOString();
    return step >= 86400000 ? iso.slice(0, 10) : step >= 60000 ? iso.slice(5, 16).replace('T', ' ') : iso.slice(11, 19);
  };
}

async function showQuality() {
  const tenants = await loadTenants('quality-message');
  if (!tenants) return;
  const series = tenants.filter((t) => trendOverTime(t).length).map((t) => ({ name: t.tenant, points: trendOverTime(t) }));
  const box = $('quality-ndcg');
  box.dataset.series = series.length;
  const xs = series.flatMap((s) => s.points.map((p) => p[0]));
  const [lo, hi] = xs.length ? [Math.min(...xs), Math.max(...xs)] : [0, 0];
  linePlot(box, series, { xLabel: 'when each promoted version was made (UTC; the base is drawn at the first)',
    yLabel: 'held-out nDCG@10', xFormat: timeLabel(lo, hi), xTicks: timeTicks, yFormat: (y) => y.toFixed(3),
    margin: { left: 56, right: 36, top: 12, bottom: 40 } });
  const judged = tenants.filter((t) => t.usefulShare != null);
  $('quality-useful').tBodies[0].replaceChildren(...(judged.length ? judged.map((t) => el('tr', { 'data-tenant': t.tenant },
    el('td', {}, t.tenant),
    el('td', {}, el('meter', { min: 0, max: 1, value: t.usefulShare }), ' ', share(t.usefulShare)),
    el('td', {}, t.useful + ' of ' + t.judgements),
    el('td', {}, promoted(t).map((v) => 'v' + v.version + ' ' + v.heldOutNdcg10.toFixed(3)
      + ' (' + ((v.heldOutNdcg10 - v.parentHeldOutNdcg10) >= 0 ? '+' : '') + (100 * (v.heldOutNdcg10 - v.parentHeldOutNdcg10)).toFixed(2)
      + ' pts, n ' + v.heldOutQueries + ')').join(' · ') || '–')))
    : [el('tr', {}, el('td', { colspan: 4, class: 'muted' }, 'no recalled case has been judged yet'))]));
}

VIEWS.tenants = () => showTenants();
VIEWS.quality = () => showQuality();
