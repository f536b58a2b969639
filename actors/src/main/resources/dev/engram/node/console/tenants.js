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

async function showQuality() {
  const tenants = await loadTenants('quality-message');
  if (!tenants) return;
  const series = tenants.filter((t) => trend(t).length).map((t) => ({ name: t.tenant, points: trend(t) }));
  const box = $('quality-ndcg');
  box.dataset.series = series.length;
  linePlot(box, series, { xLabel: 'adapter version (v0: the base before the first promotion)', yLabel: 'held-out nDCG@10',
    xFormat: (x) => 'v' + Math.round(x), yFormat: (y) => y.toFixed(3),
    xTicks: (lo, hi) => Array.from({ length: Math.round(hi - lo) + 1 }, (_, i) => lo + i) });
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
