// Chat text to DOM nodes: plain text nodes, with http(s) URLs turned into links. Built with DOM calls
// only, so nothing a peer writes can become markup.

const URL_IN_TEXT = /\bhttps?:\/\/[^\s<>"']+/gi;
const TRAILING_PUNCTUATION = /[.,;:!?)\]}'"]+$/;  // "see https://x.org/a." ends the sentence, not the URL

/** Appends `text` to `parent` as text nodes and <a> elements that open in a new tab. */
export function appendLinkified(parent, text) {
  let last = 0;
  for (const match of text.matchAll(URL_IN_TEXT)) {
    const candidate = match[0].replace(TRAILING_PUNCTUATION, '');
    const link = safeLink(candidate);
    if (!link) continue;
    parent.append(text.slice(last, match.index), link);
    last = match.index + candidate.length;
  }
  parent.append(text.slice(last));
}

function safeLink(candidate) {
  let url;
  try {
    url = new URL(candidate);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  const a = document.createElement('a');
  a.href = url.href;
  a.textContent = candidate;
  a.target = '_blank';
  a.rel = 'noopener noreferrer';
  return a;
}
