// Screenshots of the built API site (run `npm run docs` first): serves docs/api on 127.0.0.1,
// opens pages in headless Chromium (playwright-core, /usr/bin/chromium or $CHROMIUM) and writes
// PNGs to the folder given (default scratch/docs-shots, gitignored). Exits 1 when a page is
// missing, logs a console error, or fails to load a resource.
//
//   node scripts/docs-screenshots.mjs [outDir] [page.html ...]
import { createServer } from 'node:http';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, normalize, resolve } from 'node:path';
import { chromium } from 'playwright-core';

const site = resolve('docs/api');
const out = resolve(process.argv[2] ?? 'scratch/docs-shots');
const pages = process.argv.length > 3 ? process.argv.slice(3) : [
  'index.html',
  'functions/conv2d.html',
  'classes/Dense.html',
  'documents/For_Keras_users.html',
];
if (!existsSync(join(site, 'index.html'))) {
  console.error('docs-screenshots: docs/api/index.html is missing; run `npm run docs` first');
  process.exit(1);
}
mkdirSync(out, { recursive: true });

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png', '.json': 'application/json' };
const server = createServer((req, res) => {
  const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)).replace(/^([/\\])+/, '');
  const file = join(site, path || 'index.html');
  if (!file.startsWith(site) || !existsSync(file) || !statSync(file).isFile()) {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const base = `http://127.0.0.1:${server.address().port}`;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
});
let failed = false;
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const problems = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  // The site has no favicon; the browser asks for one anyway.
  const favicon = (u) => u.endsWith('/favicon.ico');
  page.on('response', (r) => r.status() >= 400 && !favicon(r.url()) && problems.push(`HTTP ${r.status()} ${r.url()}`));
  page.on('console', (m) => m.type() === 'error' && !favicon(m.location().url ?? '') && problems.push(`console: ${m.text()}`));
  for (const p of pages) {
    problems.length = 0;
    const resp = await page.goto(`${base}/${p}`, { waitUntil: 'networkidle' });
    const title = await page.title();
    const shot = join(out, p.replace(/[/\\]/g, '_').replace(/\.html$/, '.png'));
    await page.screenshot({ path: shot, fullPage: false });
    const ok = resp?.ok() && problems.length === 0;
    failed ||= !ok;
    console.log(`${ok ? 'ok  ' : 'FAIL'} ${p} "${title}" -> ${shot}${problems.length ? '\n  ' + problems.join('\n  ') : ''}`);
  }
} finally {
  await browser.close();
  server.close();
}
process.exit(failed ? 1 : 0);
