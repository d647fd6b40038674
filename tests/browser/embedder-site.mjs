// An embedder's web site: a node HTTP server on a loopback origin of its own (not the signaling
// server's), serving the built module's files from WEB_ROOT as an embedder hosting them would, and
// the pages a test gives it, every answer with the test's headers (a Content-Security-Policy, say).

import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, resolve, sep } from 'node:path';

import { WEB_ROOT } from './harness.mjs';

const TYPES = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.html': 'text/html; charset=utf-8', '.json': 'application/json' };

/**
 * Starts the site on 127.0.0.1 with a port the OS picks. pages: { '/path': (url) => html }, answered
 * first; other paths are files under WEB_ROOT. headers(url) → the headers every answer gets.
 * Resolves with { origin, requests (paths asked for, in order), stop() }.
 */
export function startEmbedderSite({ pages = {}, headers = () => ({}) }) {
  const requests = [];
  const site = createServer(async (request, response) => {
    const url = new URL(request.url, 'http://site');
    requests.push(url.pathname);
    const send = (status, type, body) => {
      response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', ...headers(url) });
      response.end(body);
    };
    if (request.method !== 'GET') return send(405, 'text/plain', 'GET only');
    if (pages[url.pathname]) return send(200, TYPES['.html'], pages[url.pathname](url));
    const root = resolve(WEB_ROOT);
    const path = resolve(root, `.${decodeURIComponent(url.pathname)}`);
    if (!path.startsWith(root + sep)) return send(404, 'text/plain', 'not here');
    try {
      send(200, TYPES[extname(path)] ?? 'application/octet-stream', await readFile(path));
    } catch {
      send(404, 'text/plain', 'not here');
    }
  });
  return new Promise((resolvePromise, reject) => {
    site.once('error', reject);
    site.listen(0, '127.0.0.1', () => resolvePromise({
      origin: `http://127.0.0.1:${site.address().port}`,
      requests,
      stop: () => new Promise((done) => { site.closeAllConnections(); site.close(done); }),
    }));
  });
}
