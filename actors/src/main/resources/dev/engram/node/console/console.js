// Engram's operations console: plain DOM, no libraries. Every figure comes from the node's HTTP API
// with the key the user signed in with, so the console may see and do exactly what that key may.
'use strict';

const KEY = 'engram.apiKey';
const $ = (id) => document.getElementById(id);
let me = null;            // GET /v1/whoami
let events = null;        // the AbortController of the overview stream
// What each event type of GET /v1/events updates; views in other scripts add theirs (ops.js: training).
const LIVE = { overview: (o) => renderOverview(o) };
// Views in other scripts: name -> function called when the view is opened (ops.js adds its views).
const VIEWS = { overview: () => {}, adapters: () => loadAdapters(), memory: () => {} };

// Builds an element; strings become text nodes (never HTML), so nothing from the API is parsed as markup.
function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  Object.entries(attrs || {}).forEach(([k, v]) => {
    if (v === undefined || v === null || v === false) return;
    if (k === 'class') e.className = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : v);
  });
  children.flat().forEach((c) => e.append(c instanceof Node ? c : document.createTextNode(c == null ? '' : String(c))));
  return e;
}

async function api(method, path, body) {
  const headers = { Authorization: 'Bearer ' + sessionStorage.getItem(KEY) };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  let json = null;
  try { json = await response.json(); } catch (e) { /* not JSON */ }
  if (response.status === 401) signOut('The node refused the key: ' + (json && json.error || 'HTTP 401'));
  return { status: response.status, ok: response.ok, json };
}

function problem(answer) {
  return 'HTTP ' + answer.status + ': ' + (answer.json && answer.json.error || 'no details');
}

function say(id, text, kind) {
  const p = $(id);
  p.textContent = text;
  p.className = kind || '';
}

// ---- signing in -------------------------------------------------------------------------------

async function signIn(key) {
  sessionStorage.setItem(KEY, key);
  const answer = await api('GET', '/v1/whoami');
  if (!answer.ok) {
    sessionStorage.removeItem(KEY);
    say('login-error', problem(answer), 'error');
    return;
  }
  me = answer.json;
  $('login').hidden = true;
  $('app').hidden = false;
  $('logout').hidden = false;
  $('who').textContent = me.principal + ' (' + me.role + '; tenants ' + me.tenants.join(', ') + ')';
  $('who').dataset.role = me.role;
  $('nav-keys').hidden = me.role !== 'admin';
  fillTenants(me.tenants.filter((t) => t !== '*'));
  if (me.tenants.length === 1 && me.tenants[0] !== '*') $('memory-tenant').value = me.tenants[0];
  streamOverview();
  show(location.hash.slice(1) || 'overview');
}

function signOut(message) {
  sessionStorage.removeItem(KEY);
  me = null;
  if (events) events.abort();
  $('app').hidden = true;
  $('logout').hidden = true;
  $('login').hidden = false;
  $('who').textContent = '';
  $('key-secret').textContent = '';
  $('key-secret-box').hidden = true;
  say('login-error', message || '', 'error');
}

function fillTenants(tenants) {
  const list = $('memory-tenants');
  const known = new Set([...list.options].map((o) => o.value));
  tenants.filter((t) => t && !known.has(t)).forEach((t) => list.append(el('option', { value: t })));
}

function show(view) {
  if (!VIEWS[view]) view = 'overview';
  document.querySelectorAll('.view').forEach((v) => { v.hidden = v.id !== 'view-' + view; });
  document.querySelectorAll('nav a').forEach((a) => a.classList.toggle('current', a.dataset.view === view));
  VIEWS[view]();
}

// ---- overview: GET /v1/events (server-sent events, read with fetch: EventSource sends no headers) ----

async function streamOverview() {
  if (events) events.abort();
  const controller = new AbortController();
  events = controller;
  try {
    const response = await fetch('/v1/events', {
      headers: { Authorization: 'Bearer ' + sessionStorage.getItem(KEY), Accept: 'text/event-stream' },
      signal: controller.signal,
    });
    if (!response.ok) throw new Error('HTTP ' + response.status);
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const lines = block.split('\n');
        const type = (lines.find((l) => l.startsWith('event:')) || 'event: message').slice(6).trim();
        const data = lines.filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trimStart()).join('\n');
        if (data && LIVE[type]) LIVE[type](JSON.parse(data));
      }
    }
  } catch (e) {
    if (controller.signal.aborted) return;
    status('DOWN?', 'the event stream broke: ' + e.message);
  }
  if (!controller.signal.aborted && me) setTimeout(() => { if (events === controller) streamOverview(); }, 3000);
}

