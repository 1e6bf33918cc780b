// A seeded generator of bAbI-style stories for tasks 1 (single supporting fact) and 2 (two
// supporting facts), in the grammar and file format of Facebook's original tasks (bAbI v1.2,
// en-10k), since these machines cannot download them. Keras' examples read the files with
// parse_stories; the same parser is here, so the examples run on the text exactly as on the real
// files:
//
//   1 Mary moved to the bathroom.
//   2 John went to the hallway.
//   3 Where is Mary? 	bathroom	1
//
// Task 1: four people move among six places; each block has 5 questions "Where is <person>?",
// each after two moves, answered by the person's last move (one supporting fact); the story of a
// question is every statement of its block so far (up to 10 sentences, 68 tokens, as qa1).
// Matched to the released qa1 en-10k training file (165 of its questions counted, 330 read): a
// move picks one of the four people and a place other than where they are (as in the file); the
// question asks about the person of one of the last five statements, so the supporting fact is
// 1, 2, 3, 4 or 5 statements back in 45, 29, 14, 9 and 4% of questions (the file: 47, 29, 13, 5
// and 7%, never further back; asking about any person seen in the block, as Facebook's later Lua
// generator does, puts 7% of the answers 6-9 statements back).
// Task 2: the same people also pick up and drop three objects; "Where is the <object>?" is
// answered by where its holder last went (or where it was dropped): two supporting facts. Blocks
// are shorter than the original's (2-4 statements before each question) to keep stories under
// about 130 tokens.
// The vocabulary is fixed (BABI_VOCAB: every token the grammar can produce, sorted as Keras sorts
// the set of words it reads), so word indices do not depend on the draw.

const PEOPLE = ['Mary', 'John', 'Daniel', 'Sandra'];
const PLACES = ['bathroom', 'hallway', 'office', 'kitchen', 'garden', 'bedroom'];
const MOVES = ['moved to', 'went to', 'went back to', 'journeyed to', 'travelled to'];
const OBJECTS = ['football', 'milk', 'apple'];
const PICKS = ['got', 'grabbed', 'picked up', 'took'];
const DROPS = ['dropped', 'discarded', 'put down', 'left'];

