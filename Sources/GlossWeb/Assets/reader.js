// The reading page: the article as the HTML export shows it (highlights, numbered notes in the
// margin on a wide screen and under the paragraph on a phone, orphans at the end), built from
// GET /api/articles/ID. Offsets are code points of the article's current text.
import { h, fill, toast } from './dom.js';
import { state, who } from './state.js';
import { api } from './api.js';
import { openThread } from './thread.js';

export function renderArticle(view, a) {
  state.article = a;
  const byId = new Map(a.annotations.map((x) => [x.id, x]));
  const cps = Array.from(a.text);
  const slice = (lo, hi) => cps.slice(lo, hi).join('');
  const article = h('article', { id: 'article', dataset: { id: a.id } });
  for (const [lo, hi] of a.paragraphs) {
    const cuts = new Set([lo, hi]);
    for (const n of a.notes) {
      if (n.start < hi && n.end > lo) { cuts.add(Math.max(lo, n.start)); cuts.add(Math.min(hi, n.end)); }
    }
    const sorted = [...cuts].sort((x, y) => x - y);
    const p = h('p', { dataset: { start: lo, end: hi } });
    for (let i = 0; i + 1 < sorted.length; i++) {
      const s = sorted[i], e = sorted[i + 1];
      const covering = a.notes.filter((n) => n.start <= s && n.end >= e);
      if (covering.length === 0) {
        p.append(h('span', { dataset: { start: s, end: e } }, slice(s, e)));
      } else {
        const innermost = covering.reduce((x, y) => (y.end - y.start < x.end - x.start ? y : x));
        p.append(h('mark', {
          class: 'd' + Math.min(covering.length, 3), dataset: { start: s, end: e, note: innermost.id },
          title: 'note ' + covering.map((n) => n.number).join(', '),
          onclick: () => openThread(innermost.id),
        }, slice(s, e)));
      }
      for (const n of a.notes.filter((n) => n.end === e && covering.includes(n))) {
        p.append(h('sup', { class: 'n', onclick: () => openThread(n.id) }, String(n.number)));
      }
    }
    const starting = a.notes.filter((n) => n.start >= lo && n.start < hi);
    const notes = starting.length ? h('ol', { class: 'notes' }, starting.map((n) => {
      const x = byId.get(n.id);
      return h('li', { value: n.number, onclick: () => openThread(n.id) },
        h('span', { class: 'peer' }, x.body ? Array.from(x.body).slice(0, 140).join('') : '(highlight)'),
        h('span', { class: 'muted' }, ' — ', h('bdi', {}, who(x.author))));
    })) : null;
    article.append(h('section', { class: 'para' }, p, notes));
  }
  const header = h('header', {},
    h('h1', {}, a.title),
    h('p', { class: 'meta' }, `${a.notes.length} highlight${a.notes.length === 1 ? '' : 's'} · article ${a.id.slice(0, 12)}`,
      a.revised ? ' · revised text' : '', ' · select text to annotate it'),
    a.losingRevisions.length ? h('p', { class: 'conflict' },
      '⚠ Concurrent revisions: this is the text that wins; ',
      a.losingRevisions.map((r) => `${who(r.author)}’s (event ${r.event.slice(0, 12)})`).join(', '),
      ' lost and is kept. Print one with gloss article show ', a.id.slice(0, 12), ' --revision EVENT.') : null);
  fill(view, header, article, orphans(a, byId), erased(a));
  view.className = 'reading';
}

/** Erased annotations (MERGE.md §19): their text is gone; the replies others made stay. */
function erased(a) {
  const gone = a.annotations.filter((x) => x.erased && !x.replyTo);
  if (!gone.length) return null;
  return h('section', { class: 'erased-list' },
    h('h2', {}, `${gone.length} erased annotation${gone.length === 1 ? '' : 's'}`),
    h('ul', {}, gone.map((x) => h('li', { dataset: { erased: x.id } },
      '[erased by ', h('bdi', {}, who(x.erased.by)), '] ',
      x.replies.length ? `${x.replies.length} repl${x.replies.length === 1 ? 'y' : 'ies'} kept ` : '',
      h('a', { href: '#', onclick: (e) => { e.preventDefault(); openThread(x.id); } }, 'open')))));
}

function orphans(a, byId) {
  if (!a.orphans.length) return null;
  return h('section', { class: 'orphans' },
    h('h2', {}, `${a.orphans.length} orphaned annotation${a.orphans.length === 1 ? '' : 's'}`),
    h('p', {}, 'Their passage is gone from the revised text. Re-attach one by selecting its new passage.'),
    h('ul', {}, a.orphans.map((o) => {
      const x = byId.get(o.id);
      const quote = (x.reanchored || x.selector || {}).exact || '';
      return h('li', { dataset: { orphan: o.id } },
        h('q', {}, quote), ' ', h('span', { class: 'peer' }, x.body), h('span', { class: 'muted' }, ' — ', h('bdi', {}, who(x.author))), ' ',
        x.mayChange ? h('button', { onclick: () => { state.reattach = o.id; toast('Select the new passage, then press “Attach here”.'); } }, 'Re-attach…') : null,
        o.suggestion ? h('div', { class: 'muted' }, 'suggested: ', h('q', {}, o.suggestion.exact), ` (words ${o.suggestion.alikePercent}% alike) `,
          x.mayChange ? h('button', { onclick: () => attach(o.id, o.suggestion) }, 'Attach there') : null) : null,
        ' ', h('a', { href: '#', onclick: (e) => { e.preventDefault(); openThread(o.id); } }, 'open'));
    })));
}

async function attach(id, s) {
  try {
    await api.reanchor(id, { start: s.start, end: s.end, exact: s.exact });
    toast('Re-attached.');
  } catch (e) { toast(e.message, true); }
}
