// What every test that runs simdgrad in a real browser needs, in one place: an esbuild bundle for
// browsers (ESM, es2022, in memory), a localhost server of in-memory files (optionally
// cross-origin isolated), and headless Chromium (Debian's /usr/bin/chromium driven by
// playwright-core; never a downloaded browser) in a temporary profile that is removed on close.
import { createServer } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build, type OutputFile } from 'esbuild';
import { chromium, type BrowserContext } from 'playwright-core';

/** Debian's Chromium, the only browser these tests run. */
export const CHROMIUM = '/usr/bin/chromium';

/** Flags for a quiet headless run: no sandbox (containers), no GPU, no network chatter. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** The entry to bundle: a file path, or source text resolved from `resolveDir`. */
export type BundleEntry = string | { contents: string; resolveDir: string; sourcefile?: string };

/** Bundles `entry` for browsers (ESM, es2022) in memory; `.contents` are the bytes, `.text` the source. */
export async function bundleForBrowser(entry: BundleEntry): Promise<OutputFile> {
  const result = await build({
    ...(typeof entry === 'string'
      ? { entryPoints: [entry] }
      : { stdin: { loader: 'ts' as const, sourcefile: 'entry.ts', ...entry } }),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'error',
  });
  return result.outputFiles[0];
}

/** Path -> [content type, body] of what the server answers; anything else is a 404. */
export type Files = Record<string, [contentType: string, body: string | Uint8Array]>;

/** A running localhost server. */
export interface Served {
  /** `http://127.0.0.1:<port>` */
  base: string;
  close(): Promise<void>;
}

/**
 * Serves `files` on a free localhost port, uncached. `isolation`: 'all' sends COOP/COEP (a
 * cross-origin isolated page, so SharedArrayBuffer and threads) with every file; 'prefix' serves
 * each file under /coi/... with those headers and under /plain/... without them.
 */
export async function serveFiles(files: Files, isolation: 'none' | 'all' | 'prefix' = 'none'): Promise<Served> {
  const server = createServer((req, res) => {
    let path = new URL(req.url ?? '/', 'http://localhost').pathname;
    let coi = isolation === 'all';
    if (isolation === 'prefix') {
      coi = path.startsWith('/coi/');
      path = path.replace(/^\/(coi|plain)(?=\/)/, '');
    }
    const file = files[path];
    if (!file) {
      res.writeHead(404).end();
      return;
    }
    const headers: Record<string, string> = { 'content-type': file[0], 'cache-control': 'no-store' };
    if (coi) {
      headers['cross-origin-opener-policy'] = 'same-origin';
      headers['cross-origin-embedder-policy'] = 'require-corp';
    }
    res.writeHead(200, headers).end(file[1]);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  const base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  return { base, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/** A headless Chromium context in its own temporary profile. */
export interface Chromium {
  context: BrowserContext;
  /** Closes the browser and removes the profile. */
  close(): Promise<void>;
}

/** Starts headless Chromium with CHROMIUM_ARGS (or `opts.args` instead) in a fresh temporary profile. */
export async function launchChromium(
  opts: { args?: string[]; acceptDownloads?: boolean; viewport?: { width: number; height: number } } = {},
): Promise<Chromium> {
  const profile = mkdtempSync(join(tmpdir(), 'simdgrad-chromium-'));
  try {
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      acceptDownloads: opts.acceptDownloads ?? false,
      ...(opts.viewport ? { viewport: opts.viewport } : {}),
      args: opts.args ?? CHROMIUM_ARGS,
    });
    return {
      context,
      close: async () => {
        await context.close();
        rmSync(profile, { recursive: true, force: true });
      },
    };
  } catch (e) {
    rmSync(profile, { recursive: true, force: true });
    throw e;
  }
}
