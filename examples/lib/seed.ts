// SEED=n makes a run repeatable, as Keras' keras.utils.set_random_seed(n): initializers, dropout
// masks and fit's shuffles then draw from one seeded stream (sg.utils.setRandomSeed). Unset, the
// stream is not seeded and each run of an example that calls this differs, as the Keras originals
// (which set no seed). The examples that seed their own layers read SEED with a default instead.
import * as sg from 'simdgrad';

/** Seeds simdgrad's global random stream from the SEED environment variable, if set; returns it. */
export function seedFromEnv(): number | undefined {
  const s = process.env.SEED;
  if (s === undefined || s === '') return undefined;
  const seed = Number(s);
  if (!Number.isFinite(seed)) throw new Error(`SEED must be a number but is '${s}'`);
  sg.utils.setRandomSeed(seed);
  return seed;
}
