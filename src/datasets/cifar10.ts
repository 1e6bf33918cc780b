// CIFAR-10 as Keras' `datasets.cifar10.load_data()` gives it, read from the binary version of the
// dataset (cifar-10-binary.tar.gz: data_batch_1..5.bin and test_batch.bin, each record one label
// byte and 3072 pixel bytes, the red, green and blue 32x32 planes in turn). The archive is found
// in `path` or the cache, or downloaded there with its SHA-256 checked before it is kept.
//
// Format (as mnist.ts): images are float32 Tensors [n, 32, 32, 3] (channels last, as Keras)
// holding the unscaled pixel values 0..255; labels are int32 Tensors [n, 1], as Keras' y_train.
import type { Tensor } from '../engine/tensor.js';
import { tensor } from '../ops/creation.js';
import { isNode, nodeFs, nodeOs, nodePath } from '../callbacks/node_io.js';
import { downloadFile, sha256Hex, type FetchLike } from './download.js';
import { maybeGunzip } from './idx.js';
import type { Dataset } from './mnist.js';
import { readTar } from './tar.js';

/** The class names by label, as the dataset's batches.meta.txt lists them. */
export const CIFAR10_CLASSES = [
  'airplane',
  'automobile',
  'bird',
  'cat',
  'deer',
  'dog',
  'frog',
  'horse',
  'ship',
  'truck',
] as const;

/** The official archive: its URL, size and SHA-256, and the SHA-256 of each batch file in it. */
export const CIFAR10_ARCHIVE = {
  name: 'cifar-10-binary.tar.gz',
  urls: ['https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz'],
  bytes: 170052171,
  sha256: 'c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd',
  dir: 'cifar-10-batches-bin',
  train: ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin'],
  test: ['test_batch.bin'],
  files: {
    'data_batch_1.bin': 'cee916563c9f80d84e3cc88e17fdc0941787f1244f00a67874d45b261883ada5',
    'data_batch_2.bin': 'a591ca11fa1708a91ee40f54b3da4784ccd871ecf2137de63f51ada8b3fa57ed',
    'data_batch_3.bin': 'bbe8596564c0f86427f876058170b84dac6670ddf06d79402899d93ceea26f67',
    'data_batch_4.bin': '014e562d6e23c72197cc727519169a60359f5eccd8945ad5a09d710285ff4e48',
    'data_batch_5.bin': '755304fc0b379caeae8c14f0dac912fbc7d6cd469eb67a1029a08a39453a9add',
    'test_batch.bin': '8e2eb146ae340b09e24670f29cabc6326dba54da8789dab6768acf480273f65b',
  } as Record<string, string>,
};

const RECORD = 1 + 3 * 32 * 32;

/** Options of `datasets.cifar10()`: where the archive is found or downloaded, and how it is checked. */
export interface Cifar10Options {
  /** A directory holding cifar-10-binary.tar.gz, or the extracted cifar-10-batches-bin/ (or its .bin files). */
  path?: string;
  /** The download cache when no `path` is given (default ~/.simdgrad/datasets/cifar10). */
  cacheDir?: string;
  /** Download the archive when it is not found (default true). */
  download?: boolean;
  /** URL(s) of the archive to try instead of the official one (http(s):// or file://). */
  url?: string | string[];
  /** The SHA-256 the downloaded archive must have (default: the official archive's). */
  sha256?: string;
  /** Also check the SHA-256 of archives and batch files found locally (default false). */
  verify?: boolean;
  /** The fetch function used for downloads (default: the global fetch). */
  fetch?: FetchLike;
}

/**
 * Parses one batch file: n records of 1 label byte + 3072 pixel bytes (CHW) into HWC pixels
 * and labels, checking the size and every label first.
 */
export function parseCifarBatch(bytes: Uint8Array, label: string): { pixels: Float32Array; labels: Int32Array } {
  if (bytes.length === 0 || bytes.length % RECORD !== 0) {
    throw new Error(
      `cifar10: ${label} has ${bytes.length} bytes, not a positive multiple of ${RECORD} ` +
        `(records of 1 label byte + 3072 pixel bytes); truncated or not a CIFAR-10 batch`,
    );
  }
  const n = bytes.length / RECORD;
  const labels = new Int32Array(n);
  const pixels = new Float32Array(n * 3072);
  for (let i = 0; i < n; i++) {
    const r = i * RECORD;
    if (bytes[r] > 9) throw new Error(`cifar10: ${label} record ${i} has label ${bytes[r]}; expected 0..9`);
    labels[i] = bytes[r];
    for (let c = 0; c < 3; c++) {
      const plane = r + 1 + c * 1024;
      for (let p = 0; p < 1024; p++) pixels[i * 3072 + p * 3 + c] = bytes[plane + p];
    }
  }
  return { pixels, labels };
}

function concatParts(parts: { pixels: Float32Array; labels: Int32Array }[]): [Tensor, Tensor] {
  const n = parts.reduce((a, p) => a + p.labels.length, 0);
  const x = new Float32Array(n * 3072);
  const y = new Int32Array(n);
  let k = 0;
  for (const p of parts) {
    x.set(p.pixels, k * 3072);
    y.set(p.labels, k);
    k += p.labels.length;
  }
  return [tensor(x, [n, 32, 32, 3], 'float32'), tensor(y, [n, 1], 'int32')];
}

