// New lines read out by screen readers: a visually hidden ARIA live region (polite) that receives
// each line as it arrives, as "12:04 bob: hi". History shown on joining is not read out.

const KEPT = 3;  // older announcements are removed; the live region only needs the new one

export class Announcer {
  #region;

  constructor(region) {
    this.#region = region;
  }

  say(text) {
    const p = document.createElement('p');
    p.textContent = text;
    this.#region.append(p);
    while (this.#region.childElementCount > KEPT) this.#region.firstElementChild.remove();
  }
}
