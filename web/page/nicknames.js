// Nicknames: a friendly random default, and a colour that stays the same for a nickname everywhere
// and stays readable (WCAG AA, 4.5:1) on every background a nickname is shown on, in both themes.

import { contrastRatio, hexToRgb, hslToRgb } from './contrast.js';

const COLOURS = ['amber', 'azure', 'coral', 'crimson', 'golden', 'indigo', 'jade', 'lilac', 'mint', 'olive',
                 'peach', 'plum', 'rose', 'ruby', 'sage', 'scarlet', 'silver', 'teal', 'violet', 'saffron'];
const ANIMALS = ['badger', 'beaver', 'bison', 'crane', 'dolphin', 'falcon', 'ferret', 'gecko', 'heron', 'ibex',
                 'koala', 'lemur', 'lynx', 'marten', 'moose', 'newt', 'otter', 'owl', 'panda', 'puffin',
                 'quokka', 'raven', 'seal', 'stoat', 'tapir', 'walrus', 'wombat', 'yak', 'zebra', 'fox'];

// The backgrounds nicknames sit on (style.css: --panel, --self, --mention-bg of each theme), and
// where the search for a lightness starts: as light (dark theme) or as dark (light theme) as AA allows.
const THEMES = {
  light: { backgrounds: ['#ffffff', '#eff6ff', '#fef9c3'], start: 48, step: -1 },
  dark: { backgrounds: ['#111827', '#172554', '#3f2d0c'], start: 62, step: 1 },
};
const SATURATION = 70;
const AA = 4.5;

const pick = (list) => list[crypto.getRandomValues(new Uint32Array(1))[0] % list.length];

/** "teal-otter": 600 combinations, enough that two strangers rarely collide in one room. */
export function randomNick() {
  return `${pick(COLOURS)}-${pick(ANIMALS)}`;
}

/** A hue (0–359) from the nickname's text: every member sees the same colour for the same person. */
export function nickHue(nick) {
  let hash = 2166136261;  // FNV-1a: cheap, and spreads similar nicknames apart
  for (const char of nick.toLowerCase()) {
    hash ^= char.codePointAt(0);
    hash = Math.imul(hash, 16777619) >>> 0;
  }
  return hash % 360;
}

const readable = new Map();  // "theme hue" → css colour

/** The CSS colour of `hue` in `theme` ('light' or 'dark') with at least 4.5:1 on its backgrounds. */
export function readableColour(hue, theme) {
  const key = `${theme} ${hue}`;
  if (readable.has(key)) return readable.get(key);
  const { backgrounds, start, step } = THEMES[theme];
  const grounds = backgrounds.map(hexToRgb);
  let lightness = start;
  // A margin of 0.1 over AA: browsers round the colour they paint.
  while (grounds.some((ground) => contrastRatio(hslToRgb(hue, SATURATION, lightness), ground) < AA + 0.1)) lightness += step;
  const colour = `hsl(${hue} ${SATURATION}% ${lightness}%)`;
  readable.set(key, colour);
  return colour;
}

/** Gives `element` the nickname's colours for both themes (style.css picks one) and its text. */
export function paintNick(element, nick) {
  const hue = nickHue(nick);
  element.style.setProperty('--nick-light', readableColour(hue, 'light'));
  element.style.setProperty('--nick-dark', readableColour(hue, 'dark'));
  element.textContent = nick;  // text, never HTML
}
