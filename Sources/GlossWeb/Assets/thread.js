// An annotation's thread beside the article: its passage, comment, tags and replies, and what
// the user may do (reply to anything; edit, tag, delete and restore their own or where named
// an editor). Concurrent versions of a comment show side by side, each one click from being
// the one kept; the history shows every change. Drafts survive live refreshes.
import { h, fill, toast, when } from './dom.js';
import { state, who } from './state.js';
import { api, ApiError } from './api.js';

const drafts = new Map();

function draft(key, attrs = {}) {
  const t = h('textarea', { ...attrs, oninput: (e) => drafts.set(key, e.target.value) });
  t.value = drafts.get(key) ?? attrs.value ?? '';
  return t;
}

async function act(work, done) {
  try {
    await work();
    if (done) done();
    await state.refresh();
  } catch (e) {
    toast(e.message, true);
    if (e instanceof ApiError && e.status === 409) await state.refresh();
  }
}

export function openThread(id) {
  state.thread = id;
  renderThread();
}

export function closeThread() {
  state.thread = null;
  document.getElementById('thread').hidden = true;
  document.body.classList.remove('thread-open');
  document.querySelectorAll('mark.current').forEach((m) => m.classList.remove('current'));
}

/** Draws the open thread from the article's data (called again after every refresh). */
export function renderThread() {
  const panel = document.getElementById('thread');
  const a = state.article;
  const x = a && a.annotations.find((y) => y.id === state.thread);
  if (!x) { panel.hidden = true; document.body.classList.remove('thread-open'); return; }
  document.querySelectorAll('mark.current').forEach((m) => m.classList.remove('current'));
  document.querySelectorAll(`mark[data-note="${x.id}"]`).forEach((m) => m.classList.add('current'));
  const byId = new Map(a.annotations.map((y) => [y.id, y]));
  const sel = x.reanchored || x.selector;
  fill(panel,
    h('button', { class: 'close', onclick: closeThread, 'aria-label': 'Close' }, '×'),
    sel ? h('p', { class: 'quote' }, sel.exact) : null,
    entry(x, true),
    h('div', { class: 'replies' }, replies(x, byId, 1)),
    h('div', { class: 'field' }, h('label', {}, 'Reply'), draft(`reply:${x.id}`, { id: 'reply-text' }),
      h('div', { class: 'actions' }, h('button', { class: 'primary', onclick: () => {
        const text = drafts.get(`reply:${x.id}`) || '';
        act(() => api.reply(x.id, text), () => drafts.delete(`reply:${x.id}`));
      } }, 'Reply'))),
    h('details', { class: 'history', ontoggle: (e) => { if (e.target.open) loadHistory(x.id, e.target); } },
      h('summary', {}, 'History'), h('ol', {})));
  panel.hidden = false;
  document.body.classList.add('thread-open');
}

function entry(x, top) {
  if (x.erased) {
    return h('div', { class: 'entry erased', dataset: { annotation: x.id } },
      h('div', { class: 'muted' }, '[erased by ', h('bdi', {}, who(x.erased.by)), ` · ${when(x.erased.at)}]`));
  }
  const versions = x.bodyVersions && x.bodyVersions.length > 1 ? h('div', {},
    h('p', { class: 'conflict' }, `⚠ ${x.bodyVersions.length} concurrent versions of this comment: keep one (it replaces them all).`),
    h('div', { class: 'versions' }, x.bodyVersions.map((v) => h('div', { class: 'version' },
      v.body, h('div', { class: 'muted' }, h('bdi', {}, who(v.author)), ` · ${when(v.time)}`),
      x.mayChange ? h('button', { onclick: () => act(() => api.edit(x.id, v.body, x.bodyHeads)) }, 'Keep this') : null)))) : null;
  const editing = state.editing === x.id;
  return h('div', { class: 'entry' + (x.deleted ? ' deleted' : ''), dataset: { annotation: x.id } },
    h('div', { class: 'muted' }, h('bdi', {}, who(x.author)), ` · ${x.motivation} · ${when(x.modified)}`, x.deleted ? ' · deleted' : ''),
    versions || (editing ? null : h('div', { class: 'body' }, x.body || (top ? '(a highlight, no comment)' : ''))),
    // While editing, the comment as it is now stays in view: if it changes meanwhile (another
    // tab, a peer), the person sees the new words above their draft before saving over them.
    editing && !versions ? h('div', { class: 'now', id: 'edit-current' }, h('div', { class: 'muted' }, 'Now:'), x.body || '(empty)') : null,
    editing ? h('div', {}, draft(`edit:${x.id}`, { value: x.body, id: 'edit-text' }),
      h('div', { class: 'actions' },
        h('button', { class: 'primary', onclick: () => act(() => api.edit(x.id, drafts.get(`edit:${x.id}`) ?? x.body, x.bodyHeads),
          () => { state.editing = null; drafts.delete(`edit:${x.id}`); }) }, 'Save'),
        h('button', { onclick: () => { state.editing = null; renderThread(); } }, 'Cancel'))) : null,
    h('div', {}, x.tags.map((t) => h('span', { class: 'tag' }, '#' + t,
      x.mayChange ? h('button', { class: 'untag', title: 'remove the tag', onclick: () => act(() => api.tags(x.id, [], [t])) }, '×') : null))),
    x.mayChange ? h('div', { class: 'actions' },
      editing ? null : h('button', { onclick: () => { state.editing = x.id; renderThread(); } }, 'Edit'),
      h('input', { type: 'text', placeholder: 'add tags', 'aria-label': 'add tags', size: 10, onkeydown: (e) => {
        if (e.key !== 'Enter') return;
        const add = e.target.value.split(/[\s,]+/).filter(Boolean);
        if (add.length) act(() => api.tags(x.id, add, []));
      } }),
      x.deleted ? h('button', { onclick: () => act(() => api.restore(x.id)) }, 'Restore')
        : h('button', { onclick: () => act(() => api.remove(x.id)) }, 'Delete')) : null);
}

function replies(x, byId, depth) {
  return x.replies.map((rid) => byId.get(rid)).filter(Boolean).map((r) => h('div', { class: 'reply' },
    entry(r, false),
    h('details', {}, h('summary', {}, 'reply'), draft(`reply:${r.id}`),
      h('button', { onclick: () => act(() => api.reply(r.id, drafts.get(`reply:${r.id}`) || ''), () => drafts.delete(`reply:${r.id}`)) }, 'Reply')),
    depth < 8 ? replies(r, byId, depth + 1) : null));
}

async function loadHistory(id, details) {
  try {
    const events = await api.history(id);
    fill(details.querySelector('ol'), events.map((e) => h('li', {},
      `${when(e.time)} · `, h('bdi', {}, who(e.author)), ` · ${e.kind}`,
      e.body !== undefined ? `: ${e.body}` : '',
      e.add ? ` +${e.add.join(' +')}` : '', e.remove && e.remove.length ? ` −${e.remove.join(' −')}` : '',
      e.exact !== undefined ? `: “${e.exact}”` : '')));
  } catch (e) { toast(e.message, true); }
}
