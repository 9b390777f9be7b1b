// The app's entry: routes by the URL's fragment (#/ library, #/a/ID an article, #/search?q=…,
// #/sync) and keeps the view in step with the ledger.
import { toast } from './dom.js';
import { api } from './api.js';
import { state } from './state.js';
import { renderLibrary } from './library.js';
import { renderArticle } from './reader.js';
import { renderThread, openThread, closeThread } from './thread.js';
import { renderSearch } from './search.js';
import { renderSync, syncProgress } from './sync.js';
import { watchSelections, hidePopover } from './popover.js';
import { followLedger } from './live.js';

const view = document.getElementById('view');

function route() {
  const [path, query] = location.hash.replace(/^#/, '').split('?');
  return { path: path || '/', params: new URLSearchParams(query || '') };
}

// The thread a link asked for (#/a/ID?n=NOTE), opened by whichever draw first shows the article.
let wanted = route().params.get('n');

/** Draws the current route; `live` keeps the scroll position and the open thread. */
async function draw(live = false) {
  const { path, params } = route();
  const y = window.scrollY;
  try {
    if (path.startsWith('/a/')) {
      const id = path.slice(3);
      const article = await api.article(id);
      if (route().path !== path) return;   // navigated away meanwhile
      renderArticle(view, article);
      if (wanted && article.annotations.some((x) => x.id === wanted)) { openThread(wanted); wanted = null; }
      else renderThread();
    } else {
      state.article = null;
      closeThread();
      if (path === '/search') await renderSearch(view, params);
      else if (path === '/sync') await renderSync(view);
      else await renderLibrary(view);
    }
    if (live) window.scrollTo(0, y);
  } catch (e) {
    toast(e.message, true);
  }
}

// Never redraw under someone typing (in the popover, a reply, an edit) or selecting text in
// the article: the redraw waits until the field loses focus or the selection goes, so the
// caret, the words and the selection stay where they are.
let deferred = false;
function typing() {
  const a = document.activeElement;
  const sel = window.getSelection();
  const article = document.getElementById('article');
  return !document.getElementById('popover').hidden
    || (a && (a.tagName === 'TEXTAREA' || a.tagName === 'INPUT') && a.closest('#thread, #popover, #view'))
    || (sel && !sel.isCollapsed && article && article.contains(sel.anchorNode));
}
state.refresh = () => {
  // The sync page shows no ledger data but its own summary: a live redraw would wipe it.
  if (route().path === '/sync') return Promise.resolve();
  if (typing()) { deferred = true; return Promise.resolve(); }
  return draw(true);
};
function catchUp() {
  if (!deferred) return;
  setTimeout(() => { if (deferred && !typing()) { deferred = false; state.refresh(); } }, 0);
}
document.addEventListener('focusout', catchUp);
document.addEventListener('selectionchange', catchUp);

async function start() {
  try {
    const me = await api.me();
    state.me = me.me; state.names = me.names;
  } catch (e) { toast(e.message, true); }
  document.getElementById('search-form').addEventListener('submit', (e) => {
    e.preventDefault();
    location.hash = `#/search?${new URLSearchParams({ q: document.getElementById('search-q').value })}`;
  });
  window.addEventListener('hashchange', () => { hidePopover(); wanted = route().params.get('n'); draw(); });
  watchSelections();
  followLedger(syncProgress);
  await draw();
}

start();
