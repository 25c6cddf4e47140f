// `npm test`: everything that checks the product, in order, each stage timed.
// typecheck -> build (dist/ + zip) -> test models -> unit tests (Node) -> browser tests (Chromium).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const only = process.argv[2]; // optional: "unit" or "e2e"
mkdirSync(join(root, 'test-results'), { recursive: true });

const stages = [];
function stage(name, cmd, args) {
  const t0 = Date.now();
  console.log(`\n=== ${name}: ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: process.env });
  const seconds = (Date.now() - t0) / 1000;
  stages.push({ name, seconds, ok: r.status === 0 });
  return r.status === 0;
}

function counts(file) {
  if (!existsSync(file)) return { passed: 0, failed: 0, skipped: 0 };
  const j = JSON.parse(readFileSync(file, 'utf8'));
  return { passed: j.numPassedTests ?? 0, failed: j.numFailedTests ?? 0, skipped: (j.numPendingTests ?? 0) + (j.numTodoTests ?? 0) };
}

let ok = true;
const vitest = (project) => [
  'vitest', 'run', '--project', project, '--reporter=default', '--reporter=json', `--outputFile.json=test-results/${project}.json`,
];
if (!only || only === 'unit') {
  ok = stage('typecheck', 'npx', ['tsc', '--noEmit', '-p', 'tsconfig.json']) && ok;
}
if (!only || only === 'e2e') {
  ok = stage('build', 'npm', ['run', '--silent', 'build']) && ok;
  if (pkg.scripts['make-test-models']) ok = stage('test models', 'npm', ['run', '--silent', 'make-test-models']) && ok;
}
if (!only || only === 'unit') ok = stage('unit tests (Node)', 'npx', vitest('unit')) && ok;
if (!only || only === 'e2e') ok = stage('browser tests (Chromium)', 'npx', vitest('e2e')) && ok;

const total = ['unit', 'e2e'].map((p) => counts(join(root, 'test-results', `${p}.json`))).reduce(
  (a, b) => ({ passed: a.passed + b.passed, failed: a.failed + b.failed, skipped: a.skipped + b.skipped }),
  { passed: 0, failed: 0, skipped: 0 },
);
console.log('\nStage times:');
for (const s of stages) console.log(`  ${s.ok ? 'ok  ' : 'FAIL'} ${s.name.padEnd(28)} ${s.seconds.toFixed(1)} s`);
console.log(`\n${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
process.exit(ok && total.failed === 0 ? 0 : 1);
