// The page's files: pick, drop or paste them (several at once); each file entry shows as a card in
// its line: a thumbnail for an image (PNG, JPEG, GIF or WebP, recognised by its first bytes, never
// by its name or announced type) that opens full size on click, else a download link with name,
// size and type; a progress bar with speed and time left, and a cancel button, while it moves.
// Nothing received is ever shown as HTML or SVG: other files download as application/octet-stream.

import { formatBytes } from '../files/file-share.js';

const STYLE = `
.file-card { display: grid; gap: .25rem; margin-top: .25rem; max-width: 28rem; }
.file-card .file-thumb { max-width: 16rem; max-height: 12rem; border-radius: .4rem; cursor: zoom-in; display: block; }
.file-card .file-meta { color: var(--muted); font-size: .9em; overflow-wrap: anywhere; }
.file-card progress { width: 100%; }
.file-card .file-status { font-size: .85em; color: var(--muted); }
.file-card .file-status[data-tone="error"] { color: var(--error, #b00020); }
.file-card .file-actions button { font-size: .85em; padding: .1rem .5rem; }
#file-pick { align-self: stretch; }
#conversation.dropping { outline: 3px dashed var(--accent, #36c); outline-offset: -6px; }
#file-viewer { max-width: 95vw; max-height: 95vh; padding: .5rem; }
#file-viewer img { max-width: 90vw; max-height: 85vh; display: block; }
`;