/** Keras' tokenize: words and punctuation ('Where is Mary?' -> ['Where', 'is', 'Mary', '?']). */
export function tokenize(sentence: string): string[] {
  return sentence
    .split(/(\W+)/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** Every token tasks 1 and 2 can produce, sorted (JavaScript's code-unit order, as Python's sorted). */
export const BABI_VOCAB: readonly string[] = [
  ...new Set(
    [
      ...PEOPLE,
      ...PLACES,
      ...OBJECTS,
      ...[...MOVES, ...PICKS, ...DROPS].flatMap((v) => v.split(' ')),
      'the',
      'there',
      'Where',
      'is',
      '.',
      '?',
    ].flatMap(tokenize),
  ),
].sort();

/** mulberry32: a small seeded generator (uniform in [0, 1)). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `nBlocks` story blocks of the task in the original file format (line ids restart at 1 for each
 * block; a question line ends with a tab, the answer, a tab and the supporting line ids).
 */
export function babiText(task: 1 | 2, nBlocks: number, seed: number): string {
  if (task !== 1 && task !== 2) throw new Error(`babiText: 'task' must be 1 or 2 but is ${task}`);
  if (!Number.isInteger(nBlocks) || nBlocks < 1)
    throw new Error(`babiText: 'nBlocks' must be a positive integer but is ${nBlocks}`);
  const r = rng(seed);
  const pick = <T>(a: readonly T[]) => a[Math.floor(r() * a.length)];
  const lines: string[] = [];
  for (let b = 0; b < nBlocks; b++) {
    let id = 0;
    const where = new Map<string, { place: string; line: number }>();
    const holder = new Map<string, string>(); // object -> person
    const dropped = new Map<string, { place: string; lines: number[] }>();
    const pickedAt = new Map<string, number>(); // object -> line of the pick-up
    const statements: string[] = []; // task 1: the person of each statement so far
    const say = (s: string) => lines.push(`${++id} ${s}`);
    const move = () => {
      const p = pick(PEOPLE);
      const from = where.get(p)?.place;
      let to = pick(PLACES);
      while (to === from) to = pick(PLACES);
      say(`${p} ${pick(MOVES)} the ${to}.`);
      where.set(p, { place: to, line: id });
      statements.push(p);
    };
    for (let q = 0; q < 5; q++) {
      if (task === 1) {
        move();
        move();
        // The person of one of the last five statements (as the released qa1 files: a supporting
        // fact is never more than five statements back), asked where they are now.
        const p = pick(statements.slice(-5));
        say(`Where is ${p}? \t${where.get(p)!.place}\t${where.get(p)!.line}`);
        continue;
      }
      // Task 2: statements until an object's place follows from two facts, then the question.
      const n = 2 + Math.floor(r() * 3);
      for (let s = 0; s < n; s++) {
        const located = PEOPLE.filter((p) => where.has(p));
        const free = OBJECTS.filter((o) => !holder.has(o));
        const holders = [...holder.values()];
        const u = r();
        if (u < 0.3 && located.length && free.length) {
          const p = pick(located);
          const o = pick(free);
          say(`${p} ${pick(PICKS)} the ${o} there.`);
          holder.set(o, p);
          pickedAt.set(o, id);
          dropped.delete(o);
        } else if (u < 0.45 && holders.length) {
          const o = pick([...holder.keys()]);
          const p = holder.get(o)!;
          say(`${p} ${pick(DROPS)} the ${o}.`);
          holder.delete(o);
          dropped.set(o, { place: where.get(p)!.place, lines: [id, where.get(p)!.line] });
        } else move();
      }
      // Objects whose place two facts give: held by someone who moved (after or before the pick-up), or dropped.
      const askable = OBJECTS.filter((o) => holder.has(o) || dropped.has(o));
      if (askable.length === 0) {
        // No object has moved yet: someone picks one up where they are (moving first if nobody has).
        if (!PEOPLE.some((p) => where.has(p))) move();
        const p = pick(PEOPLE.filter((x) => where.has(x)));
        const o = pick(OBJECTS.filter((x) => !holder.has(x)));
        say(`${p} ${pick(PICKS)} the ${o} there.`);
        holder.set(o, p);
        pickedAt.set(o, id);
        askable.push(o);
      }
      const o = pick(askable);
      let place: string;
      let support: number[];
      if (holder.has(o)) {
        const w = where.get(holder.get(o)!)!;
        place = w.place;
        support = [pickedAt.get(o)!, w.line];
      } else {
        place = dropped.get(o)!.place;
        support = dropped.get(o)!.lines;
      }
      say(`Where is the ${o}? \t${place}\t${[...new Set(support)].sort((a, c) => a - c).join(' ')}`);
    }
  }
  return lines.join('\n') + '\n';
}

/** One question: the story before it (token lists of its statements), the question's tokens, the answer. */
export interface BabiSample {
  story: string[][];
  question: string[];
  answer: string;
  supporting: number[];
}

/** Keras' parse_stories (only_supporting=False): each question with every statement of its block so far. */
export function parseStories(text: string): BabiSample[] {
  const out: BabiSample[] = [];
  let story: (string[] | null)[] = [];
  for (const raw of text.split('\n')) {
    if (raw.trim() === '') continue;
    const m = /^(\d+) (.*)$/.exec(raw.trim());
    if (!m) throw new Error(`parseStories: a line must start with its id but is ${JSON.stringify(raw)}`);
    const nid = Number(m[1]);
    const line = m[2];
    if (nid === 1) story = [];
    if (line.includes('\t')) {
      const [q, a, sup] = line.split('\t');
      out.push({
        story: story.filter((s): s is string[] => s !== null),
        question: tokenize(q),
        answer: a.trim(),
        supporting: sup.trim().split(/\s+/).map(Number),
      });
      story.push(null); // keeps line ids aligned, as Keras appends ''
    } else story.push(tokenize(line));
  }
  return out;
}

/** Keras' vectorize_stories: index lists padded in front (pad_sequences' default) to the given lengths. */
export function vectorize(samples: BabiSample[], storyMaxlen: number, queryMaxlen: number) {
  const v = vectorizeFlat(samples, storyMaxlen, queryMaxlen);
  const rows = (a: Int32Array, n: number) => samples.map((_, i) => Array.from(a.subarray(i * n, (i + 1) * n)));
  return { stories: rows(v.stories, storyMaxlen), queries: rows(v.queries, queryMaxlen), answers: Array.from(v.answers) };
}

/**
 * {@link vectorize} into flat row-major arrays ([samples, storyMaxlen], [samples, queryMaxlen] and
 * [samples]), ready for tensors: no per-sample lists (40,000 questions in a few ms).
 */
export function vectorizeFlat(samples: BabiSample[], storyMaxlen: number, queryMaxlen: number) {
  const idx = new Map(BABI_VOCAB.map((w, i) => [w, i + 1]));
  const id = (w: string) => {
    const i = idx.get(w);
    if (i === undefined) throw new Error(`vectorize: '${w}' is not in the bAbI vocabulary`);
    return i;
  };
  const stories = new Int32Array(samples.length * storyMaxlen);
  const queries = new Int32Array(samples.length * queryMaxlen);
  const answers = new Int32Array(samples.length);
  // Pre-padding keeps the last n tokens, right-aligned in the row (pad_sequences' 'pre' padding and truncating).
  const put = (out: Int32Array, row: number, n: number, words: string[]) => {
    let at = (row + 1) * n;
    for (let k = words.length - 1; k >= 0 && at > row * n; k--) out[--at] = id(words[k]);
  };
  samples.forEach((s, i) => {
    // The story's statements back to front, each statement's tokens back to front.
    let at = (i + 1) * storyMaxlen;
    for (let j = s.story.length - 1; j >= 0 && at > i * storyMaxlen; j--) {
      const st = s.story[j];
      for (let k = st.length - 1; k >= 0 && at > i * storyMaxlen; k--) stories[--at] = id(st[k]);
    }
    put(queries, i, queryMaxlen, s.question);
    answers[i] = id(s.answer);
  });
  return { stories, queries, answers };
}

/**
 * Train and test samples of a task (and `nValBlocks` blocks of validation samples, drawn apart from
 * both, for early stopping without looking at the test set), the lengths Keras would compute, and
 * the vocabulary size (+1 for padding).
 */
export function babiData(task: 1 | 2, nTrainBlocks: number, nTestBlocks: number, seed: number, nValBlocks = 0) {
  const train = parseStories(babiText(task, nTrainBlocks, seed));
  const test = parseStories(babiText(task, nTestBlocks, seed + 1_000_003));
  const val = nValBlocks > 0 ? parseStories(babiText(task, nValBlocks, seed + 2_000_006)) : [];
  let storyMaxlen = 0;
  let queryMaxlen = 0;
  for (const s of [...train, ...test, ...val]) {
    storyMaxlen = Math.max(storyMaxlen, s.story.reduce((n, st) => n + st.length, 0));
    queryMaxlen = Math.max(queryMaxlen, s.question.length);
  }
  return { train, val, test, storyMaxlen, queryMaxlen, vocabSize: BABI_VOCAB.length + 1 };
}
