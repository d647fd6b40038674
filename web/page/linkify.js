// Links in chat text: http and https URLs only, built as <a> elements with DOM calls, so nothing a
// peer writes can become markup or a script URL.

/** A URL written in text; the caller trims a match with trimUrl. */
export const URL_IN_TEXT = /\bhttps?:\/\/[^\s<>"'`]+/i;

const CLOSING = { ')': '(', ']': '[', '}': '{' };
const count = (text, char) => text.split(char).length - 1;

/**
 * A URL matched in text without the punctuation that ends the sentence around it: "see
 * https://x.org/a." links https://x.org/a, "(https://x.org/a)" too, but https://x.org/a_(b) keeps its
 * balanced parenthesis.
 */
export function trimUrl(url) {
  for (;;) {
    const last = url.at(-1);
    if (/[.,;:!?'"*_]/.test(last) || (CLOSING[last] && count(url, CLOSING[last]) < count(url, last))) url = url.slice(0, -1);
    else return url;
  }
}

/** An <a> to `address` showing `text` (the address itself by default), or null unless http(s). */
export function safeLink(address, text = address) {
  let url;
  try {
    url = new URL(address);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  const a = document.createElement('a');
  a.href = url.href;
  a.textContent = text;
  if (text !== address) a.title = url.href;  // [text](url): where it really goes
  a.target = '_blank';
  a.rel = 'noopener noreferrer';
  return a;
}
