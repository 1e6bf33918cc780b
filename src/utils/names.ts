// Name helpers shared by the Keras-style registries (activations, initializers, losses, metrics,
// regularizers, constraints, optimizers): case conversion, a forgiving lookup key, and "did you
// mean" suggestions by edit distance for unknown names.

/**
 * 'hard_sigmoid' -> 'hardSigmoid', 'GlorotUniform' -> 'glorotUniform', 'l1_l2' -> 'l1L2'.
 * @example toCamelCase('sparse_categorical_crossentropy'); // 'sparseCategoricalCrossentropy'
 */
export function toCamelCase(name: string): string {
  const parts = name.split(/[_\-\s]+/).filter((p) => p.length > 0);
  if (parts.length === 0) return '';
  const head = parts[0];
  // A leading run of capitals (an acronym like 'MSE') stays whole only when the name is all caps.
  const first =
    head === head.toUpperCase() && parts.length === 1 ? head.toLowerCase() : head[0].toLowerCase() + head.slice(1);
  return (
    first +
    parts
      .slice(1)
      .map((p) => p[0].toUpperCase() + p.slice(1))
      .join('')
  );
}

/**
 * 'hardSigmoid' -> 'hard_sigmoid', 'GlorotUniform' -> 'glorot_uniform'; snake_case input is kept.
 * @example toSnakeCase('categoricalAccuracy'); // 'categorical_accuracy'
 */
export function toSnakeCase(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .replace(/[-\s]+/g, '_')
    .toLowerCase();
}

/**
 * The lookup key of a name: lower case without separators, so that 'hard_sigmoid', 'hardSigmoid'
 * and 'HardSigmoid' all find the same entry.
 * @example normalizeName('Hard_Sigmoid'); // 'hardsigmoid'
 */
export function normalizeName(name: string): string {
  return name.replace(/[_\-\s]/g, '').toLowerCase();
}

/**
 * Optimal-string-alignment edit distance: insertions, deletions, substitutions and swaps of two
 * neighbouring characters each cost 1 (so 'rleu' is 1 away from 'relu').
 */
export function editDistance(a: string, b: string): number {
  const m = a.length;
  const n = b.length;
  const d: number[][] = [];
  for (let i = 0; i <= m; i++) {
    d.push(new Array<number>(n + 1).fill(0));
    d[i][0] = i;
  }
  for (let j = 0; j <= n; j++) d[0][j] = j;
  for (let i = 1; i <= m; i++) {
    for (let j = 1; j <= n; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2][j - 2] + 1);
      d[i][j] = v;
    }
  }
  return d[m][n];
}

/**
 * The candidate closest to `name` by edit distance (compared case- and separator-insensitively),
 * or undefined when none is within a third of the name's length (at least 2 edits); a candidate
 * that starts with the name also counts as close.
 * @example closestName('rleu', ['relu', 'elu', 'selu']); // 'relu'
 */
export function closestName(name: string, candidates: Iterable<string>): string | undefined {
  const key = normalizeName(name);
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const ck = normalizeName(c);
    let dist = editDistance(key, ck);
    if (key.length >= 3 && ck.startsWith(key)) dist = Math.min(dist, 1.5);
    if (dist < bestD) {
      bestD = dist;
      best = c;
    }
  }
  const limit = Math.max(2, Math.floor(key.length / 3));
  return bestD <= limit ? best : undefined;
}

/**
 * The error for an unknown name: "Unknown activation 'rleu'. Did you mean 'relu'?", or the list of
 * known names (`candidates`) when nothing is close. Suggestions come from `spellings` (default:
 * the candidates), which may add aliases ('mse').
 */
export function unknownNameError(
  kind: string,
  name: string,
  candidates: readonly string[],
  spellings: readonly string[] = candidates,
): Error {
  const guess = closestName(name, spellings);
  const hint = guess !== undefined ? ` Did you mean '${guess}'?` : ` Known names: ${candidates.join(', ')}.`;
  return new Error(`Unknown ${kind} '${name}'.${hint}`);
}

/**
 * A registry of named values looked up forgivingly: by any spelling whose normalizeName matches a
 * registered name or alias. `names` (the canonical names, in registration order) feed suggestions.
 */
export class NameRegistry<T> {
  private readonly byKey = new Map<string, { name: string; value: T }>();
  readonly names: string[] = [];
  /** Every registered spelling: names and aliases. */
  readonly spellings: string[] = [];

  constructor(private readonly kind: string) {}

  /** Registers `value` under its canonical `name` and any `aliases`. */
  register(name: string, value: T, aliases: readonly string[] = []): void {
    this.names.push(name);
    this.spellings.push(name, ...aliases);
    for (const n of [name, ...aliases]) this.byKey.set(normalizeName(n), { name, value });
  }

  has(name: string): boolean {
    return this.byKey.has(normalizeName(name));
  }

  /** The canonical name and value for `name`; throws with a suggestion when unknown. */
  lookup(name: string): { name: string; value: T } {
    const hit = this.byKey.get(normalizeName(name));
    if (!hit) throw unknownNameError(this.kind, name, this.names, this.spellings);
    return hit;
  }

  get(name: string): T {
    return this.lookup(name).value;
  }

  /** The canonical name of a registered value (by identity), if any. */
  nameOf(value: T): string | undefined {
    for (const { name, value: v } of this.byKey.values()) if (v === value) return name;
    return undefined;
  }
}
