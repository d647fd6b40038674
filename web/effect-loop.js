// The loop that drives a state machine of webchat-core.js (the room logic's Room, the files'
// Transfers): every input is fed to it, then each effect it asks for is carried out, then a timer is
// armed for its next deadline. Used by the Room (webchat.js) and the files (files/file-share.js).
//
// The machine: poll() → the next effect or null; nextDeadline() → a Date.now() time or null;
// tick(now) for the deadline's passing.
export class EffectLoop {
  #logic;
  #apply;
  #pumping = false;
  #timer = null;

  /** apply(effect) carries out one effect; it may feed inputs, whose effects the same loop drains. */
  constructor(logic, apply) {
    this.#logic = logic;
    this.#apply = apply;
  }

  /** Feeds an input (`feed` calls the machine), then carries out whatever it asks for. */
  input(feed) {
    feed();
    this.pump();
  }

  /** Carries out the machine's pending effects and arms the timer for its next deadline. */
  pump() {
    if (this.#pumping) return;  // an effect's handler fed an input: the outer loop drains it
    this.#pumping = true;
    try {
      for (let effect = this.#logic.poll(); effect !== null; effect = this.#logic.poll()) this.#apply(effect);
    } finally {
      this.#pumping = false;
    }
    clearTimeout(this.#timer);
    const deadline = this.#logic.nextDeadline();
    if (deadline === null) return;
    this.#timer = setTimeout(() => this.input(() => this.#logic.tick(Date.now())), Math.max(0, deadline - Date.now()));
  }

  /** Disarms the timer (until the next input). */
  stop() {
    clearTimeout(this.#timer);
  }
}
