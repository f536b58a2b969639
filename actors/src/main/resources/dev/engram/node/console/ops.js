// The console's views of the stream's side: dead letters (GET /v1/dead-letters) and training jobs
// (GET /v1/training/jobs, live from the "training" events of GET /v1/events). Uses console.js's
// api/el/say and plot.js's linePlot.
'use strict';

// ---- dead letters ------------------------------------------------------------------------------

let letters = [];

async function loadDeadLetters(event) {
  if (event) event.preventDefault();
  const query = new URLSearchParams();
  if ($('dead-tenant').value.trim()) query.set('tenant', $('dead-tenant').value.trim());
  if ($('dead-reason').value.trim()) query.set('reason', $('dead-reason').value.trim());
  query.set('limit', $('dead-limit').value || '50');
  say('dead-message', 'reading engram.dead-letters…', 'muted');
  const answer = await api('GET', '/v1/dead-letters?' + query);
  const tbody = $('dead-letters').tBodies[0];
  if (!answer.ok) {
    tbody.replaceChildren();
    say('dead-message', problem(answer), 'error');
    return;
  }
  const page = answer.json;
  letters = page.deadLetters;
  say('dead-message', '', '');
  $('dead-summary').textContent = letters.length + ' shown · ' + page.scanned + ' newest of ' + page.total
      + ' on the topic scanned' + (page.unreadable ? ' · ' + page.unreadable + ' unreadable' : '');
  fillTenants(letters.map((l) => l.tenant).filter((t) => t));
  tbody.replaceChildren(...(letters.length ? letters.map((l, i) => el('tr', { class: 'dead-letter', 'data-offset': l.offset },
    el('td', {}, l.failedAt.replace(/\.\d+Z$/, 'Z')),
    el('td', {}, l.tenant || el('span', { class: 'muted' }, 'unknown')),
    el('td', { class: 'reason' }, l.reason),
    el('td', {}, l.sourceTopic + '-' + l.sourcePartition + '@' + l.sourceOffset),
    el('td', {}, l.partition + '@' + l.offset),
    el('td', {}, l.payloadBytes + ' B'),
    el('td', {}, el('button', { type: 'button', class: 'view-payload', onclick: () => showLetter(i) }, 'Payload'))))
    : [el('tr', {}, el('td', { colspan: 7, class: 'muted' }, 'no dead letter matches'))]));
  $('dead-payload-box').hidden = true;
}

function showLetter(i) {
  const l = letters[i];
  let text = l.payload;
  if (l.payloadEncoding === 'utf-8') {
    try { text = JSON.stringify(JSON.parse(l.payload), null, 2); } catch (e) { /* not JSON: as it is */ }
  }
  $('dead-payload-title').textContent = l.sourceTopic + '-' + l.sourcePartition + '@' + l.sourceOffset
      + ' (key ' + (l.key == null ? 'none' : l.key) + ', ' + l.payloadBytes + ' bytes, ' + l.payloadEncoding
      + (l.payloadCut ? ', first part only' : '') + ')';
  $('dead-payload-reason').textContent = l.reason;
  $('dead-payload').textContent = text;
  $('dead-payload-box').hidden = false;
  document.querySelectorAll('tr.dead-letter').forEach((r, j) => r.classList.toggle('selected', j === i));
}

// ---- training ----------------------------------------------------------------------------------

let jobs = [];
let selectedJob = null;   // the job id whose curve is drawn
let selectedCurve = null; // its view with the curve

