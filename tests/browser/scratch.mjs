// Where a test process's temporary folders go: one folder per process, /tmp/webchat-tmp-<pid>-<random>
// (mkdtemp), made TMPDIR for the process and everything it starts before any browser is launched. Playwright's
// and puppeteer's profiles and artifacts (playwright_chromiumdev_profile-*, playwright-artifacts-*,
// puppeteer_dev_firefox_profile-*), Chromium's and Firefox's own temporary files, the hand-started
// Chromiums' profiles (webchat-chromium-*) and the lab's folders (webchat-lab-*) all land in it.
//
// Each library removes its folders when its browser closes, but not when the test process dies first
// (ctest's timeout SIGKILLs it) or a browser is SIGKILLed while its processes still write. So the
// folder goes as a whole when the process exits, and the next test process removes every such folder
// whose process is gone (never a live one's: tests run side by side). Imported first by the harness,
// the drivers and the lab, so it runs before playwright or puppeteer is loaded.

import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = tmpdir();  // /tmp, unless the environment says otherwise
const PREFIX = 'webchat-tmp-';

/** Whether process `pid` still runs (another user's too: signalling it is refused, EPERM). */
export const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
};

const remove = (dir) => {
  try {
    rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
  } catch {
    // A process still writing in it (a browser's orphan): the next test process removes it.
  }
};

/** Removes the scratch folders of test processes that are gone; returns their paths. */
export function removeStaleScratch() {
  const removed = [];
  for (const name of readdirSync(ROOT)) {
    const match = new RegExp(`^${PREFIX}(\\d+)-`).exec(name);
    if (!match || Number(match[1]) === process.pid || alive(Number(match[1]))) continue;
    remove(join(ROOT, name));
    removed.push(join(ROOT, name));
  }
  return removed;
}

removeStaleScratch();
/** This process's folder, its TMPDIR from now on. */
export const SCRATCH = mkdtempSync(join(ROOT, `${PREFIX}${process.pid}-`));
process.env.TMPDIR = SCRATCH;
process.on('exit', () => remove(SCRATCH));
