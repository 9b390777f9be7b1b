// Search over the same full-text index as `gloss search`: each result shows the passage and
// the note with the matched words marked, and links to the passage in its article.
import { h, fill, marked } from './dom.js';
import { api } from './api.js';
import { who } from './state.js';

export async function renderSearch(view, params) {
  const q = params.get('q') || '', tag = params.get('tag') || '', author = params.get('author') || '';
  const hits = q.trim() ? await api.search(q, tag, author) : [];
  const form = h('form', { class: 'filters', onsubmit: (e) => {
    e.preventDefault();
    const f = new FormData(e.target);
    location.hash = `#/search?${new URLSearchParams({ q: f.get('q'), tag: f.get('tag'), author: f.get('author') })}`;
  } },
    h('input', { type: 'search', name: 'q', value: q, 'aria-label': 'words' }),
    h('input', { type: 'text', name: 'tag', value: tag, placeholder: 'tag' }),
    h('input', { type: 'text', name: 'author', value: author, placeholder: 'author key (hex prefix)' }),
    h('button', { type: 'submit' }, 'Search'));
  fill(view, h('h1', {}, 'Search'), form,
    h('p', { class: 'meta' }, q.trim() ? `${hits.length} result${hits.length === 1 ? '' : 's'}` : 'Type words to find notes and passages.'),
    h('ul', { class: 'results' }, hits.map((x) => h('li', {},
      x.quote ? h('blockquote', {}, marked(x.quote)) : h('div', { class: 'muted' }, 'a reply'),
      h('div', {}, marked(x.comment)), x.tags ? h('div', { class: 'muted' }, marked(x.tags)) : null,
      h('div', { class: 'meta' }, h('bdi', {}, who(x.author)), ' · ', h('a', { href: `#/a/${x.article}?n=${x.replyTo || x.id}` }, 'open in the article'))))));
  view.className = '';
}
