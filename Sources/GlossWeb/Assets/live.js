// Live: the server tells open pages when the ledger changed (an event from this page, another
// tab, `gloss sync` in a terminal, a peer syncing with `gloss serve`); the page then reloads
// its data and redraws, keeping drafts and the open thread. The dot in the bar shows whether
// the stream is connected.
import { state } from './state.js';

export function followLedger(onSync) {
  const dot = document.getElementById('live');
  const source = new EventSource('/api/events');
  // One refresh at a time; a change that arrives during one asks for another after it, so
  // nothing is missed. `hello` starts every stream, a reconnection too: catch up then.
  let running = false, again = false;
  async function refresh() {
    if (running) { again = true; return; }
    running = true;
    try {
      do { again = false; await state.refresh(); } while (again);
    } finally { running = false; }
  }
  let connected = false;
  source.addEventListener('open', () => dot.classList.add('on'));
  source.addEventListener('error', () => dot.classList.remove('on'));
  source.addEventListener('hello', () => { if (connected) refresh(); connected = true; });
  // A change the article on screen already shows (the page's own write, drawn at once) is
  // skipped: no second redraw under the person's next selection.
  source.addEventListener('change', (e) => {
    if (state.article && Number(e.data) <= state.article.row) return;
    refresh();
  });
  source.addEventListener('sync', (e) => { if (onSync) onSync(JSON.parse(e.data)); });
  return source;
}
