// Nicknames: a friendly random default, and a colour that stays the same for a nickname everywhere.

const COLOURS = ['amber', 'azure', 'coral', 'crimson', 'golden', 'indigo', 'jade', 'lilac', 'mint', 'olive',
                 'peach', 'plum', 'rose', 'ruby', 'sage', 'scarlet', 'silver', 'teal', 'violet', 'saffron'];
const ANIMALS = ['badger', 'beaver', 'bison', 'crane', 'dolphin', 'falcon', 'ferret', 'gecko', 'heron', 'ibex',
                 'koala', 'lemur', 'lynx', 'marten', 'moose', 'newt', 'otter', 'owl', 'panda', 'puffin',
                 'quokka', 'raven', 'seal', 'stoat', 'tapir', 'walrus', 'wombat', 'yak', 'zebra', 'fox'];

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
