// A selection in the article as the server counts it: code points of the article's text.
// Browsers count UTF-16 units (an emoji is two); the page's text nodes each sit in an element
// carrying the code-point offset where they start (data-start), so counting code points in
// the part of a node before the boundary gives the offset. The server checks the result
// against the text exactly as `gloss annotate --start --end` does.

/** Code points in a string (its UTF-16 length would count an emoji twice). */
export function codePoints(s) { let n = 0; for (const _ of s) n++; return n; }

/** The code-point offset of a DOM boundary (node, offset) inside the article, or null. */
export function offsetOf(node, offset, root) {
  if (!root.contains(node)) return null;
  // Inside a piece of text (a span or mark holding only text): count the code points from
  // the piece's start to the boundary, whatever text nodes the browser split it into.
  const el = node.nodeType === Node.TEXT_NODE ? node.parentElement : node;
  // A note's number is not article text: a boundary on it is the end of the text before it.
  const sup = el.closest('sup');
  if (sup && root.contains(sup)) {
    let prev = sup.previousElementSibling;
    while (prev && prev.tagName === 'SUP') prev = prev.previousElementSibling;
    if (prev && prev.dataset.end !== undefined) return Number(prev.dataset.end);
    const p = sup.closest('[data-start]');
    return p ? Number(p.dataset.start) : null;
  }
  const piece = el.closest('span[data-start], mark[data-start]');
  if (piece && root.contains(piece)) {
    const r = document.createRange();
    r.setStart(piece, 0);
    r.setEnd(node, offset);
    return Number(piece.dataset.start) + codePoints(r.toString());
  }
  // A paragraph's boundary: before its child `offset`, or at its end.
  if (offset < el.childNodes.length) {
    const child = el.childNodes[offset];
    const start = child.nodeType === Node.ELEMENT_NODE ? child.closest('[data-start]') || child.querySelector('[data-start]') : null;
    if (start) return Number(start.dataset.start);
  }
  const holder = el.closest('[data-end]') || el.querySelector('[data-end]');
  return holder ? Number(holder.dataset.end) : null;
}

/** The current selection in `root` as {start, end, exact}, or null when there is none. */
export function currentSelection(root, text) {
  const sel = window.getSelection();
  if (!sel || sel.rangeCount === 0 || sel.isCollapsed) return null;
  const r = sel.getRangeAt(0);
  let start = offsetOf(r.startContainer, r.startOffset, root);
  let end = offsetOf(r.endContainer, r.endOffset, root);
  if (start === null || end === null) return null;
  if (end < start) [start, end] = [end, start];
  const cps = Array.from(text);
  // Leave out white space at the edges, as a reader means the words.
  while (start < end && /\s/.test(cps[start])) start++;
  while (end > start && /\s/.test(cps[end - 1])) end--;
  if (start === end) return null;
  // The W3C TextQuoteSelector's context as the page sees it; the server checks it.
  return {
    start, end, exact: cps.slice(start, end).join(''),
    prefix: cps.slice(Math.max(0, start - 32), start).join(''), suffix: cps.slice(end, end + 32).join(''),
    rect: r.getBoundingClientRect(),
  };
}
