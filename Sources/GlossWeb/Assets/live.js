// Live: the server tells open pages when the ledger changed (an event from this page, another
// tab, `gloss sync` in a terminal, a peer syncing with `gloss serve`); the page then reloads
// its data and redraws, keeping drafts and the open thread. The dot in the bar shows whether
// the stream is connected.
import { state } from './state.js';

export function followLedger(onSync) {
  const dot = document.getElementById('live');
  const source = new EventSource('/api/events');
  let pending = false;
  source.addEventListener('open', () => dot.classList.add('on'));
  source.addEventListener('error', () => dot.classList.remove('on'));
  source.addEventListener('change', async () => {
    if (pending) return;
    pending = true;
    try { await state.refresh(); } finally { pending = false; }
  });
  source.addEventListener('sync', (e) => { if (onSync) onSync(JSON.parse(e.data)); });
  return source;
}
