// Both drivers' pages report their errors the same way: to stderr, labelled with the browser's name.

/** Sends a page's uncaught errors and console errors to stderr. */
export function forwardPageErrors(page, name) {
  page.on('pageerror', (error) => console.error(`[${name}] page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') console.error(`[${name}] console: ${message.text()}`);
  });
}
