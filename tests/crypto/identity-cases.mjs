// The identity module's promises, checked in node (20 has WebCrypto with Ed25519) against the built
// copy in build/web. Run by webcrypto.test.mjs and noble.test.mjs (crypto.subtle hidden, as on a
// plain-http LAN page). node's own crypto (OpenSSL) is the independent implementation both must agree with.

import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey, sign as nodeSign, verify as nodeVerify } from 'node:crypto';
import { test } from 'node:test';

import { load } from './built.mjs';

// The public key as node:crypto wants it: SPKI DER = a fixed 12-byte prefix and the raw 32 bytes.
const spki = (raw) => createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), raw]), format: 'der', type: 'spki' });
const pkcs8 = (seed) => createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]), format: 'der', type: 'pkcs8' });
const b64u = (bytes) => Buffer.from(bytes).toString('base64url');

export function identityCases(expectedImplementation) {
  test(`a new identity signs with ${expectedImplementation}; its signatures verify, other bytes and keys do not`, async () => {
    const { loadIdentity, memoryStore, verify } = await load('identity.js');
    const me = await loadIdentity({ store: memoryStore() });
    const other = await loadIdentity({ store: memoryStore() });
    assert.equal(me.implementation, expectedImplementation);
    assert.match(me.publicKey, /^[A-Za-z0-9_-]{43}$/);
    assert.notEqual(me.publicKey, other.publicKey);
    const bytes = '["wc2/entry","r00m","m-1","alice","text","héllo 👋"]';
    const sig = await me.sign(bytes);
    assert.match(sig, /^[A-Za-z0-9_-]{86}$/);
    assert.equal(await verify(me.publicKey, bytes, sig), true);
    assert.equal(await verify(me.publicKey, bytes.replace('héllo', 'hello'), sig), false, 'other bytes');
    assert.equal(await verify(other.publicKey, bytes, sig), false, 'another key');
    const flipped = sig.slice(0, 10) + (sig[10] === 'A' ? 'B' : 'A') + sig.slice(11);
    assert.equal(await verify(me.publicKey, bytes, flipped), false, 'a changed signature');
  });

  test('malformed keys and signatures are refused, never thrown', async () => {
    const { loadIdentity, memoryStore, verify } = await load('identity.js');
    const me = await loadIdentity({ store: memoryStore() });
    const sig = await me.sign('x');
    for (const [key, s, bytes] of [
      [me.publicKey + 'A', sig, 'x'], [me.publicKey.slice(1), sig, 'x'], [me.publicKey, sig.slice(2), 'x'],
      [me.publicKey, `${sig}==`, 'x'], [me.publicKey.replace(/.$/, '!'), sig, 'x'], [undefined, sig, 'x'],
      [me.publicKey, null, 'x'], [me.publicKey, sig, undefined], ['A'.repeat(43), sig, 'x'],
      ['_'.repeat(43), sig, 'x'],  // not the canonical encoding of any 32 bytes (trailing bits set)
    ]) assert.equal(await verify(key, bytes, s), false, `${key} ${s} ${bytes}`);
  });

  test('the identity survives a reload: the same store gives the same key; the private key cannot be read out', async () => {
    const { loadIdentity, memoryStore, verify } = await load('identity.js');
    const saved = [];
    const inner = memoryStore();
    const store = { load: inner.load, save: (record) => { saved.push(record); return inner.save(record); } };
    const first = await loadIdentity({ store });
    const again = await loadIdentity({ store });
    assert.equal(again.publicKey, first.publicKey);
    assert.equal(saved.length, 1, 'made and saved once');
    assert.equal(await verify(first.publicKey, 'hello', await again.sign('hello')), true);
    const { privateKey } = saved[0];
    if (expectedImplementation === 'webcrypto') {
      assert.ok(privateKey instanceof CryptoKey);
      assert.equal(privateKey.extractable, false);
      await assert.rejects(crypto.subtle.exportKey('pkcs8', privateKey));
    } else {
      assert.ok(privateKey instanceof Uint8Array && privateKey.length === 32, 'noble keeps the 32-byte seed');
    }
  });

  test('signatures agree with an independent implementation (node:crypto, OpenSSL) both ways', async () => {
    const { loadIdentity, memoryStore, verify } = await load('identity.js');
    const me = await loadIdentity({ store: memoryStore() });
    const bytes = 'a line, signed 🙂';
    const sig = Buffer.from(await me.sign(bytes), 'base64url');
    assert.equal(nodeVerify(null, Buffer.from(bytes), spki(Buffer.from(me.publicKey, 'base64url')), sig), true);
    const seed = crypto.getRandomValues(new Uint8Array(32));
    const theirs = pkcs8(Buffer.from(seed));
    const theirKey = b64u(createPublicKey(theirs).export({ format: 'der', type: 'spki' }).subarray(12));
    assert.equal(await verify(theirKey, bytes, b64u(nodeSign(null, Buffer.from(bytes), theirs))), true);
  });

  test('RFC 8032 test vectors 1 and 2 verify', async () => {
    const { verify } = await load('identity.js');
    const hex = (h) => b64u(Buffer.from(h, 'hex'));
    assert.equal(await verify(hex('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a'), '',
      hex('e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b')), true);
    assert.equal(await verify(hex('3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c'), 'r',
      hex('92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00')), true);
  });

  test('two first loads at once keep one identity; an embedder\'s identity is checked', async () => {
    const { checkIdentity, loadIdentity, memoryStore } = await load('identity.js');
    const store = memoryStore();
    const [a, b] = await Promise.all([loadIdentity({ store }), loadIdentity({ store })]);
    assert.equal(a.publicKey, b.publicKey);
    assert.equal(checkIdentity(a), a);
    assert.throws(() => checkIdentity({ publicKey: 'short', sign: a.sign }), /32-byte Ed25519 public key/);
    assert.throws(() => checkIdentity({ publicKey: a.publicKey }), /identity.sign/);
  });
}
