// Safety codes (web/crypto/safety.js): the same on both sides, different for any other pair, and the
// documented computation, recomputed here with node's own SHA-256.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';

import { load } from './built.mjs';

export function safetyCases(implementation) {
  test(`a safety code is the same from both sides and differs for another key (${implementation})`, async () => {
    const { safetyCode } = await load('safety.js');
    const { loadIdentity, memoryStore } = await load('identity.js');
    const [alice, bob, mallory] = await Promise.all([1, 2, 3].map(() => loadIdentity({ store: memoryStore() })));
    const code = await safetyCode(alice.publicKey, bob.publicKey);
    assert.match(code, /^\d{5}( \d{5}){5}$/);
    assert.equal(await safetyCode(bob.publicKey, alice.publicKey), code);
    assert.notEqual(await safetyCode(alice.publicKey, mallory.publicKey), code);
    assert.notEqual(await safetyCode(mallory.publicKey, bob.publicKey), code);
    assert.equal(await safetyCode(alice.publicKey, 'not a key'), null);

    const raw = [alice, bob].map((who) => Buffer.from(who.publicKey, 'base64url')).sort(Buffer.compare);
    const digest = createHash('sha256').update('webchat/v2/safety-code').update(raw[0]).update(raw[1]).digest();
    const expected = [0, 5, 10, 15, 20, 25].map((at) => String(Number(digest.readUIntBE(at, 5) % 100000)).padStart(5, '0')).join(' ');
    assert.equal(code, expected);
  });
}
