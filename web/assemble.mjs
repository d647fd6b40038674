// Builds the web app folder: copies web/ and the compiled room logic, and writes an index.html with
// its stylesheet and scripts inlined, because a page opened from file:// may not load module scripts
// or fetch files next to it. Served over HTTP the same single file works too.
//
//   node web/assemble.mjs <web source folder> <built webchat-core.js> <output folder>

import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [source, coreJs, out] = process.argv.slice(2);
if (!out) {
  console.error('usage: node assemble.mjs <web source folder> <built webchat-core.js> <output folder>');
  process.exit(2);
}

mkdirSync(out, { recursive: true });
cpSync(source, out, { recursive: true, filter: (path) => !path.endsWith('assemble.mjs') });
cpSync(coreJs, join(out, 'webchat-core.js'));

const read = (name) => readFileSync(name === 'webchat-core.js' ? coreJs : join(source, name), 'utf8');

// Inside an inline <script>, the text "</script" would end it early.
const scriptSafe = (code) => code.replaceAll('</script', '<\\/script');

// The page's module imports its siblings (`import { a } from './x.js';`): inline each imported file
// ahead of the importer, with its `export` keywords dropped, so one inline module holds them all.
function bundle(entry) {
  const imports = [];
  const body = read(entry).replace(/^import\s+\{[^}]*\}\s+from\s+'\.\/([\w.-]+\.js)';\s*$/gm, (_, file) => {
    imports.push(file);
    return '';
  });
  if (/^\s*import\s/m.test(body)) throw new Error(`${entry}: only "import { ... } from './x.js';" can be inlined`);
  const inlined = imports.map((file) => {
    const code = read(file);
    if (/^\s*import\s|^export\s+(default|\{|\*)/m.test(code)) throw new Error(`${file}: cannot be inlined`);
    return `// ${file}\n${code.replace(/^export\s+/gm, '')}`;
  });
  return [...inlined, `// ${entry}\n${body}`].join('\n');
}

function replaceOnce(html, tag, replacement) {
  if (!html.includes(tag)) throw new Error(`index.html lacks ${tag}`);
  return html.replace(tag, () => replacement);
}

let html = read('index.html');
html = replaceOnce(html, '<link rel="stylesheet" href="style.css">', `<style>\n${read('style.css')}</style>`);
html = replaceOnce(html, '<script src="webchat-core.js"></script>', `<script>${scriptSafe(read('webchat-core.js'))}</script>`);
html = replaceOnce(html, '<script type="module" src="app.js"></script>',
                   `<script type="module">\n${scriptSafe(bundle('app.js'))}</script>`);
writeFileSync(join(out, 'index.html'), html);
