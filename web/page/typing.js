// "bob is typing…" under the conversation: who typed in the last few seconds. Ephemeral: a member's
// mark goes after a few seconds without news or when its line arrives.

const SHOWN_MS = 4000;  // a guest says it is typing at most every 2 s

export class TypingIndicator {
  #element;
  #typing = new Map();  // member id → { nick, timer }

  constructor(element) {
    this.#element = element;
  }

  /** Member `from` (nickname `nick`) is typing. */
  typing(from, nick) {
    clearTimeout(this.#typing.get(from)?.timer);
    this.#typing.set(from, { nick, timer: setTimeout(() => this.stopped(from), SHOWN_MS) });
    this.#show();
  }

  /** Member `from` sent its line, or left. */
  stopped(from) {
    const entry = this.#typing.get(from);
    if (!entry) return;
    clearTimeout(entry.timer);
    this.#typing.delete(from);
    this.#show();
  }

  clear() {
    for (const { timer } of this.#typing.values()) clearTimeout(timer);
    this.#typing.clear();
    this.#show();
  }

  #show() {
    const nicks = [...this.#typing.values()].map((entry) => entry.nick);
    this.#element.textContent = nicks.length === 0 ? '' :
      nicks.length === 1 ? `${nicks[0]} is typing…` :
      nicks.length === 2 ? `${nicks[0]} and ${nicks[1]} are typing…` : `${nicks.length} people are typing…`;
  }
}
