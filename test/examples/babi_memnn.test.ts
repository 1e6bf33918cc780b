// examples/babi_memnn.ts run as written (imported, with a CI-sized setting) on generated task 1,
// and the generator of examples/lib/babi.ts: the original grammar and file format, parse_stories'
// samples, answers that follow from the supporting facts.
import { describe, expect, it } from 'vitest';
import * as sg from '../../src/index.js';
import { BABI_VOCAB, babiText, parseStories, tokenize, vectorize } from '../../examples/lib/babi.js';

describe('bAbI-style generator', () => {
  it('writes task 1 in the original format, seeded, answered by its supporting fact', () => {
    const text = babiText(1, 3, 7);
    expect(babiText(1, 3, 7)).toBe(text);
    expect(babiText(1, 3, 8)).not.toBe(text);
    const lines = text.trim().split('\n');
    expect(lines).toHaveLength(45); // 15 lines a block, as qa1
    expect(lines[0]).toMatch(
      /^1 (Mary|John|Daniel|Sandra) (moved to|went to|went back to|journeyed to|travelled to) the (bathroom|hallway|office|kitchen|garden|bedroom)\.$/,
    );
    expect(lines[2]).toMatch(/^3 Where is (Mary|John|Daniel|Sandra)\? \t\w+\t[12]$/);
    const samples = parseStories(text);
    expect(samples).toHaveLength(15);
    for (const s of samples) {
      expect(s.supporting).toHaveLength(1);
      // The supporting statement names the person asked about and ends in the answer.
      const fact = s.story[s.supporting[0] - 1 - Math.floor((s.supporting[0] - 1) / 3)];
      expect(fact[0]).toBe(s.question[2]);
      expect(fact[fact.length - 2]).toBe(s.answer);
      // ...and it is that person's last move in the story.
      const later = s.story.filter((st) => st[0] === s.question[2]);
      expect(later[later.length - 1]).toEqual(fact);
    }
    expect(Math.max(...samples.map((s) => s.story.flat().length))).toBeLessThanOrEqual(68);
  });

  it('asks task 1 questions as the released qa1 file: the supporting fact at most five statements back', () => {
    const samples = parseStories(babiText(1, 400, 11));
    const back = [0, 0, 0, 0, 0, 0];
    for (const s of samples) {
      // Statements after the supporting line (question lines are not statements).
      const stmtIndex = s.supporting[0] - 1 - Math.floor((s.supporting[0] - 1) / 3);
      const d = s.story.length - stmtIndex;
      expect(d).toBeGreaterThanOrEqual(1);
      expect(d).toBeLessThanOrEqual(5);
      back[d]++;
    }
    const share = back.map((c) => c / samples.length);
    // qa1 en-10k (165 questions counted): 0.47, 0.29, 0.13, 0.05, 0.07 for 1-5 statements back.
    expect(share[1]).toBeGreaterThan(0.4);
    expect(share[1]).toBeLessThan(0.5);
    expect(share[2]).toBeGreaterThan(0.25);
    expect(share[2]).toBeLessThan(0.33);
    expect(share[5]).toBeGreaterThan(0.02);
    expect(share[5]).toBeLessThan(0.08);
  });

  it('writes task 2 with two supporting facts: where the holder went, or where it was dropped', () => {
    const samples = parseStories(babiText(2, 40, 3));
    expect(samples).toHaveLength(200);
    for (const s of samples) {
      expect(s.question.slice(0, 3)).toEqual(['Where', 'is', 'the']);
      // Replay the story: who holds what, where everyone is.
      const where = new Map<string, string>();
      const holder = new Map<string, string>();
      const place = new Map<string, string>();
      for (const st of s.story) {
        const [p] = st;
        const last = st[st.length - 2];
        if (st.includes('there')) holder.set(st[st.length - 3], p);
        else if (
          ['dropped', 'discarded', 'down', 'left'].includes(st[st.length - 4] ?? '') ||
          ['dropped', 'discarded', 'left'].includes(st[1]) ||
          st[2] === 'down'
        ) {
          const o = last;
          holder.delete(o);
          place.set(o, where.get(p)!);
        } else where.set(p, last);
      }
      const o = s.question[3];
      const want = holder.has(o) ? where.get(holder.get(o)!) : place.get(o);
      expect(s.answer).toBe(want);
      expect(s.supporting.length).toBeGreaterThanOrEqual(1);
    }
    expect(samples.some((s) => s.supporting.length === 2)).toBe(true);
  });

  it('has a fixed sorted vocabulary, Keras tokens and pre-padding', () => {
    expect(tokenize('Where is Mary?')).toEqual(['Where', 'is', 'Mary', '?']);
    expect(tokenize('Mary moved to the bathroom.')).toEqual(['Mary', 'moved', 'to', 'the', 'bathroom', '.']);
    expect([...BABI_VOCAB]).toEqual([...BABI_VOCAB].sort());
    expect(BABI_VOCAB[0]).toBe('.');
    const v = vectorize(parseStories('1 Mary moved to the bathroom.\n2 Where is Mary? \tbathroom\t1\n'), 8, 5);
    const id = (w: string) => BABI_VOCAB.indexOf(w) + 1;
    expect(v.stories[0]).toEqual([0, 0, id('Mary'), id('moved'), id('to'), id('the'), id('bathroom'), id('.')]);
    expect(v.queries[0]).toEqual([0, id('Where'), id('is'), id('Mary'), id('?')]);
    expect(v.answers).toEqual([id('bathroom')]);
    expect(() => babiText(3 as never, 1, 1)).toThrow(/babiText: 'task' must be 1 or 2/);
  });
});

