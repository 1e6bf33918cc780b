// The Python peer (h5py, zipfile, Keras) for the interchange tests of test/io/hdf5* and zip*: the
// venv that scripts/setup-venv.sh makes. When it is missing the calling test FAILS (in CI and
// outside it) with the command that makes it: an interchange test that silently skips proves nothing.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const VENV_PYTHON = resolve(fileURLToPath(new URL('../..', import.meta.url)), '.venv/bin/python');

/** Runs `code` with the venv's Python (KERAS_BACKEND=jax), `args` after it; returns stdout, throws with stderr on failure. */
export function runPython(code: string, args: string[] = [], timeoutMs = 60_000): string {
  if (!existsSync(VENV_PYTHON)) {
    throw new Error(
      `the Python venv is missing (${VENV_PYTHON}${process.env.CI === 'true' ? ', CI=true' : ''}): run 'bash scripts/setup-venv.sh' first`,
    );
  }
  const r = spawnSync(VENV_PYTHON, ['-c', code, ...args], {
    encoding: 'utf8',
    timeout: timeoutMs,
    env: { ...process.env, KERAS_BACKEND: 'jax' },
  });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`python failed (exit ${r.status}):\n${r.stderr}`);
  return r.stdout;
}
