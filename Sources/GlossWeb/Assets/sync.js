// Sync: the peers on the allow-list, and "sync now" with a peer's address, showing progress
// while it runs and the summary at the end (as `gloss sync` prints it).
import { h, fill, toast } from './dom.js';
import { api } from './api.js';
import { who } from './state.js';

let progressLine = null;

export function syncProgress(p) {
  if (progressLine) progressLine.textContent = `↑ ${p.sent} ↓ ${p.received} events, ${Math.round((p.bytesIn + p.bytesOut) / 1024)} KiB`;
}

export async function renderSync(view) {
  const peers = await api.peers();
  const address = h('input', { type: 'text', id: 'sync-address', placeholder: 'HOST:PORT of a peer running gloss serve' });
  const result = h('div', { id: 'sync-result', class: 'meta' });
  progressLine = h('div', { class: 'meta' });
  // The result goes to whichever sync page is shown when the answer comes.
  const shown = () => document.getElementById('sync-result') || result;
  const run = async () => {
    fill(shown(), 'Syncing…');
    try {
      const s = await api.sync(address.value.trim());
      fill(shown(), `Synced with `, h('bdi', {}, who(s.peer)), ` in ${(s.milliseconds / 1000).toFixed(2)} s: sent ${s.sent}, received ${s.received} (${s.stored} new, ${s.alreadyHere} already here). Snapshot ${s.snapshot}.`,
        s.forksRecorded.length ? h('p', { class: 'conflict' }, `⚠ ${s.forksRecorded.length} fork${s.forksRecorded.length === 1 ? '' : 's'} found and recorded as evidence: an author wrote two different events at one seq; their further events are refused. gloss verify shows the evidence.`, h('ul', {}, s.forksRecorded.map((f) => h('li', {}, f)))) : null,
        s.quarantined.length ? h('p', { class: 'conflict' }, `⚠ ${s.quarantined.length} stored event${s.quarantined.length === 1 ? '' : 's'} no longer match what was verified and were not sent: run gloss verify.`) : null,
        s.disagreements.length ? h('ul', {}, s.disagreements.map((d) => h('li', {}, 'disagreement: ', d))) : null);
    } catch (e) { fill(shown(), ''); toast(e.message, true); }
  };
  fill(view, h('h1', {}, 'Sync'),
    h('h2', {}, 'Peers on the allow-list'),
    peers.peers.length ? h('ul', {}, peers.peers.map((p) => h('li', {}, p.name || '(no name)', ' ', h('code', {}, p.key)))) : h('p', {}, 'None yet: gloss peer allow KEY --name NAME adds one.'),
    peers.serving ? h('p', { class: 'meta' }, `This process also accepts peers at ${peers.serving}.`) : null,
    h('h2', {}, 'Sync now'), h('div', { class: 'field' }, address),
    h('button', { class: 'primary', id: 'sync-now', onclick: run }, 'Sync now'), progressLine, result);
  view.className = '';
}
