// The library: every article with its annotation count and last change, and adding one by
// pasting its text or choosing a file (the same rules as `gloss article add`).
import { h, fill, toast, when } from './dom.js';
import { api } from './api.js';

// The add form survives live redraws (another process adding an article meanwhile).
const form = { open: false, title: '', text: '' };

export async function renderLibrary(view) {
  const articles = await api.articles();
  const title = h('input', { type: 'text', id: 'new-title', placeholder: 'Title (default: the first line)', oninput: (e) => { form.title = e.target.value; } });
  const text = h('textarea', { id: 'new-text', placeholder: 'Paste the article’s text here', oninput: (e) => { form.text = e.target.value; } });
  title.value = form.title;
  text.value = form.text;
  const file = h('input', { type: 'file', accept: 'text/plain,.txt,.md', onchange: async (e) => {
    const f = e.target.files[0];
    if (f) { text.value = await f.text(); form.text = text.value; }
  } });
  const add = async () => {
    try {
      const r = await api.addArticle(text.value, title.value);
      form.open = false; form.title = ''; form.text = '';
      location.hash = `#/a/${r.id}`;
      toast(r.added ? 'Article added.' : 'Already in the ledger.');
    } catch (e) { toast(e.message, true); }
  };
  fill(view,
    h('h1', {}, 'Library'),
    articles.length ? null : h('p', {}, 'No article yet: add one below.'),
    h('ul', { class: 'library' }, articles.map((a) => h('li', {},
      h('a', { href: `#/a/${a.id}` }, a.title || '(untitled)'),
      h('div', { class: 'meta' }, `${a.annotations} annotation${a.annotations === 1 ? '' : 's'} · last change ${when(a.lastChange)}`,
        a.revised ? ' · revised' : '', ` · ${a.source}`)))),
    h('details', { open: form.open, ontoggle: (e) => { form.open = e.target.open; } }, h('summary', {}, 'Add an article'),
      h('div', { class: 'field' }, title), h('div', { class: 'field' }, text), h('div', { class: 'field' }, file),
      h('button', { class: 'primary', id: 'add-article', onclick: add }, 'Add')));
  view.className = '';
}