describe('example babi_memnn', () => {
  // The bar: >= 0.95 on held-out generated task-1 questions in a seeded CI-sized run. The
  // model (Keras' architecture, unchanged) holds a plateau near 0.54 for thousands of steps (in
  // Keras 3 as here; the original's RMSprop(0.001) run leaves it after ~15,000 steps). This run:
  // Adam(0.005), batch 32, dropout off, 40,000 training questions from the generator above (qa1's
  // grammar and distribution), stopping after the first epoch whose accuracy on 500 validation
  // questions (drawn apart from train and test) reaches 0.97, then 1,000 test questions. Seeded
  // end to end (data, initializers, fit's shuffles): validation 0.574 0.548 0.880 0.942 0.964
  // 0.986, test 0.982 (6 epochs, 83 s here at load 3-4). If kernel changes alter the float sums the
  // curve moves (seeds leave the plateau after 2-6 epochs of 40,000), so EPOCHS allows 8.
  it('reaches 0.95 on held-out generated task-1 questions in a seeded CI-sized run', async () => {
    Object.assign(process.env, {
      EPOCHS: process.env.BABI_MEMNN_EPOCHS ?? '8',
      N_BLOCKS: '8000',
      N_VAL_BLOCKS: '100',
      N_TEST_BLOCKS: '200',
      TASK: '1',
      SEED: '1337',
      OPTIMIZER: 'adam',
      LR: '0.005',
      BATCH_SIZE: '32',
      DROPOUT: '0',
      STOP_AT: '0.97',
      VERBOSE: process.env.BABI_VERBOSE ?? '0',
    });
    const before = sg.memory().numTensors;
    const t0 = performance.now();
    const ex = await import('../../examples/babi_memnn.js');
    console.log(
      `babi_memnn CI run: ${((performance.now() - t0) / 1000).toFixed(1)} s, validation accuracy by epoch ` +
        `${ex.result.valAccuracies.map((v: number) => v.toFixed(3)).join(' ')}, test ${ex.result.testAccuracy.toFixed(3)}`,
    );
    expect(ex.result.storyMaxlen).toBeLessThanOrEqual(68);
    expect(ex.result.queryMaxlen).toBe(4);
    // Keras' summary: 3 embeddings (36 x 64, 36 x 4, 36 x 64), LSTM(story + 64 -> 32), Dense(32 -> 36).
    const lstmIn = ex.result.storyMaxlen + 64; // response [query, story] next to the question's 64
    expect(ex.result.params).toBe(36 * 64 * 2 + 36 * 4 + 4 * (lstmIn * 32 + 32 * 32 + 32) + 32 * 36 + 36);
    expect(ex.result.losses[ex.result.losses.length - 1]).toBeLessThan(ex.result.losses[0]);
    expect(ex.result.testAccuracy).toBeGreaterThanOrEqual(0.95);
    expect(sg.memory().numTensors).toBe(before);
  }, 600_000);

  it('is deterministic: the same settings give the same losses and accuracies, another seed does not', async () => {
    // A tiny run at import if this test runs alone (the module runs its environment's settings once).
    Object.assign(process.env, { EPOCHS: '1', N_BLOCKS: '2', N_TEST_BLOCKS: '1', N_VAL_BLOCKS: '0', VERBOSE: '0' });
    const ex = await import('../../examples/babi_memnn.js');
    const small = {
      ...ex.settingsFromEnv({}),
      EPOCHS: 2,
      N_BLOCKS: 40,
      N_TEST_BLOCKS: 10,
      LR: 0.01,
      VERBOSE: 0 as const,
    };
    const a = await ex.run(small);
    const b = await ex.run(small);
    const c = await ex.run({ ...small, SEED: 7 });
    expect(b.losses).toEqual(a.losses);
    expect(b.valAccuracies).toEqual(a.valAccuracies);
    expect(b.testLoss).toBe(a.testLoss);
    expect(c.losses).not.toEqual(a.losses);
  }, 120_000);
});
