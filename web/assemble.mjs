// Builds the web app folder: copies web/ and the compiled room logic, and writes an index.html with
// its stylesheet and scripts inlined, because a page opened from file:// may not load module scripts
// or fetch files next to it. Served over HTTP the same single file works too.
//
//   node web/assemble.mjs <web source folder> <built webchat-core.js> <output folder> [esbuild]
//
// emcc writes webchat-core.wasm beside webchat-core.js; the webchat-core.js written here carries it.
// With esbuild, the page's bundled script and the core's glue are minified (the page's weight: see
// tools/page-size); the module's other files stay as written, for embedders to read.

import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { constants, gzipSync } from 'node:zlib';

const [source, coreJs, out, esbuild] = process.argv.slice(2);
if (!out) {
  console.error('usage: node assemble.mjs <web source folder> <built webchat-core.js> <output folder> [esbuild]');
  process.exit(2);
}

const gzip = (bytes) => gzipSync(bytes, { level: constants.Z_BEST_COMPRESSION });

// esbuild's minifier on one script (`format`: 'esm' for a module, undefined for a classic script,
// whose top-level names stay as they are: they are globals).
function minified(code, format) {
  if (!esbuild) return code;
  return execFileSync(esbuild, ['--minify', '--log-level=warning', ...(format ? [`--format=${format}`] : [])],
                      { input: code, encoding: 'utf8', maxBuffer: 64 << 20 });
}

// webchat-core.js: emcc's glue defining the factory WebchatCore(options), then a wrapper that hands
// it the WebAssembly, embedded gzipped in base64 and unpacked with DecompressionStream. Embedded
// because Chromium will not fetch a .wasm from file://; gzipped because the page travels gzipped, and
// gzip finds little to squeeze in emcc's own base64 (-sSINGLE_FILE): 30 KB more on the wire.
// The base64 is decoded natively where the browser can (Uint8Array.fromBase64, ~0.2 ms for the 156 KB
// here), else by atob and a plain loop over its characters. Never by fetching a data: URL: an
// embedder's page whose Content-Security-Policy limits connect-src blocks that fetch (docs/web.md).
// A caller's own options.wasmBinary is used as given.
function packedCore() {
  const glue = readFileSync(coreJs, 'utf8');
  const wasm = gzip(readFileSync(coreJs.replace(/\.js$/, '.wasm'))).toString('base64');
  return minified(`${glue}
WebchatCore = ((factory, packed) => {
  const gzipped = () => {
    if (Uint8Array.fromBase64) return Uint8Array.fromBase64(packed);
    const text = atob(packed);
    const bytes = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
    return bytes;
  };
  const unpack = async () => new Response(new Response(gzipped()).body.pipeThrough(new DecompressionStream('gzip'))).arrayBuffer();
  return (options = {}) => (options.wasmBinary ? Promise.resolve(options.wasmBinary) : unpack())
    .then((wasmBinary) => factory({ ...options, wasmBinary }));
})(WebchatCore, '${wasm}');
if (typeof module === 'object' && module.exports) module.exports = WebchatCore;
`);
}

mkdirSync(out, { recursive: true });
// The page's npm packages (web/node_modules, pinned in web/package-lock.json) are bundled, not copied.
const NOT_COPIED = /(^|\/)(assemble\.mjs|node_modules|package(-lock)?\.json)$/;
cpSync(source, out, { recursive: true, filter: (path) => !NOT_COPIED.test(path.replaceAll('\\', '/')) });
const core = packedCore();
writeFileSync(join(out, 'webchat-core.js'), core);

const read = (name) => (name === 'webchat-core.js' ? core : readFileSync(join(source, name), 'utf8'));

// Inside an inline <script>, the text "</script" would end it early.
const scriptSafe = (code) => code.replaceAll('</script', '<\\/script');

// --- A bundler for the page's own modules, just big enough for them ------------------------------
// Each imported file becomes a function scope that returns its exports, so two files may use the
// same top-level names; an importer then reads the names it imports from that object. Only the
// forms the page and its npm packages use are accepted, anything else fails the build rather than
// bundling wrongly:
//   import { a, b as c } from './x.js';          export function|class|const|let name ...
//   export { a, b as c };                        export default name;

const IMPORT = /^import\s*\{([^}]*)\}\s*from\s*'(\.{1,2}\/[^']+\.js)';?[ \t]*$/gm;
const EXPORTED_NAME = /^export\s+(?:async\s+)?(?:function\*?|class|const|let)\s+([A-Za-z_$][\w$]*)/gm;

