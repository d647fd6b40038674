// A QR code of a link, for a phone's camera: encoded by the `qr` npm package (web/package.json),
// drawn as a GIF data: URL, so it needs no network and works from file:// too.

import { encodeQR } from '../node_modules/qr/index.js';

/** A data: URL of the QR code of `text`, `pixels` wide or a little less (whole pixels per module). */
export function qrDataUrl(text, pixels = 264) {
  const modules = encodeQR(text, 'raw', { ecc: 'medium', border: 4 }).length;
  const scale = Math.max(1, Math.floor(pixels / modules));
  return encodeQR(text, 'data-url', { ecc: 'medium', border: 4, scale });
}