function renderJobs(list) {
  jobs = list;
  const counts = { QUEUED: 0, RUNNING: 0, DONE: 0, FAILED: 0 };
  jobs.forEach((j) => { counts[j.state]++; });
  Object.entries(counts).forEach(([s, n]) => { $('jobs-' + s.toLowerCase()).textContent = n; });
  fillTenants(jobs.map((j) => j.tenant));
  $('jobs').tBodies[0].replaceChildren(...(jobs.length ? jobs.map((j) => el('tr', {
    class: 'job' + (j.jobId === selectedJob ? ' selected' : ''), 'data-job': j.jobId, 'data-state': j.state,
    onclick: () => selectJob(j.jobId) },
    el('td', {}, j.jobId),
    el('td', {}, j.tenant),
    el('td', {}, (j.adapterName || '?') + (j.targetVersion ? ' v' + j.targetVersion : '')
      + (j.baseVersion ? ' ← v' + j.baseVersion : '') + (j.kind === 'agent-model' ? ' (agent model)' : '')),
    el('td', {}, el('span', { class: 'state ' + j.state.toLowerCase() }, j.state), j.attempt > 1 ? ' (attempt ' + j.attempt + ')' : ''),
    el('td', {}, j.phase || ''),
    el('td', {}, el('progress', { max: 1, value: j.fraction }), ' ', j.totalSteps ? j.step + '/' + j.totalSteps : ''),
    el('td', {}, j.loss == null ? '' : j.loss.toFixed(4)),
    el('td', {}, j.etaSeconds == null || j.state !== 'RUNNING' ? '' : Math.round(j.etaSeconds) + ' s'),
    el('td', {}, (j.examples ?? '?') + ' / ' + (j.heldOut ?? '?')),
    el('td', { class: 'reason' }, j.detail)))
    : [el('tr', {}, el('td', { colspan: 10, class: 'muted' }, 'no training jobs yet: a tenant gets one after enough judged feedback'))]));
  if (!selectedJob) {
    const first = jobs.find((j) => j.state === 'RUNNING') || jobs.find((j) => j.state === 'DONE');
    if (first) selectJob(first.jobId);
  } else {
    const live = jobs.find((j) => j.jobId === selectedJob);
    if (live && live.state === 'RUNNING' && live.lossCurve.length) drawCurve(live);
    else if (live && selectedCurve && live.state !== selectedCurve.state) selectJob(selectedJob);
  }
}

async function selectJob(jobId) {
  selectedJob = jobId;
  document.querySelectorAll('tr.job').forEach((r) => r.classList.toggle('selected', r.dataset.job === jobId));
  const answer = await api('GET', '/v1/training/jobs/' + encodeURIComponent(jobId));
  if (answer.ok && selectedJob === jobId) drawCurve(answer.json);
}

function drawCurve(job) {
  selectedCurve = job;
  $('job-curve-title').textContent = 'Loss of ' + job.jobId + ' · ' + job.state
      + (job.totalSteps ? ' · step ' + job.step + ' of ' + job.totalSteps : '');
  const box = $('job-curve');
  box.dataset.job = job.jobId;
  box.dataset.points = job.lossCurve.length;
  linePlot(box, [{ name: 'training loss', points: job.lossCurve.map((p) => [p.step, p.loss]) }],
    { xLabel: 'optimizer step', yLabel: 'loss', xFormat: (x) => String(Math.round(x)), yFormat: (y) => y.toFixed(2) });
}

async function loadJobs() {
  const answer = await api('GET', '/v1/training/jobs?limit=50');
  if (!answer.ok) { say('jobs-message', problem(answer), 'error'); return; }
  renderJobs(answer.json.jobs);
}

VIEWS['dead-letters'] = () => loadDeadLetters();
VIEWS.training = () => loadJobs();
LIVE.training = (t) => {
  const n = (state) => t.jobs.filter((j) => j.state === state).length;
  $('overview-jobs').textContent = n('RUNNING') + ' running';
  $('overview-jobs-detail').textContent = n('QUEUED') + ' queued, ' + n('DONE') + ' done, ' + n('FAILED')
      + ' failed (newest ' + t.jobs.length + ')';
  if (!$('view-training').hidden) renderJobs(t.jobs);
};

document.addEventListener('DOMContentLoaded', () => {
  $('dead-form').addEventListener('submit', loadDeadLetters);
});