function status(text, title) {
  const badge = $('node-status');
  badge.textContent = text;
  badge.title = title || '';
  badge.className = 'badge ' + text.toLowerCase().replace(/\W/g, '');
}

function renderOverview(o) {
  const h = o.health;
  status(h.status, 'consumer ' + h.consumer);
  $('overview-time').textContent = 'last at ' + o.time.replace(/\.\d+Z$/, 'Z');
  const s = $('overview-status');
  s.textContent = h.status;
  s.className = 'big ' + h.status.toLowerCase();
  $('overview-consumer').textContent = 'consumer ' + h.consumer + ', recall ' + h.recallMode
      + (h.consumerError ? ' — ' + h.consumerError : '');
  $('overview-lag').textContent = o.consumerLag;
  $('overview-latency').textContent = o.recallP50Ms == null ? '–' : o.recallP50Ms + ' / ' + o.recallP99Ms + ' ms';
  $('overview-recalls').textContent = o.recalls + ' recalls since start';
  $('overview-ingested').textContent = o.ingested;
  $('overview-invalid').textContent = o.invalid + ' invalid, ' + o.deadLettered + ' dead-lettered';
  const stalled = new Map((h.stalledPartitions || []).map((p) => [p.partition, p]));
  $('overview-partitions').tBodies[0].replaceChildren(...(h.assignedPartitions || []).map((p) => {
    const st = stalled.get(p);
    return el('tr', { class: st ? 'stalled' : '' }, el('td', {}, p), el('td', {}, o.partitionLag[p] ?? '–'),
      el('td', {}, st ? (st.isolating ? 'stalled, isolating' : 'stalled') : 'moving'),
      el('td', {}, st ? st.since : ''), el('td', {}, st ? st.failedDeliveries : ''), el('td', {}, st ? st.lastError : ''));
  }));
  const serving = Object.entries(h.servingVersions || {});
  fillTenants(serving.map(([t]) => t));
  $('overview-serving').tBodies[0].replaceChildren(...(serving.length ? serving.map(([t, v]) =>
    el('tr', {}, el('td', {}, t), el('td', {}, v))) : [el('tr', {}, el('td', { colspan: 2, class: 'muted' },
    'every tenant recalls with the base encoder and untuned fusion'))]));
}

// ---- adapters: GET /v1/adapters, POST /v1/adapters/{name}/pin|unpin|rollback,
//      GET /v1/adapters/{name}/versions/{v}/files ------------------------------------------------

async function loadAdapters() {
  const answer = await api('GET', '/v1/adapters');
  if (!answer.ok) { say('adapters-message', problem(answer), 'error'); return; }
  const adapters = answer.json.adapters;
  const gate = answer.json.gate;
  $('adapters-gate').textContent = gate ? 'The gate on this node promotes a candidate when its held-out nDCG@10 gain is at least '
      + gate.minHeldOutGain.toFixed(4) + ' and its retention loss at most ' + gate.maxRetentionLoss.toFixed(4) + '.' : '';
  fillTenants(adapters.map((a) => a.tenant));
  $('adapters-list').replaceChildren(...(adapters.length ? adapters.map(adapterCard)
    : [el('p', { class: 'muted' }, 'No adapters yet: a tenant gets one after its first tuning round.')]));
}

function operatorButton(label, onclick) {
  const allowed = me && me.mayOperate;
  return el('button', { type: 'button', class: 'action', disabled: !allowed,
    title: allowed ? '' : 'needs an operator key (yours is ' + (me && me.role) + ')', onclick }, label);
}

// The files of a version as its worker published them (what `engram adapters export` writes), saved as a zip.
// A link cannot send the key, so the page fetches them with it and hands the browser the bytes.
function downloadButton(adapter, version) {
  const allowed = me && me.mayOperate;
  return el('button', { type: 'button', class: 'download', disabled: !allowed,
    title: allowed ? 'the files of v' + version + ' as a zip (adapter_config.json, adapter_model.safetensors)'
      : 'needs an operator key (yours is ' + (me && me.role) + ')',
    onclick: () => downloadFiles(adapter, version) }, 'Download');
}

