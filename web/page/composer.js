// The message box: Enter sends, Shift+Enter breaks the line; it can answer a line (reply) or replace
// one of ours (edit), said above it until sent or cancelled (Escape). A line that cannot be sent is
// said under it until the next line goes or the text changes. Typing tells the room, at most every
// 2 s (the module rate-limits too).

const TYPING_EVERY_MS = 2000;
// The box's hint where it fits (style.css's phone layout below 40rem leaves the box ~14 characters
// wide beside its buttons: the keyboard hint would be cut off there, and a phone has no Shift+Enter).
const NARROW = '(max-width: 40rem)';
const SHORT_PLACEHOLDER = 'Message';

export class Composer {
  #text;
  #context;
  #error;
  #mode = null;  // null, or { kind: 'reply'|'edit', mid }
  #lastTyping = 0;
  #handlers;

  /**
   * elements: { form, text, context (the "Replying to…" bar), contextText, cancel, error }.
   * handlers: { say(text, replyTo) , edit(mid, text), typing(), editLast() }: say and edit throw a
   * RangeError with words when the line is refused; editLast() starts editing our last line.
   */
  constructor(elements, handlers) {
    this.#text = elements.text;
    this.#context = elements.context;
    this.contextText = elements.contextText;
    this.#error = elements.error;
    this.#handlers = handlers;
    elements.form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.#submit();
    });
    elements.cancel.addEventListener('click', () => this.cancel());
    this.#text.addEventListener('keydown', (event) => this.#onKey(event));
    const full = this.#text.placeholder;
    const narrow = globalThis.matchMedia?.(NARROW);
    const fit = () => { this.#text.placeholder = narrow?.matches ? SHORT_PLACEHOLDER : full; };
    narrow?.addEventListener?.('change', fit);
    fit();
    this.#text.addEventListener('input', () => {
      this.showError('');
      if (!this.#text.value.trim() || this.#mode?.kind === 'edit') return;
      const now = Date.now();
      if (now - this.#lastTyping < TYPING_EVERY_MS) return;
      this.#lastTyping = now;
      handlers.typing();
    });
  }

  set enabled(enabled) {
    this.#text.disabled = !enabled;
    this.#text.form.querySelector('[type=submit]').disabled = !enabled;
  }

  focus() {
    this.#text.focus();
  }

  /** Says why a line was not sent ('' hides it). */
  showError(text) {
    this.#error.textContent = text;
    this.#error.hidden = !text;
  }

  /** Answer line `mid`; `label` says which ("bob: hello…"). */
  replyTo(mid, label) {
    this.#setMode({ kind: 'reply', mid }, `Replying to ${label}`);
  }

  /** Replace our line `mid`, whose text is `text`. */
  edit(mid, text) {
    this.#setMode({ kind: 'edit', mid }, 'Editing your line');
    this.#text.value = text;
  }

  /** Back to a plain new line (an edit's text is dropped). */
  cancel() {
    if (this.#mode?.kind === 'edit') this.#text.value = '';
    this.#setMode(null, '');
  }

  /** The line being replied to or edited went away (deleted): stop. */
  forget(mid) {
    if (this.#mode?.mid === mid) this.cancel();
  }

  reset() {
    this.#text.value = '';
    this.#setMode(null, '');
    this.showError('');
  }

  #setMode(mode, words) {
    this.#mode = mode;
    this.#context.hidden = !mode;
    this.contextText.textContent = words;
    this.#text.focus();
  }

  #submit() {
    const text = this.#text.value;
    if (!text.trim()) return;
    try {
      if (this.#mode?.kind === 'edit') this.#handlers.edit(this.#mode.mid, text);
      else this.#handlers.say(text, this.#mode?.kind === 'reply' ? this.#mode.mid : '');
      this.#text.value = '';
      this.#setMode(null, '');
      this.showError('');
    } catch (error) {
      this.showError(`Not sent: ${error.message}`);
    }
  }

  #onKey(event) {
    if (event.isComposing) return;
    if (event.key === 'Enter' && !event.shiftKey) {
      event.preventDefault();
      this.#submit();
    } else if (event.key === 'Escape' && this.#mode) {
      event.preventDefault();
      this.cancel();
    } else if (event.key === 'ArrowUp' && !this.#text.value && !this.#mode) {
      if (this.#handlers.editLast()) event.preventDefault();
    }
  }
}
