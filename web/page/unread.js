// "(3) webchat": how many lines others wrote while this tab was hidden, in the tab's title.

export class UnreadCounter {
  #title;
  #count = 0;

  constructor(title) {
    this.#title = title;
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible') this.#set(0);
    });
    this.#set(0);
  }

  /** The title without a count, e.g. "lobby · webchat". */
  set title(title) {
    this.#title = title;
    this.#set(this.#count);
  }

  lineArrived() {
    if (document.visibilityState === 'hidden') this.#set(this.#count + 1);
  }

  #set(count) {
    this.#count = count;
    document.title = count > 0 ? `(${count}) ${this.#title}` : this.#title;
  }
}
