// How many lines others wrote while this tab was hidden: in the tab's title ("(3) lobby · webchat")
// and as a badge on its icon.

const ICON = 'icon.svg';

// The page's icon with a red badge holding `count` (digits only: nothing a peer wrote).
function badgedIcon(count) {
  const label = count > 99 ? '99+' : String(count);
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64">
<rect width="64" height="64" rx="14" fill="#2563eb"/>
<path d="M14 18h36a4 4 0 0 1 4 4v18a4 4 0 0 1-4 4H30l-10 8v-8h-6a4 4 0 0 1-4-4V22a4 4 0 0 1 4-4z" fill="#fff"/>
<circle cx="44" cy="20" r="20" fill="#b91c1c"/>
<text x="44" y="29" font-family="sans-serif" font-weight="700" font-size="${label.length > 2 ? 17 : 26}" fill="#fff" text-anchor="middle">${label}</text></svg>`;
  return `data:image/svg+xml,${encodeURIComponent(svg)}`;
}

export class UnreadCounter {
  #title;
  #count = 0;
  #icon;

  /** icon: the page's <link rel="icon">. */
  constructor(title, icon) {
    this.#title = title;
    this.#icon = icon;
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

  get count() {
    return this.#count;
  }

  lineArrived() {
    if (document.visibilityState === 'hidden') this.#set(this.#count + 1);
  }

  #set(count) {
    const changed = count !== this.#count || !this.#icon.dataset.count;
    this.#count = count;
    document.title = count > 0 ? `(${count}) ${this.#title}` : this.#title;
    if (!changed) return;
    this.#icon.href = count > 0 ? badgedIcon(count) : ICON;
    this.#icon.dataset.count = String(count);
  }
}
