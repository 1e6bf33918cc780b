// Dataset files and downloads are bounded (issue 14 item 10): a gzip bomb given as an MNIST file
// stops inflating at the size its IDX header promises; downloads time out when no data arrives,
// stop at a size cap (Content-Length checked first, then the bytes as they come) and report
// progress. The servers are node:http on 127.0.0.1, so the test needs no network.
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as sg from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'sg-limits-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** An IDX header for uint8 data of `shape`. */
function idxHeader(shape: number[]): Uint8Array {
  const h = new Uint8Array(4 + 4 * shape.length);
  h[2] = 0x08;
  h[3] = shape.length;
  const v = new DataView(h.buffer);
  shape.forEach((d, i) => v.setUint32(4 + 4 * i, d, false));
  return h;
}

/** gzip of an IDX header for [10, 28, 28] followed by `zeros` bytes of zeros (a bomb when zeros >> 7840). */
function bomb(zeros: number): Uint8Array {
  const raw = new Uint8Array(16 + zeros);
  raw.set(idxHeader([10, 28, 28]));
  return new Uint8Array(gzipSync(raw, { level: 9 }));
}

describe('gzip decompression is bounded', () => {
  it('an IDX gzip bomb stops at the size its header promises', async () => {
    const gz = bomb(64 * 1024 * 1024); // 64 MiB of zeros behind a header promising 7,856 bytes
    expect(gz.length).toBeLessThan(200_000);
    const t0 = performance.now();
    const err = await sg.datasets.maybeGunzip(gz, 'bomb.gz', { sizeFromHeader: sg.datasets.idxSizeFromHeader }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.message).toMatch(/^maybeGunzip: bomb.gz decompresses to more than the 7,856 bytes its header promises/);
    // It stopped within one output chunk of the promise, not after 64 MiB.
    const stopped = Number(/stopped after ([\d,]+) bytes/.exec(err!.message)![1].replace(/,/g, ''));
    expect(stopped).toBeLessThanOrEqual(7856 + 65536);
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  it('a gzip file over the hard cap stops at the cap; a good file passes', async () => {
    const gz = new Uint8Array(gzipSync(new Uint8Array(4 * 1024 * 1024)));
    await expect(sg.datasets.maybeGunzip(gz, 'big.gz', { maxBytes: 1024 * 1024 })).rejects.toThrow(
      /big.gz decompresses to more than 1,048,576 bytes \(maxBytes\)/,
    );
    const ok = await sg.datasets.maybeGunzip(gz, 'big.gz', { maxBytes: 4 * 1024 * 1024 });
    expect(ok.length).toBe(4 * 1024 * 1024);
    const raw = new Uint8Array([...idxHeader([3]), 1, 2, 3]);
    const back = await sg.datasets.maybeGunzip(new Uint8Array(gzipSync(raw)), 'ok.gz', {
      sizeFromHeader: sg.datasets.idxSizeFromHeader,
    });
    expect(sg.datasets.parseIdx(back).data).toEqual(new Uint8Array([1, 2, 3]));
  });

  it('mnist() given a gzip bomb as its training images rejects it without inflating it', async () => {
    const d = join(dir, 'bomb');
    rmSync(d, { recursive: true, force: true });
    const files = [
      'train-images-idx3-ubyte',
      'train-labels-idx1-ubyte',
      't10k-images-idx3-ubyte',
      't10k-labels-idx1-ubyte',
    ];
    const { mkdirSync } = await import('node:fs');
    mkdirSync(d);
    writeFileSync(join(d, files[0] + '.gz'), bomb(64 * 1024 * 1024));
    const labels = new Uint8Array([...idxHeader([10]), ...new Array(10).fill(1)]);
    const images = new Uint8Array([...idxHeader([10, 28, 28]), ...new Uint8Array(7840)]);
    writeFileSync(join(d, files[1] + '.gz'), gzipSync(labels));
    writeFileSync(join(d, files[2] + '.gz'), gzipSync(images));
    writeFileSync(join(d, files[3] + '.gz'), gzipSync(labels));
    const before = sg.memory().numTensors;
    await expect(sg.datasets.mnist({ path: d, download: false })).rejects.toThrow(
      /train-images-idx3-ubyte.gz decompresses to more than the 7,856 bytes its header promises/,
    );
    expect(sg.memory().numTensors).toBe(before);
    // The same directory with a well-formed training file loads.
    writeFileSync(join(d, files[0] + '.gz'), gzipSync(images));
    const ds = await sg.datasets.mnist({ path: d, download: false });
    expect(ds.xTrain.shape).toEqual([10, 28, 28]);
    sg.dispose([ds.xTrain, ds.yTrain, ds.xTest, ds.yTest]);
  });
});

describe('downloads time out, are capped and report progress', () => {
  let server: Server;
  let base = '';
  const open = new Set<ServerResponse>();
  beforeAll(async () => {
    server = createServer((req, res) => {
      open.add(res);
      res.on('close', () => open.delete(res));
      // The first path segment picks the behaviour, so mnist's '<base>/<file>.gz' reaches it too.
      const url = '/' + (req.url ?? '').split('/')[1];
      if (url === '/silent') return; // never answers
      if (url === '/stall') {
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        res.write(new Uint8Array(1000)); // headers and 1,000 bytes, then nothing
        return;
      }
      if (url === '/forever' || url === '/lying-length') {
        res.writeHead(200, url === '/lying-length' ? { 'content-length': '100000000' } : {});
        const chunk = new Uint8Array(64 * 1024);
        const pump = () => {
          while (!res.destroyed && res.write(chunk));
          if (!res.destroyed) res.once('drain', pump);
        };
        pump();
        return;
      }
      if (url === '/huge-length') {
        res.writeHead(200, { 'content-length': String(10 * 1024 ** 3) });
        res.write(new Uint8Array(10));
        return;
      }
      if (url === '/ok') {
        const body = new Uint8Array(300_000).map((_, i) => i & 255);
        res.writeHead(200, { 'content-length': String(body.length) });
        res.end(body);
        return;
      }
      res.writeHead(404);
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    for (const r of open) r.destroy();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  /** No temporary or final file is left in `d`. */
  const noFiles = (d: string) => expect(existsSync(d) ? readdirSync(d) : []).toEqual([]);

  it('a server that never answers times out', async () => {
    const d = join(dir, 'silent');
    const t0 = performance.now();
    await expect(sg.datasets.downloadFile(`${base}/silent`, join(d, 'x'), { timeoutMs: 300 })).rejects.toThrow(
      /^downloadFile: .*\/silent: no response within 300 ms \(timeoutMs\)/,
    );
    expect(performance.now() - t0).toBeLessThan(3000);
    noFiles(d);
  });

  it('a server that stops sending times out', async () => {
    const d = join(dir, 'stall');
    await expect(sg.datasets.downloadFile(`${base}/stall`, join(d, 'x'), { timeoutMs: 300 })).rejects.toThrow(
      /no data for 300 ms after 1,000 bytes \(timeoutMs\)/,
    );
    noFiles(d);
  });

  it('a server that streams forever is cut at maxBytes; a Content-Length over the cap is refused at once', async () => {
    const d = join(dir, 'forever');
    const t0 = performance.now();
    await expect(
      sg.datasets.downloadFile(`${base}/forever`, join(d, 'x'), { maxBytes: 2 * 1024 * 1024 }),
    ).rejects.toThrow(/more than 2,097,152 bytes \(maxBytes\)/);
    await expect(
      sg.datasets.downloadFile(`${base}/lying-length`, join(d, 'x'), { maxBytes: 2 * 1024 * 1024 }),
    ).rejects.toThrow(/Content-Length of 100,000,000 bytes is more than maxBytes \(2,097,152\)/);
    await expect(sg.datasets.downloadFile(`${base}/huge-length`, join(d, 'x'))).rejects.toThrow(
      /Content-Length of 10,737,418,240 bytes is more than maxBytes \(1,073,741,824\)/,
    );
    expect(performance.now() - t0).toBeLessThan(5000);
    noFiles(d);
  });

  it('progress is reported with the Content-Length; bad options are errors', async () => {
    const d = join(dir, 'ok');
    const seen: [number, number | undefined][] = [];
    await sg.datasets.downloadFile(`${base}/ok`, join(d, 'x'), { onProgress: (r, t) => seen.push([r, t]) });
    expect(seen.length).toBeGreaterThan(0);
    expect(seen[seen.length - 1]).toEqual([300_000, 300_000]);
    for (let i = 1; i < seen.length; i++) expect(seen[i][0]).toBeGreaterThan(seen[i - 1][0]);
    await expect(sg.datasets.downloadFile(`${base}/ok`, join(d, 'y'), { timeoutMs: -1 })).rejects.toThrow(
      /downloadFile: option 'timeoutMs' must be a number > 0 but is -1/,
    );
    await expect(sg.datasets.downloadFile(`${base}/ok`, join(d, 'y'), { maxbytes: 5 } as never)).rejects.toThrow(
      /downloadFile: unknown option 'maxbytes'.*'maxBytes'/,
    );
  });

  it('fetchBytes (the in-memory download of the browser loaders) has the same bounds', async () => {
    await expect(sg.datasets.fetchBytes(`${base}/silent`, { timeoutMs: 300 })).rejects.toThrow(
      /^fetchBytes: .*no response within 300 ms/,
    );
    await expect(sg.datasets.fetchBytes(`${base}/forever`, { maxBytes: 1024 * 1024 })).rejects.toThrow(
      /more than 1,048,576 bytes \(maxBytes\)/,
    );
    const got = await sg.datasets.fetchBytes(`${base}/ok`);
    expect(got.length).toBe(300_000);
    expect(got[257]).toBe(1);
  });

  it('mnist({ baseUrl }) on a server that never answers fails within its timeout', async () => {
    const cache = join(dir, 'mnist-cache');
    const t0 = performance.now();
    await expect(sg.datasets.mnist({ baseUrl: `${base}/silent`, cacheDir: cache, timeoutMs: 300 })).rejects.toThrow(
      /^mnist: could not download train-images-idx3-ubyte.gz:\n.*no response within 300 ms/,
    );
    expect(performance.now() - t0).toBeLessThan(3000);
    const progress: string[] = [];
    await expect(
      sg.datasets.mnist({
        baseUrl: `${base}/forever`,
        cacheDir: cache,
        maxDownloadBytes: 1024 * 1024,
        onProgress: (p) => progress.push(p.file),
      }),
    ).rejects.toThrow(/more than 1,048,576 bytes \(maxBytes\)/);
    expect(progress[0]).toBe('train-images-idx3-ubyte.gz');
  });
});
