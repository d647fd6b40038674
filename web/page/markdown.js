// A small, safe Markdown subset for chat lines, rendered by building DOM nodes (never innerHTML):
//   **bold** __bold__  *italic* _italic_  `inline code`  ```code blocks```  > quotes
//   https://links [text](https://links)  @mentions of the room's members
// Anything else, HTML included, stays text. Links are http and https only (linkify.js).

import { safeLink, trimUrl, URL_IN_TEXT } from './linkify.js';

const MAX_DEPTH = 4;  // nesting of quotes and emphasis; deeper stays text

// One inline token, earliest in the text wins; at one position the first alternative wins, so code and
// links are atomic (no emphasis inside `a*b*` or https://x.org/*y*).
const INLINE = new RegExp([
  /(`+)([^`][\s\S]*?)\1(?!`)/.source,                        // 1, 2: inline code
  /\[([^\]\n]+)\]\((https?:\/\/[^\s()<>]+)\)/.source,        // 3, 4: [text](url)
  `(${URL_IN_TEXT.source})`,                                 // 5: a bare URL
  /\*\*(?=\S)([\s\S]*?\S)\*\*/.source,                       // 6: **bold**
  /(?<!\w)__(?=\S)([\s\S]*?\S)__(?!\w)/.source,              // 7: __bold__
  /\*(?=[^\s*])([\s\S]*?[^\s*])\*/.source,                   // 8: *italic*
  /(?<!\w)_(?=[^\s_])([\s\S]*?[^\s_])_(?!\w)/.source,        // 9: _italic_
].join('|'), 'i');

const escapeRegExp = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Appends `text` rendered to `parent`. options.nicks: the members' nicknames (for @mentions);
 * options.self: ours. Returns true when the text mentions us.
 */
export function renderMarkdown(parent, text, { nicks = [], self = '' } = {}) {
  const names = [...new Set(nicks)].filter(Boolean).sort((a, b) => b.length - a.length);
  const context = {
    mention: names.length ? new RegExp(`(?<![\\w@])@(${names.map(escapeRegExp).join('|')})(?![\\w])`, 'giu') : null,
    self: self.toLowerCase(),
    mentioned: false,
  };
  blocks(parent, text, 0, context);
  return context.mentioned;
}

/**
 * What `text` says without its Markdown: the words renderMarkdown would show, as a plain string
 * ("**bold** [docs](https://x.org)" is "bold docs"), on one line with its spaces collapsed and cut to
 * `max` characters (an ellipsis then ends it). For a reply's quote and the "Replying to" bar, which
 * show a line's words as text, never as elements.
 */
export function plainSnippet(text, max) {
  const scratch = document.createElement('span');  // never in the page: only its text is kept
  blocks(scratch, text, 0, { mention: null, self: '', mentioned: false });
  for (const block of scratch.querySelectorAll('blockquote, pre')) {  // a block starts and ends words
    block.before(' ');
    block.after(' ');
  }
  const words = characters(scratch.textContent.replace(/\s+/g, ' ').trim());
  return words.length > max ? `${words.slice(0, max).join('')}…` : words.join('');
}

// What a person sees as characters (grapheme clusters: a flag, a family emoji, a letter and its accents
// are one), so that a cut never splits one; by code point where Intl.Segmenter is missing.
const graphemes = typeof Intl.Segmenter === 'function' ? new Intl.Segmenter(undefined, { granularity: 'grapheme' }) : null;
function characters(text) {
  return graphemes ? Array.from(graphemes.segment(text), (part) => part.segment) : [...text];
}

// Code fences and quotes; everything else is inline text with its line breaks kept.
function blocks(parent, text, depth, context) {
  const lines = text.split('\n');
  let plain = [];
  const flush = () => {
    if (plain.length) inline(parent, plain.join('\n'), depth, context);
    plain = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (/^```/.test(line) && depth < MAX_DEPTH) {
      const end = lines.findIndex((other, j) => j > i && /^```\s*$/.test(other));
      if (end === -1) { plain.push(line); continue; }  // an unclosed fence is text
      flush();
      const pre = document.createElement('pre');
      const code = document.createElement('code');
      code.textContent = lines.slice(i + 1, end).join('\n');
      pre.append(code);
      parent.append(pre);
      i = end;
    } else if (/^>/.test(line) && depth < MAX_DEPTH) {
      flush();
      const quoted = [];
      while (i < lines.length && /^>/.test(lines[i])) quoted.push(lines[i++].replace(/^> ?/, ''));
      i--;
      const quote = document.createElement('blockquote');
      blocks(quote, quoted.join('\n'), depth + 1, context);
      parent.append(quote);
    } else {
      plain.push(line);
    }
  }
  flush();
}

function inline(parent, text, depth, context) {
  while (text) {
    const match = depth < MAX_DEPTH ? INLINE.exec(text) : null;
    if (!match) return mentions(parent, text, context);
    mentions(parent, text.slice(0, match.index), context);
    let consumed = match[0].length;
    const [, , code, linkText, linkUrl, bare, bold1, bold2, italic1, italic2] = match;
    if (code !== undefined) {
      const element = document.createElement('code');
      element.textContent = code;
      parent.append(element);
    } else if (linkText !== undefined) {
      parent.append(safeLink(linkUrl, linkText) ?? match[0]);
    } else if (bare !== undefined) {
      const address = trimUrl(bare);
      consumed = address.length;
      parent.append(safeLink(address) ?? address);
    } else {
      const element = document.createElement(bold1 !== undefined || bold2 !== undefined ? 'strong' : 'em');
      inline(element, bold1 ?? bold2 ?? italic1 ?? italic2, depth + 1, context);
      parent.append(element);
    }
    text = text.slice(match.index + consumed);
  }
}

// Plain text, with @nickname of a member marked (and noted when it is us).
function mentions(parent, text, context) {
  if (!context.mention || !text.includes('@')) return parent.append(text);
  let last = 0;
  for (const match of text.matchAll(context.mention)) {
    const span = document.createElement('span');
    const self = match[1].toLowerCase() === context.self;
    span.className = self ? 'mention mention-self' : 'mention';
    span.textContent = match[0];
    parent.append(text.slice(last, match.index), span);
    last = match.index + match[0].length;
    context.mentioned ||= self;
  }
  parent.append(text.slice(last));
}
