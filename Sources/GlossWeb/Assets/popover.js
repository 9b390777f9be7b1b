// Select text in the article (mouse, keyboard or touch) and a small popover offers to
// highlight it or comment on it with tags; while re-attaching an orphan, to attach it there.
import { h, fill, toast } from './dom.js';
import { state } from './state.js';
import { api } from './api.js';
import { currentSelection } from './selection.js';

const pop = () => document.getElementById('popover');

export function hidePopover() { pop().hidden = true; }

function place(el, rect) {
  el.style.left = `${Math.max(8, window.scrollX + rect.left)}px`;
  el.style.top = `${window.scrollY + rect.bottom + 6}px`;
}

async function save(sel, comment, tags) {
  try {
    const body = { article: state.article.id, start: sel.start, end: sel.end, exact: sel.exact, prefix: sel.prefix, suffix: sel.suffix };
    if (comment && comment.trim()) body.comment = comment;
    const t = (tags || '').split(/[\s,]+/).filter(Boolean);
    if (t.length) body.tags = t;
    await api.annotate(body);
    window.getSelection().removeAllRanges();
    hidePopover();
    toast(body.comment ? 'Comment saved.' : 'Highlighted.');
    await state.refresh();
  } catch (e) { toast(e.message, true); }
}

function show(sel) {
  const el = pop();
  if (state.reattach) {
    const id = state.reattach;
    fill(el, h('div', {}, 'Attach the orphan here?'), h('div', { class: 'row' },
      h('button', { class: 'primary', onclick: async () => {
        try {
          await api.reanchor(id, { start: sel.start, end: sel.end, exact: sel.exact, prefix: sel.prefix, suffix: sel.suffix });
          state.reattach = null; window.getSelection().removeAllRanges(); hidePopover(); toast('Re-attached.'); await state.refresh();
        } catch (e) { toast(e.message, true); }
      } }, 'Attach here'),
      h('button', { onclick: () => { state.reattach = null; hidePopover(); } }, 'Cancel')));
  } else {
    const comment = h('textarea', { id: 'new-comment', placeholder: 'Comment (optional)' });
    const tags = h('input', { type: 'text', id: 'new-tags', placeholder: 'tags, separated by spaces' });
    const form = h('div', { hidden: true }, comment, tags, h('div', { class: 'row' },
      h('button', { class: 'primary', id: 'save-comment', onclick: () => save(sel, comment.value, tags.value) }, 'Save')));
    fill(el, h('div', { class: 'row' },
      h('button', { class: 'primary', id: 'highlight', onclick: () => save(sel, '', '') }, 'Highlight'),
      h('button', { id: 'comment', onclick: () => { form.hidden = false; comment.focus(); } }, 'Comment…')), form);
  }
  place(el, sel.rect);
  el.hidden = false;
}

/** Watches selections in the article. */
export function watchSelections() {
  let timer;
  const check = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      const root = document.getElementById('article');
      if (!root || !state.article) return;
      if (pop().contains(document.activeElement)) return;
      const sel = currentSelection(root, state.article.text);
      if (sel) show(sel); else hidePopover();
    }, 150);
  };
  document.addEventListener('selectionchange', check);
  document.addEventListener('keydown', (e) => { if (e.key === 'Escape') hidePopover(); });
}