const scopeName = (file) => `__module_${file.replace(/[^\w$]/g, '_')}`;

// `a, b as c` → `a, b: c`: the destructuring that reads those names from a module's scope.
function importedNames(list, file) {
  return list.split(',').map((item) => item.trim()).filter(Boolean).map((item) => {
    const match = /^([A-Za-z_$][\w$]*)(?:\s+as\s+([A-Za-z_$][\w$]*))?$/.exec(item);
    if (!match) throw new Error(`${file}: cannot bundle the import of "${item}"`);
    return match[2] ? `${match[1]}: ${match[2]}` : match[1];
  }).join(', ');
}

// Rewrites `file`'s imports to reads from its dependencies' scopes; lists the dependencies.
function rewriteImports(file) {
  const dependencies = [];
  const code = read(file).replace(IMPORT, (_, names, path) => {
    const dependency = posix.join(posix.dirname(file), path);
    dependencies.push(dependency);
    return `const { ${importedNames(names, file)} } = ${scopeName(dependency)};`;
  });
  if (/^\s*import\b/m.test(code)) throw new Error(`${file}: only "import { ... } from './x.js';" can be bundled`);
  return { code, dependencies };
}

const EXPORT_LIST = /^export\s*\{([^}]*)\};?[ \t]*$/gm;
const EXPORT_DEFAULT = /^export\s+default\s+([A-Za-z_$][\w$]*);?[ \t]*$/gm;

function asScope(file, code) {
  const names = [...code.matchAll(EXPORTED_NAME)].map((match) => match[1]);
  code = code.replace(EXPORT_LIST, (_, list) => {
    for (const item of list.split(',').map((entry) => entry.trim()).filter(Boolean)) {
      const match = /^([A-Za-z_$][\w$]*)(?:\s+as\s+([A-Za-z_$][\w$]*))?$/.exec(item);
      if (!match) throw new Error(`${file}: cannot bundle the export of "${item}"`);
      names.push(match[2] ? `${match[2]}: ${match[1]}` : match[1]);
    }
    return '';
  }).replace(EXPORT_DEFAULT, (_, name) => {
    names.push(`default: ${name}`);
    return '';
  });
  if (/^export\s+(default|\{|\*)|^export\s+(const|let)\s*[{[]/m.test(code)) {
    throw new Error(`${file}: only "export function|class|const|let name", "export { a, b as c };" and "export default name;" can be bundled`);
  }
  const body = code.replace(/^export\s+/gm, '');
  return `const ${scopeName(file)} = (() => {\n// ${file}\n${body}\nreturn { ${names.join(', ')} };\n})();`;
}

// The entry module with every file it imports, dependencies first, each file once.
function bundle(entry) {
  const done = new Set();
  const visiting = new Set();
  const scopes = [];
  function visit(file) {
    if (done.has(file)) return;
    if (visiting.has(file)) throw new Error(`${file}: circular import`);
    visiting.add(file);
    const { code, dependencies } = rewriteImports(file);
    dependencies.forEach(visit);
    if (file !== entry) scopes.push(asScope(file, code));
    else scopes.push(`// ${entry}\n${code}`);
    visiting.delete(file);
    done.add(file);
  }
  visit(entry);
  return scopes.join('\n');
}

function replaceOnce(html, tag, replacement) {
  if (!html.includes(tag)) throw new Error(`index.html lacks ${tag}`);
  return html.replace(tag, () => replacement);
}

let html = read('index.html');
html = replaceOnce(html, '<link rel="stylesheet" href="style.css">', `<style>\n${read('style.css')}</style>`);
html = replaceOnce(html, '<script src="webchat-core.js"></script>', `<script>${scriptSafe(read('webchat-core.js'))}</script>`);
html = replaceOnce(html, '<script type="module" src="app.js"></script>',
                   `<script type="module">\n${scriptSafe(minified(bundle('app.js'), 'esm'))}</script>`);
writeFileSync(join(out, 'index.html'), html);

// A gzip copy beside every text file: webchat-server sends it to browsers that take gzip (a third of
// the bytes), compressing nothing per request.
for (const entry of readdirSync(out, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || !/\.(html|js|mjs|css|svg|json)$/.test(entry.name)) continue;
  const path = join(entry.parentPath ?? entry.path, entry.name);
  writeFileSync(`${path}.gz`, gzip(readFileSync(path)));
}
