/// <reference lib="dom" />
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { writeExampleRun, writeRunReport } from '../src/index.js';

const browser = '/usr/bin/chromium';
const outDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'test-output');

describe('the report in headless Chromium', () => {
  it('renders every figure with a size, logs no console errors, makes no requests, and is screenshotted', async (ctx) => {
    if (!existsSync(browser)) ctx.skip(`${browser} is missing (install Debian's chromium to run this test)`);
    const tmp = await mkdtemp(join(tmpdir(), 'deepsc-browser-'));
    const context = await chromium.launchPersistentContext(join(tmp, 'profile'), {
      executablePath: browser,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
      viewport: { width: 1400, height: 900 },
    });
    try {
      await mkdir(outDir, { recursive: true });
      await writeExampleRun(join(tmp, 'run'));
      const { path } = await writeRunReport(join(tmp, 'run'), join(outDir, 'report.html'), {
        bootstrap: { resamples: 200 },
      });
      const page = await context.newPage();
      const errors: string[] = [];
      const requests: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'warning') errors.push(`${m.type()}: ${m.text()}`);
      });
      page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
      await page.route('**/*', (route) => {
        const url = route.request().url();
        if (url.startsWith('file:') || url.startsWith('data:')) return route.continue();
        requests.push(url);
        return route.abort();
      });
      await page.goto(pathToFileURL(path).href, { waitUntil: 'load' });
      const figures = await page.evaluate(() =>
        Array.from(document.querySelectorAll('svg.figure, img')).map((el) => {
          const r = el.getBoundingClientRect();
          const img = el instanceof HTMLImageElement ? el : null;
          return {
            tag: el.tagName.toLowerCase(),
            label: el.getAttribute('aria-label') ?? el.getAttribute('alt') ?? '',
            width: r.width,
            height: r.height,
            decoded: img ? img.complete && img.naturalWidth > 0 : true,
            children: el.childElementCount,
          };
        }),
      );
      expect(figures.filter((f) => f.tag === 'svg')).toHaveLength(16);
      expect(figures.filter((f) => f.tag === 'img')).toHaveLength(24);
      for (const f of figures) {
        expect(f.width, f.label).toBeGreaterThan(0);
        expect(f.height, f.label).toBeGreaterThan(0);
        expect(f.decoded, f.label).toBe(true);
        if (f.tag === 'svg') expect(f.children, f.label).toBeGreaterThan(5);
      }
      expect(errors).toEqual([]);
      expect(requests).toEqual([]);
      await page.screenshot({ path: join(outDir, 'report.png'), fullPage: true });
      expect(existsSync(join(outDir, 'report.png'))).toBe(true);
    } finally {
      await context.close();
      await rm(tmp, { recursive: true, force: true });
    }
  });
});
