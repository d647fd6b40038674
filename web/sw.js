// The service worker: keeps the app shell (the page, which inlines its script and stylesheet, the
// manifest and the icon) so the page opens without the network, from the home screen too. The page
// is fetched from the network first, so a new version is seen at once when the server answers; the
// cache answers only when it does not. Everything else (the signaling server's /sig above all)
// passes through untouched. The room itself still needs the network.

const CACHE = 'webchat-shell';
const SHELL = ['./', 'manifest.webmanifest', 'icon.svg'];

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(self.clients.claim());
});

// The cache key of a request for the shell ('./' for the page, whatever its hash or query), or null.
function shellKey(request) {
  if (request.method !== 'GET') return null;
  const url = new URL(request.url);
  const scope = new URL(self.registration.scope);
  if (url.origin !== scope.origin || !url.pathname.startsWith(scope.pathname)) return null;
  const path = url.pathname.slice(scope.pathname.length);
  if (path === '' || path === 'index.html') return scope.href;
  return SHELL.includes(path) ? url.origin + url.pathname : null;
}

self.addEventListener('fetch', (event) => {
  const key = shellKey(event.request);
  if (!key) return;
  event.respondWith((async () => {
    const cache = await caches.open(CACHE);
    try {
      const response = await fetch(event.request);
      if (response.ok) await cache.put(key, response.clone());
      return response;
    } catch (error) {
      const cached = await cache.match(key);
      if (cached) return cached;
      throw error;
    }
  })());
});