/** Builds the Dataset from the six batch files (by base name), validating all before any tensor is made. */
async function fromFiles(files: Map<string, Uint8Array>, where: string, verify: boolean): Promise<Dataset> {
  const want = [...CIFAR10_ARCHIVE.train, ...CIFAR10_ARCHIVE.test];
  const missing = want.filter((f) => !files.has(f));
  if (missing.length) throw new Error(`cifar10: ${where} lacks ${missing.join(', ')}`);
  if (verify) {
    for (const f of want) {
      const sha = await sha256Hex(files.get(f)!);
      if (sha !== CIFAR10_ARCHIVE.files[f])
        throw new Error(
          `cifar10: checksum mismatch for ${f} in ${where}: SHA-256 ${sha}, expected ${CIFAR10_ARCHIVE.files[f]}`,
        );
    }
  }
  const train = CIFAR10_ARCHIVE.train.map((f) => parseCifarBatch(files.get(f)!, `${where}: ${f}`));
  const test = CIFAR10_ARCHIVE.test.map((f) => parseCifarBatch(files.get(f)!, `${where}: ${f}`));
  const [xTrain, yTrain] = concatParts(train);
  const [xTest, yTest] = concatParts(test);
  return { xTrain, yTrain, xTest, yTest };
}

/** The batch files of a cifar-10-binary archive (gzipped or plain tar), by base name. */
export async function readCifarArchive(bytes: Uint8Array, label: string): Promise<Map<string, Uint8Array>> {
  const entries = readTar(await maybeGunzip(bytes, label), label);
  const files = new Map<string, Uint8Array>();
  for (const e of entries) {
    const base = e.name.split('/').pop()!;
    if (base in CIFAR10_ARCHIVE.files) {
      if (files.has(base)) throw new Error(`cifar10: ${label} holds ${base} twice`);
      files.set(base, e.data);
    }
  }
  return files;
}

async function isFile(p: string): Promise<boolean> {
  const fs = await nodeFs('cifar10');
  try {
    return (await fs.promises.stat(p)).isFile();
  } catch {
    return false;
  }
}

/**
 * Loads CIFAR-10 (Keras' `cifar10.load_data()`): 50,000 training and 10,000 test images of 32x32
 * RGB, float32 [n, 32, 32, 3] with values 0..255, labels int32 [n, 1]. Looks in `path` (the
 * archive or the extracted batch files) or the cache, and downloads the archive from the
 * official URL (checking its SHA-256) when absent, unless `download: false`. Node; in a browser
 * the archive is fetched from `url` into memory.
 * @example
 * const { xTrain, yTrain, xTest, yTest } = await sg.datasets.cifar10();
 */
export async function cifar10(opts: Cifar10Options = {}): Promise<Dataset> {
  const fn = 'cifar10';
  const urls = opts.url === undefined ? CIFAR10_ARCHIVE.urls : Array.isArray(opts.url) ? opts.url : [opts.url];
  const want = opts.sha256 ?? CIFAR10_ARCHIVE.sha256;
  if (!isNode()) {
    const f = opts.fetch ?? (globalThis as { fetch?: FetchLike }).fetch;
    if (typeof f !== 'function') throw new Error(`${fn}: no fetch in this environment`);
    const res = await f(urls[0]);
    if (!res.ok || !res.body) throw new Error(`${fn}: ${urls[0]} answered HTTP ${res.status}`);
    const bytes = new Uint8Array(await new Response(res.body).arrayBuffer());
    const sha = await sha256Hex(bytes);
    if (sha !== want) throw new Error(`${fn}: checksum mismatch for ${urls[0]}: SHA-256 ${sha}, expected ${want}`);
    return fromFiles(await readCifarArchive(bytes, urls[0]), urls[0], false);
  }
  const fs = await nodeFs(fn);
  const path = await nodePath(fn);
  const os = await nodeOs(fn);
  const dir = path.resolve(opts.path ?? opts.cacheDir ?? path.join(os.homedir(), '.simdgrad', 'datasets', 'cifar10'));
  const archive = path.join(dir, CIFAR10_ARCHIVE.name);
  // Extracted batch files, in dir/cifar-10-batches-bin/ or dir/ itself.
  for (const d of [path.join(dir, CIFAR10_ARCHIVE.dir), dir]) {
    if (await isFile(path.join(d, CIFAR10_ARCHIVE.test[0]))) {
      const files = new Map<string, Uint8Array>();
      for (const f of [...CIFAR10_ARCHIVE.train, ...CIFAR10_ARCHIVE.test]) {
        const p = path.join(d, f);
        if (await isFile(p)) files.set(f, new Uint8Array(await fs.promises.readFile(p)));
      }
      return fromFiles(files, d, !!opts.verify);
    }
  }
  let downloaded = false;
  if (!(await isFile(archive))) {
    if (opts.download === false)
      throw new Error(
        `${fn}: ${CIFAR10_ARCHIVE.name} (or its extracted .bin files) not found in ${dir}; downloads are off (download: false)`,
      );
    const errors: string[] = [];
    for (const url of urls) {
      try {
        await downloadFile(url, archive, {
          fetch: opts.fetch,
          check: (_tmp, sha) => {
            if (sha !== want) throw new Error(`checksum mismatch: SHA-256 of the download is ${sha}, expected ${want}`);
          },
        });
        downloaded = true;
        break;
      } catch (e) {
        errors.push(`${url}: ${(e as Error).message}`);
      }
    }
    if (!downloaded) throw new Error(`${fn}: could not download ${CIFAR10_ARCHIVE.name}:\n  ${errors.join('\n  ')}`);
  }
  const bytes = new Uint8Array(await fs.promises.readFile(archive));
  if (opts.verify && !downloaded) {
    const sha = await sha256Hex(bytes);
    if (sha !== want) throw new Error(`${fn}: checksum mismatch for ${archive}: SHA-256 ${sha}, expected ${want}`);
  }
  return fromFiles(await readCifarArchive(bytes, archive), archive, false);
}
