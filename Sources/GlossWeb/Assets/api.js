// The JSON API under /api/ (README, gloss web). The session cookie goes with every request;
// the browser adds the Origin header the server checks on changes.

export class ApiError extends Error {
  constructor(status, message) { super(message); this.status = status; }
}

async function call(method, path, body) {
  const init = { method, headers: {}, credentials: 'same-origin' };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const r = await fetch(path, init);
  let data = null;
  try { data = await r.json(); } catch { /* an empty or non-JSON body */ }
  if (!r.ok) throw new ApiError(r.status, (data && data.error) || `${method} ${path}: HTTP ${r.status}`);
  return data;
}

const id = (x) => encodeURIComponent(x);

export const api = {
  me: () => call('GET', '/api/me'),
  articles: () => call('GET', '/api/articles'),
  addArticle: (text, title) => call('POST', '/api/articles', { text, title: title || undefined }),
  article: (a) => call('GET', `/api/articles/${id(a)}`),
  annotate: (body) => call('POST', '/api/annotations', body),
  reply: (a, comment) => call('POST', `/api/annotations/${id(a)}/replies`, { comment }),
  edit: (a, comment, seen) => call('POST', `/api/annotations/${id(a)}/edit`, { comment, seen }),
  tags: (a, add, remove) => call('POST', `/api/annotations/${id(a)}/tags`, { add, remove }),
  remove: (a) => call('POST', `/api/annotations/${id(a)}/delete`),
  restore: (a) => call('POST', `/api/annotations/${id(a)}/restore`),
  reanchor: (a, sel) => call('POST', `/api/annotations/${id(a)}/reanchor`, sel),
  history: (a) => call('GET', `/api/annotations/${id(a)}/history`),
  search: (q, tag, author) => call('GET', `/api/search?${new URLSearchParams({ q, tag: tag || '', author: author || '' })}`),
  peers: () => call('GET', '/api/peers'),
  sync: (address) => call('POST', '/api/sync', { address }),
};
