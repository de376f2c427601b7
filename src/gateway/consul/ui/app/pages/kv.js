// Key/Value: browse a folder (?keys&separator=/), create a key, view/edit/delete one key — all
// through /v1/kv — with the etcd view of the same key and the etcd members beside it.
import { useState } from 'preact/hooks';
import { html } from '../html.js';
import { useLive } from '../live.js';
import { Link, esc, navigate } from '../router.js';
import { api, byteLength, decodeValue, kvPath } from '../api.js';
import { Loading, Title } from '../common.js';
import { EtcdKeyView, EtcdMembers } from './etcd-view.js';

/** The folder of a key or folder: 'a/b/c' -> 'a/b/', 'a/b/' -> 'a/', 'a' -> ''. */
function parentOf(key) {
  const trimmed = key.endsWith('/') ? key.slice(0, -1) : key;
  const i = trimmed.lastIndexOf('/');
  return i < 0 ? '' : trimmed.slice(0, i + 1);
}

const folderUrl = (dc, prefix) => `${esc(dc)}/kv/${kvPath(prefix)}`;
const keyUrl = (dc, key) => `${esc(dc)}/kv/${kvPath(key)}/edit`;

function Crumbs({ dc, prefix }) {
  const parts = prefix.split('/').filter((p, i, all) => p !== '' || i < all.length - 1);
  let acc = '';
  return html`<p class="crumbs">
    <${Link} to=${folderUrl(dc, '')}>Key / Value</${Link}> /
    ${parts.map((p) => {
      acc += `${p}/`;
      return html` <${Link} to=${folderUrl(dc, acc)}>${p}</${Link}> /`;
    })}
  </p>`;
}

export function KvFolder({ dc, prefix }) {
  const state = useLive(`/v1/kv/${kvPath(prefix)}?keys&separator=/&dc=${esc(dc)}`);
  const [error, setError] = useState('');
  const keys = (state.data ?? []).filter((k) => k !== prefix);
  const removeFolder = async () => {
    try {
      await api.del(`/v1/kv/${kvPath(prefix)}?recurse&dc=${esc(dc)}`);
      navigate(folderUrl(dc, parentOf(prefix)));
    } catch (err) {
      setError(err.message);
    }
  };
  return html`<section>
    <${Crumbs} dc=${dc} prefix=${parentOf(prefix)} />
    <${Title} sub="Keys of the Consul KV store — the same keys etcd clients read and write">${prefix === '' ? 'Key / Value' : prefix}</${Title}>
    <p class="actions">
      <${Link} class="button primary" data-testid="kv-create" to=${`${folderUrl(dc, prefix)}create`}>Create</${Link}>
      ${prefix !== '' ? html`<button class="danger" data-testid="kv-delete-folder" onClick=${removeFolder}>Delete folder</button>` : null}
    </p>
    ${error ? html`<p class="error" role="alert">${error}</p>` : null}
    <${Loading} state=${state}>
      <table class="list" data-testid="kv-list">
        <thead><tr><th>Key</th><th>Kind</th></tr></thead>
        <tbody>
          ${keys.map((k) => {
            const folder = k.endsWith('/');
            const label = k.slice(prefix.length);
            return html`<tr data-key=${k}>
              <td><${Link} to=${folder ? folderUrl(dc, k) : keyUrl(dc, k)}>${label}</${Link}></td>
              <td class="muted">${folder ? 'folder' : 'key'}</td>
            </tr>`;
          })}
        </tbody>
      </table>
      ${keys.length === 0 ? html`<p class="muted">No keys${prefix ? ` under ${prefix}` : ''}.</p>` : null}
    </${Loading}>
    <${EtcdMembers} compact=${true} />
  </section>`;
}

export function KvCreate({ dc, prefix }) {
  const [name, setName] = useState('');
  const [value, setValue] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const save = async (e) => {
    e.preventDefault();
    if (name === '') {
      setError('A key name is required.');
      return;
    }
    const key = prefix + name;
    setBusy(true);
    try {
      // cas=0: only when the key does not exist yet, so creating never overwrites a value.
      const done = await api.put(`/v1/kv/${kvPath(key)}?cas=0&dc=${esc(dc)}`, key.endsWith('/') ? '' : value);
      if (done !== true) throw new Error(`${key} already exists`);
      navigate(key.endsWith('/') ? folderUrl(dc, key) : keyUrl(dc, key));
    } catch (err) {
      setError(err.message);
      setBusy(false);
    }
  };
  return html`<section>
    <${Crumbs} dc=${dc} prefix=${prefix} />
    <${Title} sub="A name ending in / creates a folder">New key${prefix ? ` in ${prefix}` : ''}</${Title}>
    <form class="editor" onSubmit=${save}>
      <label>Key <span class="prefix">${prefix}</span>
        <input name="key" data-testid="kv-key" value=${name} onInput=${(e) => setName(e.currentTarget.value)} autofocus />
      </label>
      ${name.endsWith('/') ? null : html`<label>Value<textarea name="value" data-testid="kv-value" rows="8" value=${value} onInput=${(e) => setValue(e.currentTarget.value)}></textarea></label>`}
      ${error ? html`<p class="error" role="alert">${error}</p>` : null}
      <p class="actions">
        <button class="primary" type="submit" data-testid="kv-save" disabled=${busy}>Save</button>
        <${Link} class="button" to=${folderUrl(dc, prefix)}>Cancel</${Link}>
      </p>
    </form>
  </section>`;
}

