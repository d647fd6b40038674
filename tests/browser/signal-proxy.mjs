// A man in the middle of the signaling path, as a hostile signaling server (or anyone on its path)
// would be: forwards every request to the real server, and passes the body of every text a get takes
// through `rewrite(body)`, which returns the body to deliver (changed or not). `changed` lists the
// gets whose text it changed.

import { createServer, request } from 'node:http';

export function startSignalProxy(target, rewrite) {
  const changed = [];
  const proxyServer = createServer((incoming, outgoing) => {
    const upstream = request(new URL(incoming.url, target), { method: incoming.method, headers: incoming.headers }, (answer) => {
      const chunks = [];
      answer.on('data', (chunk) => chunks.push(chunk));
      answer.on('end', () => {
        let body = Buffer.concat(chunks).toString('utf8');
        if (incoming.url.startsWith('/sig?get=') && answer.statusCode === 200) {
          const rewritten = rewrite(body);
          if (rewritten !== body) changed.push(incoming.url);
          body = rewritten;
        }
        const headers = { ...answer.headers, 'content-length': Buffer.byteLength(body) };
        delete headers['content-encoding'];
        outgoing.writeHead(answer.statusCode, headers);
        outgoing.end(body);
      });
    });
    upstream.on('error', () => outgoing.destroy());
    outgoing.on('close', () => { if (!outgoing.writableEnded) upstream.destroy(); });  // a withdrawn get
    incoming.pipe(upstream);
  });
  return new Promise((resolve) => proxyServer.listen(0, '127.0.0.1', () => resolve({
    signal: `http://127.0.0.1:${proxyServer.address().port}/sig`,
    changed,
    stop: () => new Promise((done) => { proxyServer.closeAllConnections(); proxyServer.close(done); }),
  })));
}
