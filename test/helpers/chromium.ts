import { access, constants } from 'node:fs/promises';

/** Debian's `chromium` (installed by .ci/run), or CHROMIUM_PATH; the browser tests need one. */
export async function findChromium(): Promise<string> {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter((p): p is string => Boolean(p));
  for (const candidate of candidates) {
    if (await access(candidate, constants.X_OK).then(() => true, () => false)) return candidate;
  }
  throw new Error('no Chromium: install Debian’s chromium (apt-get install chromium; .ci/run does) or set CHROMIUM_PATH');
}