/** The image type its first bytes say, among the four shown inline, or ''. */
export async function sniffImageType(blob) {
  const head = new Uint8Array(await blob.slice(0, 12).arrayBuffer());
  const starts = (...bytes) => bytes.every((b, i) => head[i] === b);
  const ascii = (at, text) => [...text].every((c, i) => head[at + i] === c.charCodeAt(0));
  if (starts(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'image/png';
  if (starts(0xff, 0xd8, 0xff)) return 'image/jpeg';
  if (ascii(0, 'GIF87a') || ascii(0, 'GIF89a')) return 'image/gif';
  if (ascii(0, 'RIFF') && ascii(8, 'WEBP')) return 'image/webp';
  return '';
}

/** "2.1 MB/s · 12 s left" */
function speedText(bytesPerSecond, left) {
  if (!bytesPerSecond) return '';
  const seconds = Math.ceil(left / bytesPerSecond);
  const time = seconds < 90 ? `${seconds} s` : `${Math.round(seconds / 60)} min`;
  return ` · ${formatBytes(Math.round(bytesPerSecond))}/s · ${time} left`;
}

const WHY = {
  'too-large': 'too large for this page',
  'file-too-large': 'too large for this page',
  'hash-mismatch': 'its bytes did not match its hash: discarded',
  'withdrawn': 'cancelled by its sender',
  'cancelled': 'cancelled',
};

// What a member cut off while sending a file did (docs/files.md, "Hostile peers").
const CUT_OFF = {
  'out-of-range': 'sent bytes outside the file (past its end)',
  'hash-mismatch': 'sent bytes that did not match the file’s hash',
  'duplicate-chunk': 'sent the same bytes twice',
  'chunk-gap': 'skipped bytes',
  'oversized-chunk': 'sent pieces larger than allowed',
  'bad-chunk-size': 'sent pieces of the wrong size',
  'over-window': 'sent more than was asked for',
  'unexpected-chunk': 'sent bytes nobody asked for',
  'after-end': 'kept sending bytes after the file was complete',
};

/** "bob sent bytes outside the file (past its end) and was cut off." */
function cutOffText({ nick, reason }) {
  return `${nick || 'The member sending it'} ${CUT_OFF[reason] ?? `broke the file protocol (${reason})`} and was cut off.`;
}

class FileCard {
  #panel;
  #entry;
  #card = document.createElement('div');
  #main = document.createElement('div');
  #progress = document.createElement('progress');
  #status = document.createElement('span');
  #action = document.createElement('button');
  #speed = { at: 0, bytes: 0, rate: 0 };

  constructor(panel, entry, body) {
    this.#panel = panel;
    this.#entry = entry;
    const { name, size, type } = entry.file;
    this.#card.className = 'file-card';
    this.#card.dataset.hash = entry.file.hash;
    const meta = document.createElement('span');
    meta.className = 'file-meta';
    meta.textContent = `${name} · ${formatBytes(size)}${type ? ` · ${type}` : ''}`;
    this.#main.className = 'file-main';
    this.#main.append(meta);
    this.#progress.max = Math.max(size, 1);
    this.#progress.value = 0;
    this.#status.className = 'file-status';
    const actions = document.createElement('span');
    actions.className = 'file-actions';
    this.#action.type = 'button';
    this.#action.className = 'secondary';
    this.#action.hidden = true;
    actions.append(this.#action);
    this.#card.append(this.#main, this.#progress, this.#status, actions);
    body.append(this.#card);
  }

  get element() { return this.#card; }

  #button(label, onClick) {
    this.#action.textContent = label;
    this.#action.onclick = onClick;
    this.#action.hidden = !label;
  }

  #say(text, tone = '') {
    this.#status.textContent = text;
    this.#status.dataset.tone = tone;
  }

  moving(bytes, size, direction) {
    const now = performance.now();
    const speed = this.#speed;
    if (speed.at && now > speed.at && bytes > speed.bytes) {
      const rate = ((bytes - speed.bytes) * 1000) / (now - speed.at);
      speed.rate = speed.rate ? speed.rate * 0.7 + rate * 0.3 : rate;
    }
    if (!speed.at || now - speed.at > 250) Object.assign(speed, { at: now, bytes });
    this.#progress.hidden = false;
    this.#progress.value = bytes;
    const verb = direction === 'up' ? 'Sent' : 'Received';
    this.#say(`${verb} ${formatBytes(bytes)} of ${formatBytes(size)}${speedText(speed.rate, size - bytes)}`);
    this.#button('Cancel', () => this.#panel.cancel(this.#entry.file.hash));
  }

  /** An upload ended (done, or its receiver stopped): the card shows the file alone again. */
  idle() {
    this.#progress.hidden = true;
    this.#say('');
    this.#button('', null);
    this.#speed.at = 0;
  }

  waiting() {
    this.#progress.hidden = true;
    this.#say('');
    this.#button('Download', () => this.#panel.fetch(this.#entry.file.hash));
  }

  async arrived(blob) {
    this.#progress.hidden = true;
    this.#button('', null);
    this.#say('');
    this.#main.querySelector('.file-thumb, .file-link')?.remove();
    const image = await sniffImageType(blob);
    if (image) {
      const img = document.createElement('img');
      img.className = 'file-thumb';
      img.alt = this.#entry.file.name;
      img.src = this.#panel.objectUrl(blob.slice(0, blob.size, image));
      img.addEventListener('click', () => this.#panel.view(img.src, img.alt));
      this.#main.prepend(img);
    } else {
      const link = document.createElement('a');
      link.className = 'file-link';
      link.textContent = 'Download';
      link.download = this.#entry.file.name;
      // Typed as bytes: opening it can never render HTML or SVG in this page's origin.
      link.href = this.#panel.objectUrl(blob.slice(0, blob.size, 'application/octet-stream'));
      this.#main.prepend(link, ' ');
    }
  }

  /** It arrived whole, but a member that sent it broke the protocol and was cut off: said under it. */
  cutOff(cutoff) {
    this.#say(`${cutOffText(cutoff)} The file itself arrived whole: its hash matches.`, 'error');
  }

  /** A download stopped; `resuming`: an incomplete one is asked again by itself (a holder is in the room). */
  stopped(outcome, reason, cutoff = null, resuming = false) {
    this.#progress.hidden = true;
    this.#speed.at = 0;
    if (outcome === 'incomplete' && resuming) {
      // The same words at each attempt until bytes move again ("Received …"): no flapping.
      this.#progress.hidden = false;
      if (cutoff) this.#say(`${cutOffText(cutoff)} Resuming from another member who has the file.`, 'error');
      else this.#say('Resuming: the download paused; it is asked again from a member who has the file.');
      this.#button('Try again', () => this.#panel.fetch(this.#entry.file.hash));
    } else if (outcome === 'incomplete' && cutoff) {
      this.#say(`Stopped: ${cutOffText(cutoff)} Nobody else in the room holds all of it now.`, 'error');
      this.#button('Try again', () => this.#panel.fetch(this.#entry.file.hash));
    } else if (outcome === 'incomplete') {
      this.#say('Incomplete: nobody in the room holds all of it now. It resumes when a member who has it is back.', 'error');
      this.#button('Try again', () => this.#panel.fetch(this.#entry.file.hash));
    } else if (outcome === 'cancelled') {
      this.#say(reason === 'withdrawn' ? 'Cancelled by its sender.' : 'Cancelled.');
      this.#button(this.#panel.isOwn(this.#entry) ? '' : 'Download', () => this.#panel.fetch(this.#entry.file.hash));
    } else {
      this.#say(cutoff ? `Failed: ${cutOffText(cutoff)} What arrived was discarded.` : `Failed: ${WHY[reason] ?? reason}.`, 'error');
      this.#button('', null);
    }
  }
}

export class FilePanel {
  #room = null;
  #cards = new Map();  // hash → [FileCard]
  #urls = [];
  #viewer;
  #onError;

  /**
   * conversation: the element files are dropped on; form and text: the composer (a pick button joins
   * the form; pasting files into the text shares them); onError(text): says why a file was refused.
   */
  constructor({ conversation, form, text, onError }) {
    this.#onError = onError;
    const style = document.createElement('style');
    style.textContent = STYLE;
    document.head.append(style);

    const input = document.createElement('input');
    input.type = 'file';
    input.multiple = true;
    input.hidden = true;
    input.id = 'file-input';
    const pick = document.createElement('button');
    pick.type = 'button';
    pick.id = 'file-pick';
    pick.className = 'secondary';
    pick.textContent = 'Files…';
    pick.setAttribute('aria-label', 'Share files');
    pick.addEventListener('click', () => input.click());
    input.addEventListener('change', () => {
      this.send([...input.files]);
      input.value = '';
    });
    form.append(input, pick);

    text.addEventListener('paste', (event) => {
      const files = [...(event.clipboardData?.files ?? [])];
      if (files.length === 0) return;
      event.preventDefault();
      this.send(files);
    });
    conversation.addEventListener('dragover', (event) => {
      if (!this.#room || ![...event.dataTransfer.types].includes('Files')) return;
      event.preventDefault();
      conversation.classList.add('dropping');
    });
    conversation.addEventListener('dragleave', () => conversation.classList.remove('dropping'));
    conversation.addEventListener('drop', (event) => {
      conversation.classList.remove('dropping');
      if (!this.#room || event.dataTransfer.files.length === 0) return;
      event.preventDefault();
      this.send([...event.dataTransfer.files]);
    });

    this.#viewer = document.createElement('dialog');
    this.#viewer.id = 'file-viewer';
    const big = document.createElement('img');
    const close = document.createElement('form');
    close.method = 'dialog';
    const closeButton = document.createElement('button');
    closeButton.textContent = 'Close';
    close.append(closeButton);
    this.#viewer.append(big, close);
    this.#viewer.addEventListener('click', (event) => { if (event.target === this.#viewer || event.target === big) this.#viewer.close(); });
    document.body.append(this.#viewer);
  }

  /** Follows `room`'s file events (null: left the room; its object URLs are released). */
  attach(room) {
    this.#room = room;
    this.#cards.clear();
    for (const url of this.#urls.splice(0)) URL.revokeObjectURL(url);
    if (!room) return;
    room.addEventListener('fileprogress', ({ detail }) => this.#each(detail.hash, (card) => {
      if (detail.direction === 'up' && detail.done) card.idle();
      else card.moving(detail.bytes, detail.size, detail.direction);
    }));
    room.addEventListener('file', ({ detail }) => this.#each(detail.hash, (card) => card.arrived(detail.blob)));
    room.addEventListener('fileended', ({ detail }) => this.#each(detail.hash, (card) => card.stopped(detail.outcome, detail.reason, detail.cutoff, detail.resuming)));
    room.addEventListener('filecutoff', ({ detail }) => this.#each(detail.hash, (card) => card.cutOff(detail.cutoff)));
  }

  /** Shares files one after the other; says why one was refused (too large, unreadable). */
  async send(files) {
    for (const file of files) {
      try {
        await this.#room?.sendFile(file);
      } catch (error) {
        this.#onError(`${file.name}: ${error.message}`);
      }
    }
  }

  /** Adds the card of a file entry to its line's body. */
  show(body, entry) {
    if (!entry.file) return;
    const card = new FileCard(this, entry, body);
    const { hash } = entry.file;
    if (!this.#cards.has(hash)) this.#cards.set(hash, []);
    this.#cards.get(hash).push(card);
    const { state, bytes, size, reason, cutoff, resuming } = this.#room?.fileState(hash) ?? { state: 'none' };
    const blob = this.#room?.fileBlob(hash);
    if (blob) {
      const shown = card.arrived(blob);
      if (cutoff) card.cutOff(cutoff);
      return shown;
    }
    if (state === 'downloading') card.moving(bytes, size, 'down');
    else if (state === 'none') card.waiting();
    else card.stopped(state, reason, cutoff, resuming);
  }

  fetch(hash) {
    try {
      this.#room?.fetchFile(hash);
      const { bytes, size } = this.#room.fileState(hash);
      this.#each(hash, (card) => card.moving(bytes, size, 'down'));
    } catch (error) {
      this.#onError(error.message);
    }
  }

  cancel(hash) { this.#room?.cancelFile(hash); }
  isOwn(entry) { return entry.from === this.#room?.selfId; }

  objectUrl(blob) {
    const url = URL.createObjectURL(blob);
    this.#urls.push(url);
    return url;
  }

  view(url, alt) {
    const img = this.#viewer.querySelector('img');
    img.src = url;
    img.alt = alt;
    this.#viewer.showModal();
  }

  #each(hash, act) {
    for (const card of this.#cards.get(hash) ?? []) if (card.element.isConnected) act(card);
  }
}
