// The console's key management, for admins: the node's API keys (GET /v1/keys), a new key whose
// secret is shown once (POST /v1/keys), and revoking one after a confirmation (DELETE /v1/keys/{id}).
// Uses console.js's api/el/say.
'use strict';

async function loadKeys() {
  const answer = await api('GET', '/v1/keys');
  const tbody = $('keys').tBodies[0];
  if (!answer.ok) {
    tbody.replaceChildren();
    say('keys-message', problem(answer), 'error');
    return;
  }
  const when = (t) => t ? t.replace(/\.\d+Z$/, 'Z') : el('span', { class: 'muted' }, 'not since the node started');
  tbody.replaceChildren(...answer.json.keys.map((k) => el('tr', { class: 'api-key', 'data-key': k.id, 'data-principal': k.principal },
    el('td', {}, el('code', {}, k.id)),
    el('td', {}, k.principal),
    el('td', {}, k.role),
    el('td', {}, k.tenants.join(', ')),
    el('td', {}, when(k.createdAt), el('br'), el('small', { class: 'muted' }, 'by ' + k.createdBy)),
    el('td', { class: 'last-used' }, when(k.lastUsedAt)),
    el('td', {}, el('button', { type: 'button', class: 'action danger revoke', onclick: () => confirmRevoke(k) }, 'Revoke')))));
}

async function createKey(event) {
  event.preventDefault();
  const tenants = $('key-tenants').value.split(',').map((t) => t.trim()).filter((t) => t);
  const body = { principal: $('key-principal').value.trim(), role: $('key-role').value, tenants: tenants.length ? tenants : ['*'] };
  const answer = await api('POST', '/v1/keys', body);
  if (answer.status !== 201) {
    $('key-secret-box').hidden = true;
    say('keys-message', 'creating a key refused: ' + problem(answer), 'error');
    return;
  }
  const k = answer.json;
  say('keys-message', 'created key ' + k.id + ' for ' + k.principal + ' (' + k.role + '; tenants ' + k.tenants.join(', ') + ')', 'ok');
  // The secret exists only in this answer: shown once, never stored by the page.
  $('key-secret').textContent = k.key;
  $('key-secret-note').textContent = k.note;
  $('key-secret-box').hidden = false;
  $('key-form').reset();
  loadKeys();
}

function confirmRevoke(k) {
  const dialog = $('revoke');
  $('revoke-title').textContent = 'Revoke key ' + k.id + '?';
  $('revoke-text').textContent = k.principal + ' (' + k.role + '; tenants ' + k.tenants.join(', ')
    + ') can no longer call this node with it. This cannot be undone; make a new key instead.';
  dialog.onsubmit = async (event) => {
    event.preventDefault();
    dialog.close();
    const answer = await api('DELETE', '/v1/keys/' + encodeURIComponent(k.id));
    if (answer.ok) say('keys-message', 'revoked key ' + k.id + ' of ' + k.principal, 'ok');
    else say('keys-message', 'revoking ' + k.id + ' refused: ' + problem(answer), 'error');
    loadKeys();
  };
  dialog.showModal();
}

VIEWS.keys = () => { $('key-secret-box').hidden = true; loadKeys(); };

document.addEventListener('DOMContentLoaded', () => {
  $('key-form').addEventListener('submit', createKey);
  $('keys-refresh').addEventListener('click', loadKeys);
  $('revoke-cancel').addEventListener('click', () => $('revoke').close());
  $('key-secret-hide').addEventListener('click', () => { $('key-secret').textContent = ''; $('key-secret-box').hidden = true; });
});