export function KvKey({ dc, keyName }) {
  const state = useLive(`/v1/kv/${kvPath(keyName)}?dc=${esc(dc)}`);
  const entry = state.data ? state.data[0] : state.data;
  const text = entry ? decodeValue(entry.Value) : undefined;
  // While the user edits, the editor keeps their text and the ModifyIndex it started from (the
  // save's cas), so a write made meanwhile by someone else is reported, never overwritten; until
  // then the editor follows the store.
  const [draft, setDraft] = useState(undefined);
  const [editedFrom, setEditedFrom] = useState(0);
  const [error, setError] = useState('');
  const [note, setNote] = useState('');
  const [confirming, setConfirming] = useState(false);
  const current = draft ?? text ?? '';
  const edit = (value) => {
    if (draft === undefined) setEditedFrom(entry.ModifyIndex);
    setDraft(value);
  };
  const changedMeanwhile = draft !== undefined && entry && entry.ModifyIndex !== editedFrom;

  const save = async (e) => {
    e.preventDefault();
    setError('');
    setNote('');
    try {
      // cas=<ModifyIndex>: a write made by someone else since this page loaded is not overwritten.
      const cas = draft === undefined ? entry.ModifyIndex : editedFrom;
      const done = await api.put(`/v1/kv/${kvPath(keyName)}?cas=${cas}&flags=${entry.Flags}&dc=${esc(dc)}`, current);
      if (done !== true) throw new Error('Not saved: the key was changed by someone else since you started editing. Discard your edit to see the new value.');
      setDraft(undefined);
      setNote('Saved.');
    } catch (err) {
      setError(err.message);
    }
  };
  const remove = async () => {
    try {
      const done = await api.del(`/v1/kv/${kvPath(keyName)}?cas=${entry.ModifyIndex}&dc=${esc(dc)}`);
      if (done !== true) throw new Error('The key was changed by someone else since it was loaded: not deleted.');
      navigate(folderUrl(dc, parentOf(keyName)));
    } catch (err) {
      setError(err.message);
      setConfirming(false);
    }
  };

  return html`<section>
    <${Crumbs} dc=${dc} prefix=${parentOf(keyName)} />
    <${Title}>${keyName}</${Title}>
    <${Loading} state=${state}>
      ${entry === null ? html`<p class="error" data-testid="kv-missing">There is no key named ${keyName}.</p>` : null}
      ${entry
        ? html`<div class="two-columns">
            <form class="editor" onSubmit=${save}>
              ${text === undefined
                ? html`<p class="muted">The value is ${byteLength(entry.Value)} bytes that are not UTF-8 text; base64: <code>${entry.Value}</code></p>`
                : html`<label>Value<textarea name="value" data-testid="kv-value" rows="10" value=${current} onInput=${(e) => edit(e.currentTarget.value)}></textarea></label>`}
              ${changedMeanwhile ? html`<p class="error" data-testid="kv-changed">The key was changed in the store since you started editing (ModifyIndex ${editedFrom} → ${entry.ModifyIndex}).</p>` : null}
              ${error ? html`<p class="error" role="alert">${error}</p>` : null}
              ${note ? html`<p class="note" role="status">${note}</p>` : null}
              <p class="actions">
                ${text === undefined ? null : html`<button class="primary" type="submit" data-testid="kv-save">Save</button>`}
                ${draft === undefined ? null : html`<button type="button" data-testid="kv-discard" onClick=${() => { setDraft(undefined); setError(''); }}>Discard edit</button>`}
                ${confirming
                  ? html`<span class="confirm">Delete ${keyName}?
                      <button type="button" class="danger" data-testid="kv-confirm-delete" onClick=${remove}>Confirm delete</button>
                      <button type="button" onClick=${() => setConfirming(false)}>Cancel</button></span>`
                  : html`<button type="button" class="danger" data-testid="kv-delete" onClick=${() => setConfirming(true)}>Delete</button>`}
              </p>
              <dl class="meta" data-testid="kv-consul-meta">
                <dt>CreateIndex</dt><dd data-field="CreateIndex">${entry.CreateIndex}</dd>
                <dt>ModifyIndex</dt><dd data-field="ModifyIndex">${entry.ModifyIndex}</dd>
                <dt>LockIndex</dt><dd data-field="LockIndex">${entry.LockIndex}</dd>
                <dt>Flags</dt><dd data-field="Flags">${entry.Flags}</dd>
                <dt>Session</dt><dd data-field="Session">${entry.Session || '—'}</dd>
              </dl>
            </form>
            <${EtcdKeyView} keyName=${keyName} entry=${entry} />
          </div>`
        : null}
    </${Loading}>
    <${EtcdMembers} compact=${true} />
  </section>`;
}
