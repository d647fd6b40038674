// What webchat takes from the audited @noble libraries, for pages where WebCrypto (or its Ed25519) is
// missing: a page served over plain http from a LAN address is not a secure context, and there
// browsers hide crypto.subtle. esbuild bundles this into build/web/crypto/noble.js, which
// web/crypto/primitives.js loads with a dynamic import only on such pages.
export { ed25519 } from '@noble/curves/ed25519.js';
export { sha256 } from '@noble/hashes/sha2.js';
export { hmac } from '@noble/hashes/hmac.js';
export { hkdf } from '@noble/hashes/hkdf.js';
export { pbkdf2Async } from '@noble/hashes/pbkdf2.js';
export { gcm } from '@noble/ciphers/aes.js';
