// Building the page from data. Every string from the ledger (a peer's comment, tag, title,
// article text) goes in as a text node, never as HTML: `h` has no way to insert markup.

/** h('div', {class: 'x', onclick: f}, 'text', child, …): an element; strings become text nodes. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** Replaces an element's children. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** Text with search marks (U+E000 … U+E001 around matched words) as <mark> elements. */
export function marked(text) {
  const out = [];
  for (const [i, part] of text.split(/[\uE000\uE001]/).entries()) {
    if (part) out.push(i % 2 ? h('mark', {}, part) : part);
  }
  return out;
}

let toastTimer;
/** A short message at the bottom of the page. */
export function toast(message, isError = false) {
  const t = document.getElementById('toast');
  t.textContent = message;
  t.className = 'toast' + (isError ? ' error' : '');
  t.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { t.hidden = true; }, isError ? 8000 : 3000);
}

/** "2026-11-28 07:45" from milliseconds. */
export function when(ms) {
  return new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
}
