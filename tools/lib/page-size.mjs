// What the built web app weighs on the wire (gzip -9, as the server sends it: web/assemble.mjs writes
// the .gz copies): the page a visitor downloads, its parts, and the module an embedder downloads.
// Used by tools/page-size and tools/bench-join.

import { readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { constants, gunzipSync, gzipSync } from 'node:zlib';

// Issue #15: "keep the page under 200 KB gzipped" (KB read as 1,000 bytes, the stricter reading).
export const PAGE_TARGET_BYTES = 200_000;

const gzipped = (bytes) => gzipSync(bytes, { level: constants.Z_BEST_COMPRESSION }).length;

// The module's files: webchat.js and every file it imports, found by following its static imports.
function moduleFiles(webRoot, entry) {
  const found = new Set();
  const visit = (file) => {
    if (found.has(file)) return;
    found.add(file);
    for (const [, path] of readFileSync(join(webRoot, file), 'utf8').matchAll(/^import\s[^;]*?from\s*'(\.{1,2}\/[^']+)'/gm)) {
      visit(posix.join(posix.dirname(file), path));
    }
  };
  visit(entry);
  return [...found];
}

// Sizes in bytes, gzipped. `page`: everything a first visit downloads (index.html, which inlines the
// stylesheet, the room logic and the page's script; the service worker, manifest and icon it names).
// `parts`: index.html's pieces, each gzipped alone (their sum is a little over index.html's).
export function pageSizes(webRoot) {
  const read = (file) => readFileSync(join(webRoot, file));
  const html = read('index.html').toString('utf8');
  const shell = ['index.html', 'sw.js', 'manifest.webmanifest', 'icon.svg'];
  const scripts = [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
  const core = scripts.find(([, attributes]) => !/type="module"/.test(attributes))?.[2] ?? '';
  const pageScript = scripts.find(([, attributes]) => /type="module"/.test(attributes))?.[2] ?? '';
  const packed = /["'`]([A-Za-z0-9+/=]{1000,})["'`]/.exec(core)?.[1] ?? '';  // the gzipped WebAssembly, base64
  const markup = scripts.reduce((rest, [script]) => rest.replace(script, ''), html);
  const modules = [...moduleFiles(webRoot, 'webchat.js'), 'webchat-core.js'];
  const shellSizes = new Map(shell.map((file) => [file, gzipped(read(file))]));  // index.html is 330 KB: gzipped once
  return {
    page: [...shellSizes.values()].reduce((sum, size) => sum + size, 0),
    html: shellSizes.get('index.html'),
    shellFiles: shell,
    parts: {
      wasm: gzipped(packed),
      wasmBytes: packed ? gunzipSync(Buffer.from(packed, 'base64')).length : 0,  // unpacked
      glue: gzipped(core.replace(packed, '')),
      script: gzipped(pageScript),
      markup: gzipped(markup),
    },
    module: modules.reduce((sum, file) => sum + gzipped(read(file)), 0),
    moduleFiles: modules,
    noble: gzipped(read('crypto/noble.js')),
  };
}
