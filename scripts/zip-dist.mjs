// Packs dist/ into confidant-<version>.zip, ready for the Chrome Web Store.
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { zipSync } from 'fflate';

const root = new URL('..', import.meta.url).pathname;
const dist = join(root, 'dist');
const { version } = JSON.parse(readFileSync(join(dist, 'manifest.json'), 'utf8'));
const files = {};
(function walk(dir) {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else files[relative(dist, p)] = [new Uint8Array(readFileSync(p)), { level: name.endsWith('.wasm') || name.endsWith('.onnx') ? 6 : 9 }];
  }
})(dist);
const out = join(root, `confidant-${version}.zip`);
writeFileSync(out, zipSync(files));
console.log(`wrote ${relative(root, out)} (${Object.keys(files).length} files)`);
