// One headless Chromium and one temporary folder for a browser test, both gone afterwards.
import * as fs from 'fs';
import { Browser } from './cdp';
import { tempDir } from '../helpers/colour-run';

export async function withBrowser<T>(prefix: string, fn: (browser: Browser, work: string) => Promise<T>): Promise<T> {
  const work = tempDir(prefix);
  const browser = await Browser.launch();
  try {
    return await fn(browser, work);
  } finally {
    await browser.close();
    fs.rmSync(work, { recursive: true, force: true });
  }
}