async function downloadFiles(adapter, version) {
  const name = adapter.name + '-v' + version + '.zip';
  say('adapters-message', 'reading the files of ' + adapter.name + ' v' + version + '…');
  const response = await fetch('/v1/adapters/' + encodeURIComponent(adapter.name) + '/versions/' + version + '/files',
    { headers: { Authorization: 'Bearer ' + sessionStorage.getItem(KEY) } });
  if (!response.ok) {
    let json = null;
    try { json = await response.json(); } catch (e) { /* not JSON */ }
    if (response.status === 401) signOut('The node refused the key: ' + (json && json.error || 'HTTP 401'));
    say('adapters-message', 'download of ' + name + ' refused: ' + problem({ status: response.status, json }), 'error');
    return;
  }
  const blob = await response.blob();
  const link = el('a', { href: URL.createObjectURL(blob), download: name, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 60000);
  say('adapters-message', 'downloaded ' + name + ': ' + blob.size + ' bytes, files sha256 '
    + response.headers.get('X-Engram-Payload-Sha256') + ' (as its worker signed them)', 'ok');
}

function gain(m) {
  if (!m) return '';
  const d = m.heldOutNdcg10 - m.parentHeldOutNdcg10;
  return m.heldOutNdcg10.toFixed(4) + ' vs ' + m.parentHeldOutNdcg10.toFixed(4) + ' (' + (d >= 0 ? '+' : '')
      + (100 * d).toFixed(2) + ' pts, n ' + m.heldOutQueries + ')';
}

function planLoss(p) {
  if (!p) return '';
  return p.candidateNll.toFixed(4) + ' vs ' + p.servingNll.toFixed(4) + ' nats/token (gain ' + (p.meanGain >= 0 ? '+' : '')
      + p.meanGain.toFixed(4) + ' [' + p.gainLower.toFixed(4) + ', ' + p.gainUpper.toFixed(4) + '], n ' + p.heldOutPlans + ')';
}

// An agent-model adapter (a LoRA for the agents' own model) is listed, not served by nodes: no controls.
function agentModelCard(a) {
  const rows = a.versions.slice().reverse().map((v) => el('tr', { 'data-version': v.version },
    el('td', {}, 'v' + v.version),
    el('td', {}, el('span', { class: 'status ' + v.status.toLowerCase() }, v.status)),
    el('td', { class: 'reason' }, v.reason),
    el('td', {}, planLoss(v.planLoss)),
    el('td', { class: 'actions' }, downloadButton(a, v.version))));
  return el('article', { class: 'adapter', 'data-adapter': a.name, 'data-kind': a.kind },
    el('h2', {}, a.name, ' ', el('small', {}, 'tenant ' + (a.tenant || '?') + ' · agent-model adapter')),
    el('p', { class: 'muted' }, 'Delivered to agent runtimes by the SDK when its gate promotes it; nodes list it and never load it.'),
    el('table', {}, el('thead', {}, el('tr', {}, ...['version', 'status', 'the gate\'s reason',
      'held-out plan loss vs serving', 'PEFT files'].map((h) => el('th', {}, h)))),
    el('tbody', {}, rows)));
}

function adapterCard(a) {
  if (a.kind === 'agent-model') return agentModelCard(a);
  const control = a.control ? a.control.action.toLowerCase() + (a.control.version ? ' v' + a.control.version : '')
      + ' by ' + a.control.operator + (a.control.reason ? ' — ' + a.control.reason : '') : 'none';
  const rows = a.versions.slice().reverse().map((v) => el('tr', { class: v.serving ? 'serving' : '', 'data-version': v.version },
    el('td', {}, 'v' + v.version, v.serving ? el('span', { class: 'tag' }, 'serving') : '',
      a.pinned === v.version ? el('span', { class: 'tag pinned' }, 'pinned') : ''),
    el('td', {}, el('span', { class: 'status ' + v.status.toLowerCase() }, v.status)),
    el('td', { class: 'reason' }, v.reason),
    el('td', {}, gain(v.metrics)),
    el('td', {}, v.policy || 'rrf (untuned)'),
    el('td', {}, v.verified ? 'yes' : 'no'),
    el('td', { class: 'actions' },
      operatorButton('Pin', () => confirmControl(a, 'pin', v.version)),
      operatorButton('Roll back to', () => confirmControl(a, 'rollback', v.version)),
      downloadButton(a, v.version))));
  return el('article', { class: 'adapter', 'data-adapter': a.name },
    el('h2', {}, a.name, ' ', el('small', {}, 'tenant ' + (a.tenant || '?'))),
    el('p', {}, 'serving ', el('strong', { class: 'serving-version' }, a.serving ? 'v' + a.serving : 'base'),
      ' · pinned ', el('strong', {}, a.pinned ? 'v' + a.pinned : 'no'), ' · control in force: ', control, ' ',
      operatorButton('Unpin', () => confirmControl(a, 'unpin', null))),
    el('table', {}, el('thead', {}, el('tr', {}, ...['version', 'status', 'the gate\'s reason',
      'held-out nDCG@10 vs parent', 'ranker policy', 'verified', ''].map((h) => el('th', {}, h)))),
    el('tbody', {}, rows)));
}

function confirmControl(adapter, action, version) {
  const dialog = $('confirm');
  $('confirm-title').textContent = action === 'unpin' ? 'Unpin ' + adapter.name + '?'
    : (action === 'pin' ? 'Pin ' : 'Roll back ') + adapter.name + (action === 'pin' ? ' at v' : ' to v') + version + '?';
  $('confirm-text').textContent = action === 'unpin' ? 'The gate decides again which version serves.'
    : action === 'pin' ? 'Tenant ' + adapter.tenant + ' will be served by v' + version + ' until unpinned, whatever the gate says.'
      : 'Tenant ' + adapter.tenant + ' goes back to v' + version + '; newer versions are set aside.';
  $('confirm-ok').textContent = action === 'unpin' ? 'Unpin' : action === 'pin' ? 'Pin v' + version : 'Roll back to v' + version;
  $('confirm-reason').value = '';
  dialog.onsubmit = async (event) => {
    event.preventDefault();
    const reason = $('confirm-reason').value.trim();
    if (!reason) { $('confirm-reason').focus(); return; }
    dialog.close();
    const body = action === 'unpin' ? { reason } : { version, reason };
    const answer = await api('POST', '/v1/adapters/' + encodeURIComponent(adapter.name) + '/' + action, body);
    if (answer.status === 202) {
      say('adapters-message', action + ' ' + adapter.name + (version ? ' v' + version : '') + ': published at offset '
        + answer.json.offset + '; ' + answer.json.note, 'ok');
      setTimeout(loadAdapters, 1000);
    } else {
      say('adapters-message', action + ' ' + adapter.name + ' refused: ' + problem(answer), 'error');
    }
  };
  dialog.showModal();
  $('confirm-reason').focus();
}

// ---- memory: POST /v1/tenants/{tenant}/recall --------------------------------------------------

async function search(event) {
  event.preventDefault();
  const tenant = $('memory-tenant').value.trim();
  const body = { task: $('memory-task').value, k: Number($('memory-k').value || 10) };
  if ($('memory-mode').value) body.mode = $('memory-mode').value;
  say('memory-message', 'searching…', 'muted');
  const answer = await api('POST', '/v1/tenants/' + encodeURIComponent(tenant) + '/recall', body);
  const tbody = $('memory-hits').tBodies[0];
  if (!answer.ok) {
    tbody.replaceChildren();
    $('memory-summary').textContent = '';
    say('memory-message', problem(answer), 'error');
    return;
  }
  const r = answer.json;
  say('memory-message', '', '');
  $('memory-summary').textContent = r.ranked.length + ' cases (' + r.positives.length + ' positive, '
      + r.negatives.length + ' negative) · mode ' + r.mode + ' · version ' + r.adapterVersion + ' · ' + Number(r.tookMs).toFixed(1) + ' ms';
  tbody.replaceChildren(...(r.ranked.length ? r.ranked.map((c, i) => el('tr', { class: 'hit', 'data-case': c.caseId },
    el('td', {}, i + 1),
    el('td', {}, el('span', { class: 'polarity ' + c.polarity.toLowerCase() }, c.polarity)),
    el('td', {}, c.caseId, el('br'), el('small', { class: 'muted' }, c.agentId + ' · ' + c.createdAt)),
    el('td', {}, el('div', {}, c.task), c.plan ? el('div', { class: 'muted' }, 'plan: ' + c.plan) : '',
      c.outcome ? el('div', { class: 'muted' }, 'outcome: ' + c.outcome) : ''),
    el('td', {}, c.reward, el('br'), el('small', { class: 'muted' }, 'useful ' + c.timesUseful + '/' + c.timesRecalled)),
    el('td', {}, Number(c.score).toFixed(4)),
    el('td', { class: 'reason' }, c.reason)))
    : [el('tr', {}, el('td', { colspan: 7, class: 'muted' }, 'no case matches'))]));
}

// ---- wiring ------------------------------------------------------------------------------------

document.addEventListener('DOMContentLoaded', () => {
  $('login-form').addEventListener('submit', (e) => { e.preventDefault(); signIn($('api-key').value.trim()); });
  $('logout').addEventListener('click', () => signOut(''));
  $('adapters-refresh').addEventListener('click', loadAdapters);
  $('memory-form').addEventListener('submit', search);
  $('confirm-cancel').addEventListener('click', () => $('confirm').close());
  window.addEventListener('hashchange', () => { if (me) show(location.hash.slice(1)); });
  const saved = sessionStorage.getItem(KEY);
  if (saved) signIn(saved);
});
