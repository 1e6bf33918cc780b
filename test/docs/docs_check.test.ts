// `npm run docs` fails when a public name has no documentation comment: scripts/docs.mjs run on two
// fixtures (test/docs/fixtures), one fully documented, one with five undocumented names: a method
// inherited by a subclass is reported once, where it is declared, and so is a member of a base
// class that is not exported but reaches the site through an exported subclass.
import { execFile } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';

type Run = { status: number | null; out: string };

function runCheck(entry: string): Promise<Run> {
  const args = ['scripts/docs.mjs', '--check', '--options', 'test/docs/fixtures/typedoc.json'];
  return new Promise((resolve) => {
    execFile(process.execPath, [...args, '--entry', `test/docs/fixtures/${entry}`], { timeout: 120_000 }, (err, stdout, stderr) =>
      resolve({ status: err ? ((err as { code?: number }).code ?? null) : 0, out: `${stdout}\n${stderr}` }),
    );
  });
}

describe('the docs check (scripts/docs.mjs)', () => {
  // Both fixtures at once: each run is a TypeDoc conversion (seconds).
  let documented: Run;
  let undocumented: Run;
  beforeAll(async () => {
    [documented, undocumented] = await Promise.all([runCheck('documented.ts'), runCheck('undocumented.ts')]);
  }, 120_000);

  it('passes when every public name is documented', () => {
    const { status, out } = documented;
    expect(out).toMatch(/docs: (\d+) of \1 public declarations documented, 0 not/);
    expect(out).toMatch(/docs: ok in/);
    expect(status).toBe(0);
  });

  it('fails naming each undocumented public name once, with its file and line', () => {
    const { status, out } = undocumented;
    expect(status).toBe(1);
    expect(out).toContain('test/docs/fixtures/undocumented.ts (5)');
    expect(out).toMatch(/\n\s+10: subtract \(Function\)/);
    expect(out).toMatch(/\n\s+16: Options\.scale \(Property\)/);
    expect(out).toMatch(/\n\s+21: Base\.run \(Method\)/);
    expect(out).toMatch(/\n\s+27: Shape \(TypeAlias\)/);
    expect(out).toMatch(/\n\s+31: Visible\.hiddenRun \(Method\)/);
    expect(out).not.toContain('Child.run');
    expect(out).toMatch(/docs: \d+ of \d+ public declarations documented, 5 not/);
    expect(out).toMatch(/docs: FAILED .*5 undocumented public name/);
  });
});
