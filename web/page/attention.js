// Getting a person's attention while the tab is hidden: opt-in desktop notifications (Notification
// API) and a short sound, for mentions only or for every line, chosen and remembered per room.

const STORAGE_KEY = 'webchat.attention';
const LEVELS = ['off', 'mentions', 'all'];

function readAll() {
  try {
    const saved = JSON.parse(localStorage.getItem(STORAGE_KEY));
    return saved && typeof saved === 'object' ? saved : {};
  } catch {
    return {};
  }
}

/** { level: 'off'|'mentions'|'all', notify: bool, sound: bool } chosen for `room`. */
export function attentionFor(room) {
  const saved = readAll()[room] ?? {};
  return {
    level: LEVELS.includes(saved.level) ? saved.level : 'off',
    notify: saved.notify !== false,
    sound: saved.sound === true,
  };
}

function save(room, choice) {
  try {
    localStorage.setItem(STORAGE_KEY, JSON.stringify({ ...readAll(), [room]: choice }));
  } catch {
    // private mode or storage full: the choice holds for this visit
  }
}

export class Attention {
  #room = '';
  #choice = attentionFor('');
  #controls;
  #audio = null;  // made on a click: browsers let only a page the person used play sound

  /** controls: { level: <select>, notify: <input type=checkbox>, sound: <input type=checkbox>, hint: <p> }. */
  constructor(controls) {
    this.#controls = controls;
    controls.level.addEventListener('change', () => this.#changed(true));
    controls.notify.addEventListener('change', () => this.#changed(true));
    controls.sound.addEventListener('change', () => this.#changed(false));
  }

  /** Shows and applies the choice remembered for `room`. */
  enter(room) {
    this.#room = room;
    this.#choice = attentionFor(room);
    this.#controls.level.value = this.#choice.level;
    this.#controls.notify.checked = this.#choice.notify;
    this.#controls.sound.checked = this.#choice.sound;
    this.#explain();
  }

  /** A line from someone else arrived: alert when the tab is hidden and the line is one asked for. */
  lineArrived({ nick, text }, mentioned) {
    const { level, notify, sound } = this.#choice;
    if (document.visibilityState !== 'hidden' || level === 'off' || (level === 'mentions' && !mentioned)) return;
    if (notify && 'Notification' in window && Notification.permission === 'granted') {
      // The body is shown as plain text by the system, never as HTML.
      const shown = new Notification(mentioned ? `${nick} mentioned you in ${this.#room}` : `${nick} in ${this.#room}`,
                                     { body: text.slice(0, 200), tag: `webchat-${this.#room}`, icon: 'icon.svg' });
      shown.addEventListener('click', () => {
        window.focus();
        shown.close();
      });
    }
    if (sound) this.#beep();
  }

  async #changed(mayAsk) {
    const controls = this.#controls;
    this.#choice = { level: controls.level.value, notify: controls.notify.checked, sound: controls.sound.checked };
    save(this.#room, this.#choice);
    if (this.#choice.sound) this.#audio ??= new AudioContext();
    const wantsNotifications = this.#choice.level !== 'off' && this.#choice.notify;
    if (mayAsk && wantsNotifications && 'Notification' in window && Notification.permission === 'default') {
      await Notification.requestPermission().catch(() => {});
    }
    this.#explain();
  }

  // Says why notifications will not show, if they will not.
  #explain() {
    const { level, notify } = this.#choice;
    let hint = '';
    if (level !== 'off' && notify) {
      if (!('Notification' in window)) hint = 'This browser cannot show notifications.';
      else if (Notification.permission === 'denied') hint = 'Notifications are blocked for this page in the browser\'s settings.';
      else if (Notification.permission === 'default') hint = 'The browser has not allowed notifications yet.';
    }
    this.#controls.hint.textContent = hint;
    this.#controls.hint.hidden = !hint;
  }

  // A short soft two-note chime, made here: no sound file to load.
  #beep() {
    const audio = this.#audio;
    if (!audio) return;
    audio.resume().catch(() => {});
    const start = audio.currentTime;
    for (const [offset, frequency] of [[0, 880], [0.12, 1320]]) {
      const tone = audio.createOscillator();
      const gain = audio.createGain();
      tone.frequency.value = frequency;
      gain.gain.setValueAtTime(0.0001, start + offset);
      gain.gain.exponentialRampToValueAtTime(0.15, start + offset + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, start + offset + 0.25);
      tone.connect(gain).connect(audio.destination);
      tone.start(start + offset);
      tone.stop(start + offset + 0.3);
    }
  }
}
