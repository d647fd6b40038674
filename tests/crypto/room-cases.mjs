// Room keys (web/crypto/rooms.js): the tag and mailbox ids hide the room, sealed texts open only under
// the same room's key for the same mailbox id, and the derivations are the documented ones, recomputed
// here with node's own crypto (OpenSSL) as the independent implementation.

import assert from 'node:assert/strict';
import { createHmac, hkdfSync, pbkdf2Sync } from 'node:crypto';
import { test } from 'node:test';

import { load } from './built.mjs';

const label = (text) => Buffer.from(`webchat/v2/${text}`);
const hkdf = (ikm, info, length = 32) => Buffer.from(hkdfSync('sha256', ikm, label('room'), label(info), length));

export function roomCases(implementation) {
  test(`room keys are the documented derivations (${implementation}): HKDF, PBKDF2 with 600,000 iterations, HMAC ids`, async () => {
    const { createPrivateRoom, prepareRoom } = await load('rooms.js');
    const { secret } = createPrivateRoom();
    assert.match(secret, /^[A-Za-z0-9_-]{22}$/, '128 bits');
    const raw = Buffer.from(secret, 'base64url');
    const privateRoom = await prepareRoom({ secret });
    assert.equal(privateRoom.sealing, 'secret');
    assert.equal(privateRoom.tag, hkdf(raw, 'secret/tag', 16).toString('hex'));
    const coreId = `wc2.${privateRoom.tag}.offer`;
    assert.equal(await privateRoom.mailboxId(coreId),
                 createHmac('sha256', hkdf(raw, 'secret/mailbox')).update(coreId).digest('hex').slice(0, 32));

    const started = Date.now();
    const passwordRoom = await prepareRoom({ room: 'lobby', password: 'correct horse' });
    const tookMs = Date.now() - started;
    assert.equal(passwordRoom.sealing, 'password');
    assert.equal(passwordRoom.tag, hkdf(Buffer.from('lobby'), 'password/tag', 16).toString('hex'));
    const stretched = pbkdf2Sync('correct horse', label('password/lobby'), 600000, 32, 'sha256');
    const sealed = await passwordRoom.seal('abc', 'an offer');
    const bytes = Buffer.from(sealed.slice(3), 'base64url');
    const { createDecipheriv } = await import('node:crypto');
    const decipher = createDecipheriv('aes-256-gcm', hkdf(stretched, 'password/seal'), bytes.subarray(0, 12));
    decipher.setAAD(Buffer.from('abc'));
    decipher.setAuthTag(bytes.subarray(bytes.length - 16));
    assert.equal(Buffer.concat([decipher.update(bytes.subarray(12, bytes.length - 16)), decipher.final()]).toString(), 'an offer');

    const again = Date.now();
    assert.equal(await prepareRoom({ room: 'lobby', password: 'correct horse' }), passwordRoom, 'cached');
    assert.ok(Date.now() - again < tookMs, 'the second preparation costs nothing');
    console.log(`PBKDF2-SHA-256, 600,000 iterations (${implementation}): ${tookMs} ms`);
  });

  test('mailbox ids hide the room: 32 hex, one per core id, none holds the name or reveals another', async () => {
    const { prepareRoom } = await load('rooms.js');
    const lobby = await prepareRoom({ room: 'lobby' });
    const other = await prepareRoom({ room: 'lobby2' });
    const withPassword = await prepareRoom({ room: 'lobby', password: 'correct horse' });  // derived above
    assert.equal(lobby.sealing, 'none');
    const ids = await Promise.all(['offer', 'answer.1234', 'answer.1235', 'candidates.1234'].map((id) => lobby.mailboxId(`wc2.${lobby.tag}.${id}`)));
    for (const id of ids) assert.match(id, /^[0-9a-f]{32}$/);
    assert.equal(new Set(ids).size, 4);
    assert.ok(!ids.some((id) => id.includes('lobby')));
    assert.notEqual(await other.mailboxId('offer'), await lobby.mailboxId('offer'));
    assert.notEqual(withPassword.tag, lobby.tag, 'a public room and a password room of one name differ');
    assert.notEqual(await withPassword.mailboxId('offer'), await lobby.mailboxId('offer'));
    assert.match(lobby.tag, /^[0-9a-f]{32}$/);
  });

  // That offerSeen computes the id ahead (a cache) is not observable here; trace-join shows its effect.
  test('offerSeen takes any text without throwing, and an offer\'s answer goes under the documented mailbox id', async () => {
    const { createPrivateRoom, prepareRoom } = await load('rooms.js');
    const { secret } = createPrivateRoom();
    const room = await prepareRoom({ secret });
    for (const text of ['not json', 'null', '{"v":2,"type":"answer","offer":"00112233aabbccdd"}', '{"type":"offer","offer":7}', '']) {
      assert.doesNotThrow(() => room.offerSeen(text));
    }
    room.offerSeen('{"v":2,"type":"offer","offer":"00112233aabbccdd","sdp":"v=0"}');
    const coreId = `wc2.${room.tag}.answer.00112233aabbccdd`;
    assert.equal(await room.mailboxId(coreId),
                 createHmac('sha256', hkdf(Buffer.from(secret, 'base64url'), 'secret/mailbox')).update(coreId).digest('hex').slice(0, 32));
  });

  test('sealed texts open only in the same room, for the same mailbox id, unaltered', async () => {
    const { createPrivateRoom, prepareRoom } = await load('rooms.js');
    const room = await prepareRoom(createPrivateRoom());
    const stranger = await prepareRoom(createPrivateRoom());
    const text = '{"v":2,"type":"offer","sdp":"v=0 … é"}';
    const sealed = await room.seal('id-1', text);
    assert.match(sealed, /^s1\.[A-Za-z0-9_-]+$/);
    assert.ok(!sealed.includes('offer'));
    assert.notEqual(await room.seal('id-1', text), sealed, 'a fresh nonce each time');
    assert.equal(await room.open('id-1', sealed), text);
    assert.equal(await room.open('id-2', sealed), null, 'moved to another mailbox id');
    assert.equal(await stranger.open('id-1', sealed), null, 'another room');
    const body = Buffer.from(sealed.slice(3), 'base64url');
    for (const at of [0, 12, body.length - 1]) {
      const altered = Buffer.from(body);
      altered[at] ^= 1;
      assert.equal(await room.open('id-1', `s1.${altered.toString('base64url')}`), null, `byte ${at} altered`);
    }
    for (const junk of [text, '', 's1.', 's1.!!', `s1.${body.subarray(0, 20).toString('base64url')}`]) {
      assert.equal(await room.open('id-1', junk), null, junk);
    }
    // @noble's PBKDF2 takes seconds: one more derivation than the first test's (cached) one.
    const wrong = await prepareRoom({ room: 'lobby', password: 'wrong' });
    const right = await prepareRoom({ room: 'lobby', password: 'correct horse' });
    assert.equal(await wrong.mailboxId('offer'), await right.mailboxId('offer'), 'a wrong password finds the room');
    assert.equal(await wrong.open('x', await right.seal('x', text)), null, 'and cannot read it');
    const open = await prepareRoom({ room: 'lobby' });
    assert.equal(await open.seal('x', text), text, 'public rooms are not sealed');
  });

  test('bad room options are refused with a code', async () => {
    const { prepareRoom, roomProblem } = await load('rooms.js');
    assert.equal(roomProblem({ room: 'lobby' }), '');
    assert.equal(roomProblem({ room: 'no spaces' }), 'room-invalid');
    assert.equal(roomProblem({ room: '' }), 'room-invalid');
    assert.equal(roomProblem({ secret: 'short' }), 'secret-invalid');
    assert.equal(roomProblem({ secret: 'A'.repeat(21) + '!' }), 'secret-invalid');
    assert.equal(roomProblem({ room: 'lobby', password: 'x'.repeat(1025) }), 'password-invalid');
    await assert.rejects(prepareRoom({ room: 'a/b' }), { name: 'TypeError', message: 'room-invalid' });
  });
}
