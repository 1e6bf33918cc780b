// Node 20's V8 takes 1-6 us to build an object literal that spreads an object and adds keys
// ({...a, k: v}, {...a, ...b}); a plain copy ({...a}) and Object.assign({}, a, {k: v}) take
// 50-300 ns (Node 22: all under 0.3 us). With such literals on the per-step paths, the JS of one
// fit step of a tiny MLP took 2-3x as long on Node 20 (issue 17's note has the figures). This scan
// keeps them off the code that runs per op, per step or per call: the engine, ops, backends,
// optimizers, losses, metrics, layers, models (the training loops) and callbacks. What runs once
// (a config, a constructor, a module-level table, an epoch's progress bar) may keep them: a
// literal directly in such a function, not in a closure made there; the places are listed below.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const DIRS = ['engine', 'ops', 'backends', 'optimizers', 'losses', 'metrics', 'layers', 'models', 'callbacks'];
/** Functions (by name) that run once per model, layer or optimizer, not per step. */
const ONCE = new Set(['getConfig', 'specificConfig', 'constructor', 'fromConfig']);
/** file:function pairs that run once, with why. */
const ALLOWED = new Map([
  ['src/layers/layer.ts:addWeight', 'a layer build'],
  ['src/backends/wasm/module.ts:finish', 'instantiating the module'],
  ['src/callbacks/checkpoint.ts:filePath', 'once an epoch (a checkpoint file name)'],
  ['src/callbacks/progbar.ts:newBar', 'once an epoch (a progress bar)'],
]);

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? tsFiles(p) : p.endsWith('.ts') && !p.endsWith('.d.ts') ? [p] : [];
  });
}

/** `file:line function` of every object literal that spreads and has another property, in a function. */
function slowSpreads(rel: string, text: string): string[] {
  const sf = ts.createSourceFile(rel, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isObjectLiteralExpression(n) && n.properties.length > 1 && n.properties.some(ts.isSpreadAssignment)) {
      // The function the literal is built in (a closure inside a config or constructor may run per
      // step, so only a literal directly in an exempt function is exempt) and, for the report, the
      // nearest named function around it.
      let own: ts.Node | undefined;
      let name = '';
      for (let p: ts.Node | undefined = n.parent; p; p = p.parent) {
        if (!ts.isFunctionLike(p)) continue;
        own ??= p;
        if (ts.isConstructorDeclaration(p)) name = 'constructor';
        else if ('name' in p && p.name && ts.isIdentifier(p.name as ts.Node)) name = (p.name as ts.Identifier).text;
        if (name) break;
      }
      const ownName = own && ts.isConstructorDeclaration(own) ? 'constructor' : own && 'name' in own && own.name && ts.isIdentifier(own.name as ts.Node) ? (own.name as ts.Identifier).text : '';
      const line = sf.getLineAndCharacterOfPosition(n.getStart()).line + 1;
      const exempt = ONCE.has(ownName) || ALLOWED.has(`${rel}:${ownName}`);
      if (own && !exempt) found.push(`${rel}:${line} ${name || '(anonymous)'}`);
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return found;
}

describe('object spreads on per-step paths', () => {
  const files = DIRS.flatMap((d) => tsFiles(join(root, 'src', d)));

  it('flags a spread with added keys in a function, not a plain copy, a module-level table or a config', () => {
    const src = [
      'export const TABLE = { ...OTHER, k: 1 };', // module level: runs once
      'function step(a: object, b: object) {',
      '  const c = { ...a }; // a plain copy: fast',
      '  const d = Object.assign({}, a, { k: 1 });',
      '  return [{ ...a, k: 2 }, { ...a, ...b }, () => ({ k: 3, ...b })];',
      '}',
      'class L { getConfig() { return { ...super.getConfig(), units: 1 }; } }',
      'class M { constructor(a: object) { this.f = () => ({ ...a, k: 4 }); } }', // a closure: may run per step
    ].join('\n');
    expect(slowSpreads('src/probe.ts', src)).toEqual([
      'src/probe.ts:5 step',
      'src/probe.ts:5 step',
      'src/probe.ts:5 step',
      'src/probe.ts:8 constructor',
    ]);
    expect(files.length).toBeGreaterThan(100);
  });

  it('has none in the engine, ops, backends, optimizers, losses, metrics, layers, models and callbacks', () => {
    expect(files.flatMap((f) => slowSpreads(relative(root, f), readFileSync(f, 'utf8')))).toEqual([]);
  });
});
