// A vitest reporter that ends the run with one plain line, 'tests: N passed, N failed[, N skipped]',
// which CI's log reader understands (vitest's own summary is coloured and has another shape).
// With SG_SUMMARY_FILE set it also appends the counts as one JSON line, so .ci/run can add up its
// two vitest runs (npm test and npm run test:peers) into a closing line of its own.
import { appendFileSync } from 'node:fs';
import type { Reporter, TestModule } from 'vitest/node';

export default class SummaryReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>, errors: ReadonlyArray<unknown>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const m of modules) {
      for (const t of m.children.allTests()) {
        const state = t.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failed++;
        else skipped++;
      }
      // A file that failed to load has no tests to count: it counts as one failure.
      if (m.state() === 'failed' && !Array.from(m.children.allTests()).some((t) => t.result().state === 'failed')) failed++;
    }
    failed += errors.length;
    const file = process.env.SG_SUMMARY_FILE;
    if (file) appendFileSync(file, JSON.stringify({ passed, failed, skipped }) + '\n');
    process.stdout.write(`\ntests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
  }
}
