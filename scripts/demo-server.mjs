// `npm run demo`: serves the built demo (demo/dist, from `npm run demo:build`) on 127.0.0.1.
// By default with the two headers that make the page cross-origin isolated, so that simdgrad's
// wasm kernels can run on several threads (SharedArrayBuffer):
//   Cross-Origin-Opener-Policy: same-origin
//   Cross-Origin-Embedder-Policy: require-corp
// `--no-isolation` serves without them (the page then trains on one thread and says so).
//   node scripts/demo-server.mjs [--port 8080] [--no-isolation] [--dir demo/dist]
// startDemoServer() is exported for the tests (port 0: any free port).
import { createServer } from 'node:http';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.bin': 'application/octet-stream',
  '.png': 'image/png',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
};

/**
 * Starts the demo's server. Resolves to its URL and a close function.
 * @param {{ dir?: string, port?: number, host?: string, isolation?: boolean }} [opts]
 */
export function startDemoServer(opts = {}) {
  const dir = resolve(opts.dir ?? join(root, 'demo', 'dist'));
  const isolation = opts.isolation ?? true;
  const host = opts.host ?? '127.0.0.1';
  if (!existsSync(join(dir, 'index.html'))) {
    throw new Error(`demo server: ${dir} has no index.html; run \`npm run demo:build\` first`);
  }
  const server = createServer((req, res) => {
    let path;
    try {
      path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    } catch {
      res.writeHead(400).end('bad request');
      return;
    }
    if (path.endsWith('/')) path += 'index.html';
    const file = normalize(join(dir, path));
    const headers = { 'cache-control': 'no-store' };
    if (isolation) {
      headers['cross-origin-opener-policy'] = 'same-origin';
      headers['cross-origin-embedder-policy'] = 'require-corp';
    }
    if ((file !== dir && !file.startsWith(dir + sep)) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, { ...headers, 'content-type': 'text/plain' }).end('not found');
      return;
    }
    headers['content-type'] = TYPES[extname(file)] ?? 'application/octet-stream';
    res.writeHead(200, headers);
    res.end(req.method === 'HEAD' ? undefined : readFileSync(file));
  });
  return new Promise((resolveStart, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 8080, host, () => {
      const addr = server.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      resolveStart({
        url: `http://${host}:${port}/`,
        isolation,
        close: () => new Promise((r) => server.close(() => r(undefined))),
      });
    });
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2);
  const value = (name, fallback) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : fallback;
  };
  const { url, isolation } = await startDemoServer({
    dir: value('--dir', undefined),
    port: Number(value('--port', process.env.PORT ?? 8080)),
    isolation: !args.includes('--no-isolation'),
  });
  console.log(`simdgrad demo: ${url}`);
  console.log(
    isolation
      ? 'served with COOP/COEP (cross-origin isolated: threads on); --no-isolation serves without'
      : 'served without COOP/COEP: the page trains on one thread',
  );
}
