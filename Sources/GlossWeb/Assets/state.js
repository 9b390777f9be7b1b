// What the page knows: who the user is, the names on the allow-list, the article open.
export const state = { me: '', names: {}, article: null, thread: null, reattach: null };

/** A person, as the CLI names them: "you", the allow-list's name, or the key's first digits. */
export function who(key) {
  if (key === state.me) return 'you';
  const name = state.names[key];
  return name ? `${name} (${key.slice(0, 8)})` : key.slice(0, 8);
}
