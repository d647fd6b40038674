// When an incomplete download is asked again by itself (docs/files.md, "Resuming by itself"). A
// download ends "incomplete" when every holder it asked stopped (silent, stalled, gone, busy): often
// for a moment only (a holder's machine too busy to send for 15 s is not gone). While a member that
// holds the file is in the room, the download is asked again after a back-off; when a holder appears
// (a member that completed the file says so, a member arrives), at once. Never faster than one
// attempt per download every FIRST_DELAY_MS; without bytes moving, the waits double up to
// MAX_DELAY_MS. No holder left: it waits for one, asking nobody. After MAX_QUIET_ATTEMPTS attempts of
// its own in a row with no byte moving (a holder in the room that cannot be reached: no path between
// two networks), it stops asking until a holder appears or a person asks ("Try again").
//
// Plain JS with its clock and timers injected: tests/bindings/resume-policy.test.mjs drives it.

export const FIRST_DELAY_MS = 2000;
export const MAX_DELAY_MS = 30000;
export const MAX_QUIET_ATTEMPTS = 5;

export class ResumePolicy {
  #retry;
  #holdersPresent;
  #now;
  #setTimer;
  #clearTimer;
  #downloads = new Map();  // hash → { delay, lastAttempt, timer, waiting, appeared, quiet }

  /**
   * retry(hash): ask the holders again now. holdersPresent(hash): whether a member that holds the
   * file is in the room. now(): milliseconds; setTimer(fn, ms) / clearTimer(t): as setTimeout's.
   */
  constructor({
    retry, holdersPresent, now = () => performance.now(),
    // Wrapped: a browser's setTimeout called as a method of this object throws ("Illegal invocation").
    setTimer = (fn, ms) => setTimeout(fn, ms), clearTimer = (timer) => clearTimeout(timer),
  }) {
    this.#retry = retry;
    this.#holdersPresent = holdersPresent;
    this.#now = now;
    this.#setTimer = setTimer;
    this.#clearTimer = clearTimer;
  }

  /** A download was asked (its first fetch, a person's "Try again", an attempt of ours). */
  attempted(hash) {
    const d = this.#of(hash);
    this.#disarm(d);
    d.lastAttempt = this.#now();
    d.waiting = false;
  }

  /** Its bytes moved: the next wait after a stop starts from FIRST_DELAY_MS again. */
  moved(hash) {
    const d = this.#downloads.get(hash);
    if (d) {
      d.delay = FIRST_DELAY_MS;
      d.quiet = 0;
    }
  }

  /** A person asked for it ("Try again"): its own attempts start counting again. */
  asked(hash) {
    this.#of(hash).quiet = 0;
    this.attempted(hash);
  }

  /**
   * It ended incomplete. Returns true when it will be asked again by itself (a holder is in the
   * room: after the back-off), false when it waits for a holder to appear.
   */
  incomplete(hash) {
    const d = this.#of(hash);
    this.#disarm(d);
    d.waiting = true;
    const appeared = d.appeared;
    d.appeared = false;
    if (!this.#holdersPresent(hash)) return false;
    if (d.quiet >= MAX_QUIET_ATTEMPTS && !appeared) return false;  // they cannot send it: a person decides
    // A holder that appeared while this attempt was out has not been waited for yet: no back-off.
    const floor = d.lastAttempt + FIRST_DELAY_MS - this.#now();
    const wait = appeared ? Math.max(0, floor) : Math.max(d.delay, floor);
    if (!appeared) d.delay = Math.min(d.delay * 2, MAX_DELAY_MS);
    this.#arm(d, hash, wait);
    return true;
  }

  /**
   * A member that may hold it appeared (it said it completed the file, or it arrived): a waiting
   * download is asked again at once, or as soon as the rate allows; one being asked, without a
   * back-off should that attempt stop.
   */
  holderAppeared(hash) {
    const d = this.#downloads.get(hash);
    if (!d) return;
    if (!d.waiting) {  // an attempt is out: should it stop, the next one goes without a back-off
      d.appeared = true;
      return;
    }
    this.#disarm(d);
    d.quiet = 0;  // a holder not tried yet
    this.#arm(d, hash, Math.max(0, d.lastAttempt + FIRST_DELAY_MS - this.#now()));
  }

  /**
   * Holders may have gone: a waiting download with none left stops its timer. Returns the hashes
   * that stopped waiting for a retry (to be said as plain "incomplete" now).
   */
  holdersChanged() {
    const stopped = [];
    for (const [hash, d] of this.#downloads) {
      if (d.waiting && d.timer !== null && !this.#holdersPresent(hash)) {
        this.#disarm(d);
        stopped.push(hash);
      }
    }
    return stopped;
  }

  /** Whether it will be asked again by itself (a timer is armed). */
  resuming(hash) {
    return (this.#downloads.get(hash)?.timer ?? null) !== null;
  }

  /** It arrived, was cancelled, failed or was withdrawn: nothing more to do for it. */
  forget(hash) {
    const d = this.#downloads.get(hash);
    if (d) this.#disarm(d);
    this.#downloads.delete(hash);
  }

  /** Stops every timer (the room was left). */
  close() {
    for (const hash of [...this.#downloads.keys()]) this.forget(hash);
  }

  #of(hash) {
    let d = this.#downloads.get(hash);
    if (!d) {
      d = { delay: FIRST_DELAY_MS, lastAttempt: -Infinity, timer: null, waiting: false, appeared: false, quiet: 0 };
      this.#downloads.set(hash, d);
    }
    return d;
  }

  #arm(d, hash, ms) {
    d.timer = this.#setTimer(() => {
      d.timer = null;
      if (this.#downloads.get(hash) !== d || !d.waiting) return;
      this.attempted(hash);
      d.quiet += 1;
      this.#retry(hash);
    }, ms);
  }

  #disarm(d) {
    if (d.timer !== null) this.#clearTimer(d.timer);
    d.timer = null;
  }
}
