// The console's audit view: operator actions from GET /v1/audit (an operator's or admin's key).
'use strict';

async function loadAudit() {
  const answer = await api('GET', '/v1/audit?limit=' + ($('audit-limit').value || 100));
  const tbody = $('audit').tBodies[0];
  if (!answer.ok) {
    tbody.replaceChildren();
    say('audit-message', problem(answer), 'error');
    return;
  }
  say('audit-message', '', '');
  const entries = answer.json.entries.slice().reverse();  // newest first
  tbody.replaceChildren(...(entries.length ? entries.map((e) => el('tr', { class: 'audit-entry', 'data-action': e.action, 'data-target': e.target },
    el('td', {}, e.time.replace(/\.\d+Z$/, 'Z')), el('td', {}, e.principal + ' (' + e.role + ')'), el('td', {}, e.action),
    el('td', {}, e.target), el('td', {}, e.tenant || ''), el('td', { class: 'reason' }, e.reason), el('td', {}, e.detail)))
    : [el('tr', {}, el('td', { colspan: 7, class: 'muted' }, 'no operator action yet'))]));
}

VIEWS.audit = () => loadAudit();

document.addEventListener('DOMContentLoaded', () => {
  $('audit-refresh').addEventListener('click', loadAudit);
});
