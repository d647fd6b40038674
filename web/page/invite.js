// Invitations: the page's address with the room in its hash (see room-choice.js), copied to the
// clipboard or shown as a QR code for phones.

/**
 * The page's URL with `hash` (from RoomChoice.inviteHash): opening it selects the room. A page opened
 * from disk (file://) has no address a friend could open: its invitation points at the page of the
 * signaling server it uses (`signal`, e.g. http://host:8080/sig → http://host:8080/#room).
 */
export function inviteLink(hash, signal) {
  const served = location.protocol === 'http:' || location.protocol === 'https:';
  const url = served ? new URL(location.href) : new URL('./', signal);
  url.search = served ? url.search : '';
  url.hash = hash;
  return url.href;
}

/** Resolves true once `text` is on the clipboard, false when the browser refuses. */
export async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // Pages from file:// or plain http to another host are not "secure": try the old way.
    const field = document.createElement('textarea');
    field.value = text;
    field.setAttribute('readonly', '');
    field.style.position = 'fixed';
    field.style.opacity = '0';
    document.body.append(field);
    field.select();
    const copied = document.execCommand('copy');
    field.remove();
    return copied;
  }
}
