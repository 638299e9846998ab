// Prints the built JavaScript's size, raw and gzip, and fails over the
// budget (250 KB gzip in total, docs/dashboard.md).
import { readdirSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';

const dir = new URL('../dist/assets/', import.meta.url).pathname;
const BUDGET = 250 * 1024;
let raw = 0, gz = 0;
for (const f of readdirSync(dir)) {
  if (!f.endsWith('.js')) continue;
  const b = readFileSync(join(dir, f));
  raw += b.length;
  gz += gzipSync(b, { level: 9 }).length;
}
console.log(`dashboard_js_bytes=${raw} dashboard_js_gzip_bytes=${gz} (budget ${BUDGET})`);
if (gz > BUDGET) {
  console.error(`built JavaScript is ${gz} bytes gzip, over the ${BUDGET} budget`);
  process.exit(1);
}
