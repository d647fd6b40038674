// Imports a module of build/web/crypto (ctest sets WEBCHAT_WEB_ROOT; by hand, the checkout's build/).
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const webRoot = process.env.WEBCHAT_WEB_ROOT ?? fileURLToPath(new URL('../../build/web', import.meta.url));
export const load = (file) => import(pathToFileURL(resolve(webRoot, 'crypto', file)).href);
