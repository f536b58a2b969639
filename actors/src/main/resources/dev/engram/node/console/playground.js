// The console's playground: one task recalled by two versions of a tenant's retriever policy side by
// side (POST /v1/tenants/{tenant}/playground), with every case whose rank differs marked. The version
// lists come from GET /v1/adapters. Uses console.js's api/el/say.
'use strict';

let playgroundAdapters = [];

async function loadPlaygroundVersions() {
  const answer = await api('GET', '/v1/adapters');
  if (!answer.ok) { say('play-message', problem(answer), 'error'); return; }
  playgroundAdapters = answer.json.adapters;
  fillTenants(playgroundAdapters.map((a) => a.tenant));
  fillPlaygroundVersions();
}

// The choices for the tenant typed: the serving version, the base, and every version of its adapters.
function fillPlaygroundVersions() {
  const tenant = $('play-tenant').value.trim();
  const own = playgroundAdapters.filter((a) => a.tenant === tenant);
  const options = [['serving', 'serving now'], ['base', 'base (untuned)']];
  own.forEach((a) => a.versions.slice().reverse().forEach((v) => options.push([
    own.length > 1 ? a.name + '/v' + v.version : String(v.version),
    (own.length > 1 ? a.name + ' ' : '') + 'v' + v.version + ' · ' + v.status.toLowerCase()
      + (v.serving ? ' · serving' : '') + (v.verified ? '' : ' · refused') + (v.failed ? ' · failed' : '')])));
  ['play-a', 'play-b'].forEach((id, i) => {
    const select = $(id);
    const before = select.value;
    select.replaceChildren(...options.map(([value, label]) => el('option', { value }, label)));
    const fallback = i === 0 ? 'serving' : (options[2] ? options[2][0] : 'base');
    select.value = options.some(([value]) => value === before) ? before : fallback;
  });
}

function ranks(reason) {
  const bm25 = /bm25 #(\d+)/.exec(reason || '');
  const vector = /vector #(\d+)/.exec(reason || '');
  return (bm25 ? 'bm25 #' + bm25[1] : 'bm25 –') + ' · ' + (vector ? 'vector #' + vector[1] : 'vector –');
}

// How a case moved in this list against the other: up, down, or only here.
function movement(rank, other, brief) {
  if (other == null) return el('span', { class: 'move only' }, 'only here');
  if (other === rank) return '';
  return el('span', { class: 'move ' + (other > rank ? 'up' : 'down') },
    (other > rank ? '▲ ' : '▼ ') + Math.abs(other - rank) + (brief ? '' : ' (#' + other + ' there)'));
}

function playgroundSide(side, recall, otherRanks) {
  const rows = recall.ranked.map((c) => {
    const other = otherRanks.has(c.caseId) ? otherRanks.get(c.caseId) : null;
    const moved = other !== c.rank;
    return el('tr', { class: 'hit' + (moved ? ' moved' : ''), 'data-case': c.caseId, 'data-rank': c.rank },
      el('td', {}, c.rank, el('br'), movement(c.rank, other)),
      el('td', {}, el('div', {}, c.caseId), el('small', { class: 'muted' }, c.task)),
      el('td', {}, Number(c.score).toFixed(4)),
      el('td', { class: 'ranks' }, ranks(c.reason)),
      el('td', {}, el('span', { class: 'polarity ' + c.polarity.toLowerCase() }, c.polarity)),
      el('td', { class: 'reason' }, c.reason));
  });
  return el('div', { class: 'play-side', id: 'play-side-' + side },
    el('h2', {}, side.toUpperCase() + ': ', el('span', { class: 'play-version' }, recall.adapterVersion),
      ' ', el('small', {}, recall.mode + ' · ' + Number(recall.tookMs).toFixed(1) + ' ms')),
    el('table', {}, el('thead', {}, el('tr', {}, ...['#', 'case', 'score', 'BM25 / vector rank', 'polarity', 'reason']
      .map((h) => el('th', {}, h)))),
    el('tbody', {}, rows.length ? rows : [el('tr', {}, el('td', { colspan: 6, class: 'muted' }, 'no case matches'))])));
}

async function runPlayground(event) {
  event.preventDefault();
  const tenant = $('play-tenant').value.trim();
  const body = { task: $('play-task').value, k: Number($('play-k').value || 10), versions: [$('play-a').value, $('play-b').value] };
  if ($('play-mode').value) body.mode = $('play-mode').value;
  say('play-message', 'recalling with both versions…', 'muted');
  const answer = await api('POST', '/v1/tenants/' + encodeURIComponent(tenant) + '/playground', body);
  if (!answer.ok) {
    $('play-results').replaceChildren();
    $('play-changes').hidden = true;
    $('play-summary').textContent = '';
    say('play-message', problem(answer), 'error');
    return;
  }
  const p = answer.json;
  say('play-message', '', '');
  const rankIn = (recall) => new Map(recall.ranked.map((c) => [c.caseId, c.rank]));
  $('play-summary').textContent = p.changes.length
    ? p.changes.length + ' of the recalled cases rank differently under ' + p.a.adapterVersion + ' and ' + p.b.adapterVersion
    : p.a.adapterVersion + ' and ' + p.b.adapterVersion + ' recall the same cases in the same order';
  const byId = new Map([...p.a.ranked, ...p.b.ranked].map((c) => [c.caseId, c]));
  $('play-changes').tBodies[0].replaceChildren(...p.changes.map((c) => el('tr', { class: 'change', 'data-case': c.caseId },
    el('td', {}, c.caseId, ' ', el('small', { class: 'muted' }, byId.get(c.caseId).task)),
    el('td', {}, c.rankA == null ? 'not recalled' : '#' + c.rankA),
    el('td', {}, c.rankB == null ? 'not recalled' : '#' + c.rankB),
    el('td', {}, c.rankA == null || c.rankB == null ? '' : movement(c.rankB, c.rankA, true)))));
  $('play-changes').hidden = !p.changes.length;
  $('play-results').replaceChildren(playgroundSide('a', p.a, rankIn(p.b)), playgroundSide('b', p.b, rankIn(p.a)));
}

VIEWS.playground = () => loadPlaygroundVersions();

document.addEventListener('DOMContentLoaded', () => {
  $('play-form').addEventListener('submit', runPlayground);
  $('play-tenant').addEventListener('change', fillPlaygroundVersions);
  $('play-tenant').addEventListener('input', fillPlaygroundVersions);
});
