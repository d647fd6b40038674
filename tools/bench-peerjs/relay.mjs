// Load for peerjs-server, the signaling server people pick instead of webchat-server: PAIRS couples
// of WebSocket clients, each passing one TEXT_BYTES OFFER back and forth through the server (closed
// loop, like webchat-load's exchange with its PAIRS). After a 1 s warm-up, counts the messages
// delivered for SECONDS and prints messages_per_s=N.
//   node relay.mjs PORT [PAIRS=64] [TEXT_BYTES=2048] [SECONDS=5]
import WebSocket from 'ws';

const [port, pairs = 64, bytes = 2048, seconds = 5] = process.argv.slice(2).map(Number);
const payload = 'x'.repeat(bytes);
let delivered = 0;
let failures = 0;

function connect(id) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/peerjs?key=peerjs&id=${id}&token=t${id}`);
    ws.once('error', reject);
    ws.once('message', (data) => {
      const message = JSON.parse(data);
      if (message.type === 'OPEN') resolve(ws);
      else reject(new Error(`${id}: ${data}`));
    });
  });
}

const clients = [];
for (let i = 0; i < pairs; i++) {
  const [a, b] = await Promise.all([connect(`a${i}`), connect(`b${i}`)]);
  const send = (ws, dst) => ws.send(JSON.stringify({ type: 'OFFER', dst, payload }));
  for (const [ws, partner] of [[a, `b${i}`], [b, `a${i}`]]) {
    ws.on('message', (data) => {
      const message = JSON.parse(data);
      if (message.type !== 'OFFER' || message.payload.length !== bytes) {
        failures++;
        return;
      }
      delivered++;
      send(ws, partner);
    });
    clients.push(ws);
  }
  send(a, `b${i}`);
}

await new Promise((resolve) => setTimeout(resolve, 1000));  // warm-up
const start = delivered;
const startedAt = process.hrtime.bigint();
await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
const elapsed = Number(process.hrtime.bigint() - startedAt) / 1e9;
console.log(`messages_per_s=${Math.round((delivered - start) / elapsed)}`);
console.log(`failures=${failures}`);
for (const ws of clients) ws.terminate();
