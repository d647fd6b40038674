// Installability: registers the service worker (sw.js) that keeps the app shell for offline opening.
// Only a served page can have one (not file://); it is registered once the page has loaded, so its
// first download of the shell never competes with a join.

export function registerServiceWorker() {
  if (!('serviceWorker' in navigator) || !/^https?:$/.test(location.protocol)) return;
  const register = () => navigator.serviceWorker.register('sw.js').catch((error) => {
    console.warn(`webchat: no offline copy of the page (${error.message})`);
  });
  if (document.readyState === 'complete') register();
  else window.addEventListener('load', register, { once: true });
}
