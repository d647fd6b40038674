// Invitations: this page's address with the room in its hash, copied to the clipboard.

/** This page's URL with "#room": opening it fills in the room. */
export function inviteLink(room) {
  const url = new URL(location.href);
  url.hash = encodeURIComponent(room);
  return url.href;
}

/** The room named by the URL's hash, or '' when there is none. */
export function roomFromHash() {
  try {
    return decodeURIComponent(location.hash.slice(1));
  } catch {
    return '';  // a malformed %-escape: no invitation
  }
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
