// `npm run bench -- io`: load time of the walk-through MLP (784-512-512-10, 669,706 weights,
// 2.7 MB) saved once by simdgrad in the tfjs-layers format, loaded by simdgrad and by
// tfjs-layers (wasm backend) from the same files, side by side in one process: from disk
// (simdgrad's file:// handler; tfjs-layers through an IOHandler that reads the same model.json
// and shard with async stat + readFile, as tfjs-node's file handler does), and from memory (io.fromMemory, which leaves
// topology parsing, weight decoding and variable creation). Medians of interleaved rounds.
import { mkdtempSync, rmSync } from 'node:fs';
import * as fsp from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as sg from '../src/index.js';
import { loadTfjs } from './tfjs-peer.js';
import { printTable, saveResults } from './harness.js';

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export async function benchIo(args: string[]): Promise<void> {
  const rounds = Number(args[args.indexOf('--rounds') + 1]) || 15;
  await sg.setBackend('wasm');
  const tf = await loadTfjs('wasm');
  const tfl = await import('@tensorflow/tfjs-layers');
  const dir = mkdtempSync(join(tmpdir(), 'sg-bench-io-'));
  try {
    const model = sg.sequential({
      layers: [
        sg.layers.dense({ units: 512, activation: 'relu', inputShape: [784] }),
        sg.layers.dropout({ rate: 0.2 }),
        sg.layers.dense({ units: 512, activation: 'relu' }),
        sg.layers.dropout({ rate: 0.2 }),
        sg.layers.dense({ units: 10, activation: 'softmax' }),
      ],
    });
    await model.save(`file://${dir}`);
    const sink = sg.io.memorySink();
    await model.save(sink);
    model.dispose();
    const art = sink.artifacts!;

    /**
     * tfjs-layers from the same files, read as tfjs-node's file:// handler reads them (async
     * stat + readFile of model.json, then of each shard), handed over as artifacts.
     */
    const tfjsFiles: import('@tensorflow/tfjs-core').io.IOHandler = {
      load: async () => {
        await fsp.stat(join(dir, 'model.json'));
        const json = JSON.parse(await fsp.readFile(join(dir, 'model.json'), 'utf8'));
        const group = json.weightsManifest[0];
        const bufs: Buffer[] = [];
        for (const p of group.paths as string[]) {
          await fsp.stat(join(dir, p));
          bufs.push(await fsp.readFile(join(dir, p)));
        }
        const all = Buffer.concat(bufs);
        return {
          ...json,
          weightSpecs: group.weights,
          weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength),
        };
      },
    };
    const candidates: [string, () => Promise<void>][] = [
      ['simdgrad file://', async () => (await sg.loadLayersModel(`file://${dir}`)).dispose()],
      ['tfjs-layers files', async () => (await tfl.loadLayersModel(tfjsFiles)).dispose()],
      ['simdgrad fromMemory', async () => (await sg.loadLayersModel(sg.io.fromMemory(art))).dispose()],
      ['tfjs-layers fromMemory', async () => (await tfl.loadLayersModel(tf.io.fromMemory(art as never))).dispose()],
    ];
    for (const [, fn] of candidates) for (let i = 0; i < 3; i++) await fn(); // warm-up
    const times = candidates.map(() => [] as number[]);
    for (let r = 0; r < rounds; r++) {
      for (let c = 0; c < candidates.length; c++) {
        const t0 = performance.now();
        await candidates[c][1]();
        times[c].push(performance.now() - t0);
      }
    }
    const ms = times.map(median);
    const best = times.map((t) => Math.min(...t));
    console.log(
      `walk-through MLP 784-512-512-10: ${art.weightSpecs!.length} weights, ${(art.weightData as ArrayBuffer).byteLength} bytes; ${rounds} interleaved rounds (median, and best in brackets)`,
    );
    const cell = (i: number) => `${ms[i].toFixed(1)} (${best[i].toFixed(1)})`;
    printTable(
      ['load', 'simdgrad ms', 'tfjs-layers ms', 'tfjs / simdgrad'],
      [
        ['from files', cell(0), cell(1), `${(ms[1] / ms[0]).toFixed(2)} (${(best[1] / best[0]).toFixed(2)})`],
        ['from memory', cell(2), cell(3), `${(ms[3] / ms[2]).toFixed(2)} (${(best[3] / best[2]).toFixed(2)})`],
      ],
    );
    console.log(
      `results: ${saveResults('io', { rounds, bytes: (art.weightData as ArrayBuffer).byteLength, medianMs: { simdgradFiles: ms[0], tfjsFiles: ms[1], simdgradMemory: ms[2], tfjsMemory: ms[3] }, bestMs: { simdgradFiles: best[0], tfjsFiles: best[1], simdgradMemory: best[2], tfjsMemory: best[3] } })}`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
