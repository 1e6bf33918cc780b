// Builds the API reference site with TypeDoc (settings in typedoc.json) and fails when a public
// name has no documentation comment.
//
//   node scripts/docs.mjs              build the site into docs/api (gitignored); exit 1 on any
//                                      undocumented public name (listed by file and line) or any
//                                      other TypeDoc warning
//   node scripts/docs.mjs --check      the same check, without writing the site (faster)
//   node scripts/docs.mjs --options F [--entry E]   another options file / entry point (the tests)
//
// Why a script rather than TypeDoc's own `validation.notDocumented`: TypeDoc reports a name once per
// reflection, so a method of `Layer` without a comment is reported again for every one of the ~80
// layer classes that inherit it (2386 warnings for about 900 declarations). This walks the same
// reflections, counts each source declaration once (inherited members are checked where they are
// declared), and prints the documented/undocumented counts and the list per file, which is what
// the person fixing them needs. TypeDoc's other warnings (broken links, referenced-but-not-exported
// types) still fail the build through `treatWarningsAsErrors`.
import { Application, ReflectionKind, TSConfigReader, TypeDocReader } from 'typedoc';
import path from 'node:path';

const argv = process.argv.slice(2);
const flag = (name) => argv.includes(name);
const value = (name) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const check = flag('--check');
const t0 = performance.now();

const overrides = {};
// Another TypeDoc options file (the tests use fixtures' files that extend typedoc.json), and
// another entry point within it.
if (value('--options')) overrides.options = value('--options');
if (value('--entry')) overrides.entryPoints = [value('--entry')];

const app = await Application.bootstrapWithPlugins(overrides, [new TypeDocReader(), new TSConfigReader()]);
const project = await app.convert();
if (!project) {
  console.error('docs: TypeDoc could not convert the project (see the errors above)');
  process.exit(1);
}

// The kinds a reader looks up. Parameters are documented with @param on their function, so they
// are not counted on their own; signatures count through their function or method.
const REQUIRED =
  ReflectionKind.Namespace |
  ReflectionKind.Enum |
  ReflectionKind.EnumMember |
  ReflectionKind.Variable |
  ReflectionKind.Function |
  ReflectionKind.Class |
  ReflectionKind.Interface |
  ReflectionKind.Constructor |
  ReflectionKind.Property |
  ReflectionKind.Method |
  ReflectionKind.Accessor |
  ReflectionKind.TypeAlias;

/** True when the reflection, one of its signatures, or (for an accessor) its get/set signature has a comment. */
function documented(ref) {
  if (ref.hasComment()) return true;
  const sigs = ref.type?.declaration?.getNonIndexSignatures?.() ?? ref.getNonIndexSignatures?.() ?? [];
  if (sigs.some((s) => s.hasComment())) return true;
  if (ref.getSignature?.hasComment() || ref.setSignature?.hasComment()) return true;
  // A namespace made by `export * as x from './file.js'` takes the file's @module comment.
  if (ref.kindOf(ReflectionKind.Namespace) && ref.readme?.length) return true;
  return false;
}

/** Inside a parameter's type, or an inherited copy: checked elsewhere (or not a name). */
function skipped(ref) {
  // An inherited member is checked where it is declared, when that declaration is on the site; a
  // member of a base class that is not exported (Conv, behind Conv1D/2D/3D) is checked here, once
  // per declaration (the copies share its source position).
  if (ref.inheritedFrom?.reflection) return true;
  if (ref.flags.isExternal) return true;
  // A constructor counts as documented by its class (`new Dense(args)` is described there).
  if (ref.kindOf(ReflectionKind.Constructor)) return true;
  // A member of an inline object type of a documented property (`colors?: { training?: string }`):
  // the property's comment describes it.
  if (ref.parent?.kindOf(ReflectionKind.TypeLiteral) && ref.parent.parent?.kindOf(ReflectionKind.Property)) return true;
  // A data field of a documented constant (`DOWNLOAD_DEFAULTS.timeoutMs`): the constant's comment
  // describes its table. Functions and classes held by a namespace-like constant
  // (`layers.dense`, `optimizers.SGD`) still need their own comment.
  if (ref.kindOf(ReflectionKind.Property) && ref.parent?.kindOf(ReflectionKind.TypeLiteral) && ref.parent.parent?.kindOf(ReflectionKind.Variable)) {
    const t = ref.type;
    const callable = (t?.type === 'reflection' && t.declaration.signatures?.length) || t?.type === 'query';
    if (!callable) return true;
  }
  for (let r = ref.parent; r; r = r.parent) {
    if (r.kindOf(ReflectionKind.Parameter | ReflectionKind.SomeSignature)) return true;
    if (r.kindOf(ReflectionKind.TypeLiteral) && r.parent?.kindOf(ReflectionKind.TypeAlias)) return true;
  }
  return false;
}

const seen = new Map(); // "file:line:col name" -> { name, file, line, kind, ok }
for (const ref of project.getReflectionsByKind(REQUIRED)) {
  if (skipped(ref)) continue;
  const src = ref.sources?.[0];
  const file = src ? path.relative(process.cwd(), src.fullFileName) : '?';
  if (file.startsWith('node_modules')) continue;
  const key = `${file}:${src?.line}:${src?.character} ${ref.name}`;
  const ok = documented(ref);
  const prev = seen.get(key);
  if (prev) prev.ok ||= ok;
  else seen.set(key, { name: ref.getFriendlyFullName(), file, line: src?.line ?? 0, kind: ReflectionKind[ref.kind], ok });
}

const all = [...seen.values()];
const missing = all.filter((d) => !d.ok);
if (missing.length) {
  const byFile = new Map();
  for (const d of missing) byFile.set(d.file, [...(byFile.get(d.file) ?? []), d]);
  for (const [file, ds] of [...byFile].sort((a, b) => a[0].localeCompare(b[0]))) {
    console.log(`${file} (${ds.length})`);
    for (const d of ds.sort((a, b) => a.line - b.line)) console.log(`  ${d.line}: ${d.name} (${d.kind})`);
  }
}
console.log(`docs: ${all.length - missing.length} of ${all.length} public declarations documented, ${missing.length} not`);

// Informational: how many functions show an example (the ops should: a one-line `@example`).
const hasExample = (r) => [r.comment, ...(r.signatures ?? []).map((s) => s.comment)].some((c) => c?.getTag('@example'));
const fns = project.getReflectionsByKind(ReflectionKind.Function).filter((r) => !skipped(r));
console.log(`docs: ${fns.filter(hasExample).length} of ${fns.length} functions have an @example`);

app.validate(project);
if (!check) await app.generateOutputs(project);
const secs = ((performance.now() - t0) / 1000).toFixed(1);
const warnings = app.logger.warningCount ?? 0;
const errors = app.logger.errorCount ?? 0;
if (missing.length || app.logger.hasErrors() || app.logger.hasWarnings()) {
  console.error(
    `docs: FAILED in ${secs} s: ${missing.length} undocumented public name(s)` +
      `, ${errors} TypeDoc error(s), ${warnings} warning(s)`,
  );
  process.exit(1);
}
console.log(`docs: ok in ${secs} s${check ? '' : `, site in ${app.options.getValue('out')}`}`);
