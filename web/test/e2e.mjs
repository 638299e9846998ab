// Browser tests of the dashboard (docs/dashboard.md): a single-validator chain
// with the energy market, served with web/dist by `wattle node --web-dir`,
// driven by playwright-core in Debian's chromium (headless), with axe-core.
// Shows: every page renders live data with no console errors; a new block
// is on "/" within 2 s of its commit; an order signed on /household reaches
// the slot's book on /market and the chain; a bill equals the API's; the
// explorer's proof verifies; bad input is said in words; a node restart shows
// "reconnecting" and the page catches up; screenshots at 1400 and 390 px
// (test-artifacts/); no serious/critical axe violations; the first render
// time of "/" is printed (dashboard_first_render_ms=..., not asserted).
//
//   WATTLE_BIN   the wattle binary (default ../build/release/wattle)
//   CHROMIUM     the browser (default /usr/bin/chromium)
import { spawn, execFileSync, execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync, rmSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const webDir = resolve(here, '..');
const WATTLE = process.env.WATTLE_BIN ?? resolve(webDir, '../build/release/wattle');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const DIST = join(webDir, 'dist');
const ARTIFACTS = join(webDir, 'test-artifacts');
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const SLOT_SECONDS = 6;
const DEADLINE = 60_000; // generous: the verdict must not depend on machine speed

for (const [what, p] of [['wattle binary', WATTLE], ['chromium', CHROMIUM], ['built dashboard (npm run build)', join(DIST, 'index.html')]])
  if (!existsSync(p)) { console.error(`e2e: missing ${what}: ${p}`); process.exit(2); }

const tmp = mkdtempSync(join(tmpdir(), 'wattle-dash-'));
rmSync(ARTIFACTS, { recursive: true, force: true });
mkdirSync(ARTIFACTS, { recursive: true });

const results = [];
async function step(name, fn) {
  const t0 = Date.now();
  try {
    await fn();
    results.push([name, true]);
    console.log(`ok - ${name} (${Date.now() - t0} ms)`);
  } catch (e) {
    results.push([name, false]);
    console.error(`not ok - ${name}\n  ${e.stack ?? e}`);
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function until(what, fn, ms = DEADLINE) {
  const end = Date.now() + ms;
  let last;
  while (Date.now() < end) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) { last = e; }
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}${last ? ': ' + last.message : ''}`);
}

const wattle = (...args) => execFileSync(WATTLE, args, { encoding: 'utf8' });
function newKey(name) {
  const path = join(tmp, `${name}.key`);
  wattle('key', 'new', '--out', path);
  return { path, ...JSON.parse(readFileSync(path, 'utf8')) };
}
async function freePort() {
  return new Promise((ok) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => ok(p)); });
  });
}

// ---- the chain ----
const house = newKey('house'), seller = newKey('seller'), op = newKey('operator'), meter = newKey('meter'), tax = newKey('tax');
writeFileSync(join(tmp, 'market.toml'), [
  'mechanism = "uniform"', 'params = { k = 500000 }', `slot_seconds = ${SLOT_SECONDS}`, 'gate_lead_seconds = 0',
  'settlement_delay_seconds = 6', 'max_slots_ahead = 100', 'grid_buy = 250000', 'grid_sell = 50000', 'grid_fee = 20000',
  'tax_bp = 1900', `operator = "${op.address}"`, `tax_account = "${tax.address}"`, 'max_reading_wh_per_slot = 100000', ''].join('\n'));
// Certificates (docs/certificates.md): the household's meter is a solar device, so its export issues.
writeFileSync(join(tmp, 'certificates.toml'), ['bundle_with_trades = true', 'match_window_slots = 0', 'expiry_slots = 2880',
  'reward_per_mwh = { solar = 1000000 }', ''].join('\n'));
const home = join(tmp, 'home');
wattle('init', '--home', home, '--chain-id', 'wattle-e2e', '--block-interval-ms', '500', '--market', join(tmp, 'market.toml'),
  '--certificates', join(tmp, 'certificates.toml'),
  '--balance', `${house.address}=100000000`, '--balance', `${seller.address}=100000000`, '--balance', `${op.address}=100000000`);
const port = await freePort();
const RPC = `127.0.0.1:${port}`;
const BASE = `http://${RPC}`;
let node = null;
function startNode() {
  node = spawn(WATTLE, ['node', '--home', home, '--rpc', RPC, '--web-dir', DIST, '--log-level', 'warn'], { stdio: ['ignore', 'ignore', 'inherit'] });
}
async function api(path) {
  const r = await fetch(BASE + path);
  if (!r.ok) throw new Error(`${path}: ${r.status} ${await r.text()}`);
  return r.json();
}
async function stopNode() {
  if (!node) return;
  const n = node;
  node = null;
  const exited = new Promise((r) => n.once('exit', r));
  n.kill('SIGTERM');
  await exited;
}
process.on('exit', () => node?.kill('SIGKILL'));
process.on('uncaughtException', (e) => { console.error(e); node?.kill('SIGKILL'); process.exit(1); });
startNode();
await until('the node to answer', () => api('/v1/status'));
const params = await api('/v1/market/params');
wattle('tx', 'register-meter', '--key', op.path, '--rpc', RPC, '--meter', meter.public_key, '--account', house.address);
wattle('tx', 'register-device', '--key', op.path, '--rpc', RPC, '--meter', meter.public_key, '--account', house.address,
  '--technology', 'solar', '--capacity-w', '5000', '--wait');
// The node makes a block only when there is something to commit (txs, a due
// gate closure or settlement), so a steady trickle of transfers keeps the
// chain moving as a live community's would.
let traffic = true;
(async () => {
  while (traffic) {
    if (node) await new Promise((ok) => execFile(WATTLE, ['tx', 'transfer', '--key', op.path, '--rpc', RPC, '--to', seller.address, '--amount', '1'], () => ok()));
    await sleep(700);
  }
})();

// Formatting as the page does (src/format.ts): micro-units -> "1.234567 WAT".
const tokens = (micro) => {
  const m = BigInt(micro), a = m < 0n ? -m : m;
  return `${m < 0n ? '−' : ''}${(a / 1000000n).toLocaleString('en-US')}.${(a % 1000000n).toString().padStart(6, '0')} WAT`;
};

// ---- the browser ----
const context = await chromium.launchPersistentContext(join(tmp, 'chromium-profile'), {
  executablePath: CHROMIUM,
  headless: true,
  viewport: { width: 1400, height: 1000 },
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
const page = await context.newPage();
let consoleErrors = [];
page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
page.on('pageerror', (e) => consoleErrors.push(`uncaught: ${e.message}`));

async function axeCheck(name) {
  await page.evaluate(axeSource);
  const r = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  const bad = r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`), [], `${name}: axe`);
}
async function shots(name) {
  for (const width of [1400, 390]) {
    await page.setViewportSize({ width, height: width === 390 ? 844 : 1000 });
    await sleep(300); // charts re-layout on resize
    await page.screenshot({ path: join(ARTIFACTS, `${name}-${width}.png`), fullPage: true });
    const wide = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(wide <= width, `${name}: the page is ${wide} px wide at ${width} px (it scrolls sideways)`);
  }
  await page.setViewportSize({ width: 1400, height: 1000 });
}
// Visits a page, waits for its live data, checks console, axe, screenshots.
async function visit(name, path, ready, base = BASE) {
  consoleErrors = [];
  await page.goto(base + path);
  await until(`${name}: live data`, () => ready());
  await until(`${name}: connected`, async () => (await page.locator('#conn').textContent()) === 'Live');
  assert.deepEqual(consoleErrors, [], `${name}: console errors`);
  await axeCheck(name);
  await shots(name);
}
const text = (sel) => page.locator(sel).first().textContent({ timeout: 2000 }).catch(() => '');
// Waits until `sel`'s text matches `re`; a timeout says what it showed.
async function untilText(what, sel, re) {
  try {
    return await until(what, async () => re.test(await text(sel)));
  } catch (e) {
    throw new Error(`${e.message}; ${sel} shows ${JSON.stringify(await text(sel))}`);
  }
}

let orderHash = null, orderSlot = null;
const EXPORT_WH = 300; // the household's metered export in orderSlot: the certificates it is issued

await step('network page: first render, live height, chain id', async () => {
  const t0 = Date.now();
  await page.goto(BASE + '/');
  await page.locator('#height').waitFor({ timeout: DEADLINE });
  const nav = await page.evaluate(() => performance.now());
  console.log(`dashboard_first_render_ms=${Math.round(nav)} (navigation start to the live height shown; wall ${Date.now() - t0} ms)`);
  const st = await api('/v1/status');
  assert.equal(await text('#chain-id'), st.chain_id);
  await visit('network', '/', async () => Number(await text('#height')) >= st.height && (await page.locator('#blocks tbody tr').count()) > 3);
});

await step('a new block appears on "/" within 2 s of its commit', async () => {
  await page.evaluate(() => {
    window.__seen = {};
    new MutationObserver(() => {
      const v = document.querySelector('#height')?.textContent;
      if (v && !(v in window.__seen)) window.__seen[v] = Date.now();
    }).observe(document.querySelector('main'), { subtree: true, childList: true, characterData: true });
  });
  const start = (await api('/v1/status')).height;
  await until('3 new blocks', async () => (await api('/v1/status')).height >= start + 4);
  const seen = await page.evaluate(() => window.__seen);
  const lags = [];
  for (let hgt = start + 1; hgt <= start + 3; ++hgt) {
    assert.ok(String(hgt) in seen, `height ${hgt} never shown`);
    const b = await api(`/v1/blocks/${hgt}`);
    lags.push(seen[String(hgt)] - b.time_ms);
  }
  console.log(`dashboard_block_lag_ms=${Math.max(...lags)} (shown minus the block's header time, worst of 3)`);
  assert.ok(Math.max(...lags) < 2000, `lags ${lags}`);
});

await step('household: a corrupt key file is refused in words', async () => {
  await visit('household-empty', '/household', async () => (await page.locator('#key-file').count()) === 1);
  await page.setInputFiles('#key-file', { name: 'bad.key', mimeType: 'application/json', buffer: Buffer.from('{"seed": "1234"}') });
  await until('key error', async () => /64 hex/.test(await text('#key-error')));
  const k = JSON.parse(readFileSync(house.path, 'utf8'));
  await page.fill('#key-paste', JSON.stringify({ ...k, address: seller.address }));
  await page.click('#key-use');
  await until('mismatch error', async () => /does not match/.test(await text('#key-error')));
  assert.equal(await page.locator('#balance').count(), 0, 'no account shown for a bad key');
  // A well-formed key of an account the chain has never seen: said, not shown as an empty wallet.
  await page.setInputFiles('#key-file', tax.path);
  await until('unknown account note', async () => /never funded/.test(await text('#account-note')));
  assert.equal(await text('#address'), tax.address);
});

await step('household: load the key, place an order signed in the browser; it reaches the book and the chain', async () => {
  await page.setInputFiles('#key-file', house.path);
  await until('balance', async () => (await text('#balance')) === tokens((await api(`/v1/accounts/${house.address}`)).balance));
  assert.equal(await text('#address'), house.address);
  const st = await api('/v1/status');
  orderSlot = Math.floor(Math.max(st.last_block_time_ms, Date.now()) / 1000 / SLOT_SECONDS) + 2;
  await page.fill('#order-slot', String(orderSlot));
  await page.selectOption('#order-side', 'buy');
  await page.fill('#order-energy', '1.000');
  await page.fill('#order-price', '0.200000');
  await page.click('#order-submit');
  await until('order committed', async () => /Committed at height/.test(await text('#order-result')));
  orderHash = await page.locator('#order-result').getAttribute('data-hash');
  const tx = await api(`/v1/txs/${orderHash}`);
  assert.equal(tx.status, 'committed');
  assert.equal(tx.tx.type, 'order');
  assert.equal(tx.tx.slot, orderSlot);
  assert.equal(tx.tx.energy_wh, 1000);
  assert.equal(tx.tx.price, 200000);
  const slot = await api(`/v1/market/slots/${orderSlot}`);
  assert.ok(slot.orders.some((o) => o.id === orderHash), 'order in the API book');
  await until('order in the open orders', async () => (await page.locator(`#orders [data-order="${orderHash}"]`).count()) === 1);
  await visit('household', '/household', async () => true); // same SPA state is lost on reload: re-load below
  await page.setInputFiles('#key-file', house.path);
  await until('orders after reload', async () => (await page.locator(`#orders [data-order="${orderHash}"]`).count()) === 1);
  await shots('household');
  // The counterparty sells into the same slot (CLI).
  wattle('tx', 'order', '--key', seller.path, '--rpc', RPC, '--slot', String(orderSlot), '--side', 'sell', '--energy-wh', '800', '--price', '100000');
  await visit('market-slot', `/market/slot/${orderSlot}`, async () => (await page.locator(`#book [data-order="${orderHash}"]`).count()) === 1);
});

await step('market page: slots, book, series, params', async () => {
  await visit('market', '/market', async () => (await page.locator('#market-params').count()) === 1 && (await page.locator('#slot-next dd').count()) > 3 && (await page.locator('#price-chart canvas').count()) === 1);
});

await step('household: an order the node refuses is said in words (slot_closed, slot_too_far, client-side checks)', async () => {
  await page.goto(BASE + '/household');
  await page.setInputFiles('#key-file', house.path);
  await page.locator('#order-slot').waitFor();
  await page.locator('#balance').waitFor(); // the account is loaded, as a user would see
  await page.fill('#order-slot', '5');
  await page.click('#order-submit');
  await untilText('slot_closed sentence', '#order-result', /gate has closed/);
  assert.equal(await page.locator('#order-result').getAttribute('data-code'), 'slot_closed');
  await page.fill('#order-slot', String(orderSlot + 1000));
  await page.click('#order-submit');
  await untilText('slot_too_far sentence', '#order-result', /too far ahead/);
  await page.fill('#order-slot', String(orderSlot + 1));
  await page.fill('#order-energy', '0');
  await page.click('#order-submit');
  await until('zero energy refused', async () => /more than 0 kWh/.test(await text('#order-result')));
  await page.fill('#order-energy', '1.2345');
  await page.click('#order-submit');
  await until('sub-Wh refused', async () => /at most 3 decimals/.test(await text('#order-result')));
  // The node's refusals are 409 responses, which chromium logs as failed loads; nothing else.
  assert.deepEqual(consoleErrors.filter((e) => !/status of 409/.test(e)), []);
});

await step('a bill on /household equals the API\'s', async () => {
  // The slot ends, the household's meter posts its reading (CLI), the chain settles.
  const end = (orderSlot + 1) * SLOT_SECONDS * 1000;
  await until('slot end', async () => (await api('/v1/status')).last_block_time_ms >= end + 200, DEADLINE);
  wattle('tx', 'meter', '--key', meter.path, '--rpc', RPC, '--slot', String(orderSlot), '--import-wh', '900', '--export-wh', String(EXPORT_WH));
  const bill = await until('bill in the API', async () => {
    const r = await fetch(`${BASE}/v1/accounts/${house.address}/bills/${orderSlot}`);
    return r.ok ? r.json() : null;
  });
  assert.ok(bill.bought_wh > 0, 'the household bought energy');
  consoleErrors = [];
  await page.goto(BASE + '/household');
  await page.setInputFiles('#key-file', house.path);
  await until('bill row', async () => (await page.locator(`[data-bill-net="${orderSlot}"]`).count()) === 1);
  assert.equal(await text(`[data-bill-net="${orderSlot}"]`), tokens(bill.net));
  const row = (await page.locator(`[data-bill-net="${orderSlot}"]`).locator('xpath=ancestor::tr').innerText()).split('\t');
  assert.equal(row[1].trim(), `${(bill.bought_wh / 1000).toFixed(3)} kWh`);
  assert.equal(row[3].trim(), `${(bill.import_wh / 1000).toFixed(3)} kWh / ${(bill.export_wh / 1000).toFixed(3)} kWh`);
  assert.equal(row[6].trim(), tokens(bill.grid_fee));
  assert.equal(row[7].trim(), tokens(bill.tax));
  const cost = Math.ceil((bill.import_wh * params.grid_buy) / 1000);
  const alone = cost + Math.ceil((cost * params.tax_bp) / 10000) - Math.floor((bill.export_wh * params.grid_sell) / 1000);
  assert.equal(row[9].trim(), tokens(-alone));
  assert.deepEqual(consoleErrors, []);
  await axeCheck('household-bills');
  await shots('household-bills');
  // The cleared slot on /market: its trades, and its clearing price as the API's.
  const slot = await api(`/v1/market/slots/${orderSlot}`);
  const price = `${(slot.clearing_price / 1e6).toFixed(6)} WAT/kWh`;
  await visit('market-slot-cleared', `/market/slot/${orderSlot}`, async () =>
    (await text('#slot-facts')).includes(price) && (await page.locator('#trades tbody tr').count()) === slot.trades.length);
  await visit('market-traded', '/market', async () => (await page.locator('#trades tbody tr').count()) > 0);
});

await step('household: certificates issued from the meter\'s export, and a cancel moves the 24/7 score live', async () => {
  // Issued at the slot's settlement (the block of the bill); the household bought energy, so its export stays with it.
  const issued = await until('issued bundle in the API', async () => {
    const hs = await api(`/v1/certificates/holdings/${house.address}`);
    return hs.bundles.find((b) => b.slot === orderSlot);
  });
  assert.equal(issued.wh, EXPORT_WH);
  assert.equal(issued.status, 'active');
  assert.equal(issued.device, meter.public_key);
  consoleErrors = [];
  await page.goto(BASE + '/household');
  await page.setInputFiles('#key-file', house.path);
  await untilText('issued Wh shown', `[data-bundle-wh="${issued.id}"]`, new RegExp(`^${(EXPORT_WH / 1000).toFixed(3)} kWh$`));
  assert.equal(await text('#cert-active'), `${(EXPORT_WH / 1000).toFixed(3)} kWh`);
  assert.equal(await text('#match-score'), '0.00 %'); // nothing claimed yet
  // The household claims 200 Wh against its 900 Wh import (CLI); the page follows on certificate_cancelled, no reload.
  wattle('tx', 'cert', 'cancel', '--key', house.path, '--rpc', RPC, '--bundle', String(issued.id), '--wh', '200', '--slot', String(orderSlot), '--wait');
  const st = await api('/v1/status');
  const current = Math.floor(st.last_block_time_ms / 1000 / SLOT_SECONDS);
  const m = await api(`/v1/accounts/${house.address}/matching?from=${Math.max(0, current - 95)}&to=${current}`);
  assert.equal(m.matched_wh, 200);
  assert.equal(m.score_pct, (Math.floor((200 * 10000) / m.consumed_wh) / 100).toFixed(2));
  await untilText('score after the cancel', '#match-score', new RegExp(`^${m.score_pct.replace('.', '\\.')} %$`));
  await untilText('cancelled Wh', '#cert-cancelled', /^0\.200 kWh$/);
  assert.equal(await text('#cert-active'), `${((EXPORT_WH - 200) / 1000).toFixed(3)} kWh`);
  assert.equal(await page.locator('#matching-chart canvas').count(), 1, 'per-slot chart drawn');
  assert.deepEqual(consoleErrors, []);
  await axeCheck('household-certificates');
  await page.locator('#certificates').scrollIntoViewIfNeeded();
  await shots('household-certificates');
});

await step('certificates page: params and a device looked up by its meter', async () => {
  await visit('certificates', '/certificates', async () => /same slot only/.test(await text('#cert-params')));
  await page.fill('#meter-input', 'zz');
  await page.click('#device-form button');
  await untilText('bad meter said', '#device-error', /64 hex/);
  await page.fill('#meter-input', op.public_key); // a key with no device
  await page.click('#device-form button');
  await untilText('no device said', '#device-error', /No production device/);
  await page.fill('#meter-input', meter.public_key);
  await page.click('#device-form button');
  await untilText('device', '#device-tech', /^solar$/);
  assert.equal(await text('#device-error'), '');
});

await step('market: a sealed order is counted in its slot\'s view', async () => {
  const st = await api('/v1/status');
  const slot = Math.floor(Math.max(st.last_block_time_ms, Date.now()) / 1000 / SLOT_SECONDS) + 60; // its gate is minutes away
  wattle('tx', 'order', '--key', seller.path, '--rpc', RPC, '--slot', String(slot), '--side', 'sell', '--energy-wh', '500',
    '--price', '90000', '--sealed', '--max-escrow', '1000000', '--wait');
  const view = await until('sealed in the API', async () => (await api(`/v1/market/slots/${slot}`)).sealed);
  assert.deepEqual([view.orders, view.revealed, view.window_opened_at], [1, 0, null]);
  await visit('market-slot-sealed', `/market/slot/${slot}`, async () => /^1 sealed, 0 revealed, 1 not revealed/.test(await text('#sealed-counts')));
});

// Formatting as the page does (src/format.ts, src/levels.ts).
const kwhText = (wh) => `${(wh / 1000).toFixed(3)} kWh`;
const priceText = (p) => (p === null ? '—' : `${(p / 1e6).toFixed(6)} WAT/kWh`);
const feesText = (fees, sep = ' + ') => (fees.length ? fees.map((f) => `${f.market} ${tokens(f.amount)}`).join(sep) : 'none');

await step('market tree: a trade across two leaves; the slot page shows the levels, the trade\'s market and fees, the level filter, and the bill\'s fees by level as the API\'s', async () => {
  // A chain of its own whose market is a two-leaf tree (docs/market.md "Genesis: markets as a tree").
  const tr = { op: newKey('tree-op'), tax: newKey('tree-tax'), a: newKey('tree-a'), b: newKey('tree-b'), meterA: newKey('tree-meter-a'),
    meterB: newKey('tree-meter-b'), feeA: newKey('tree-fee-a'), feeB: newKey('tree-fee-b') };
  const TREE_SLOT_SECONDS = 4;
  writeFileSync(join(tmp, 'tree-market.toml'), [
    'mechanism = "uniform"', `slot_seconds = ${TREE_SLOT_SECONDS}`, 'gate_lead_seconds = 0', 'settlement_delay_seconds = 12',
    'max_slots_ahead = 100', 'grid_buy = 250000', 'grid_sell = 50000', 'grid_fee = 20000', 'tax_bp = 1900',
    `operator = "${tr.op.address}"`, `tax_account = "${tr.tax.address}"`, 'max_reading_wh_per_slot = 100000',
    '[[markets]]', 'name = "district"', 'mechanism = "uniform"', 'grid_fee = 1000', `fee_account = "${tr.op.address}"`,
    '[[markets]]', 'name = "street-a"', 'parent = "district"', 'mechanism = "uniform"', 'grid_fee = 5000', `fee_account = "${tr.feeA.address}"`,
    '[[markets]]', 'name = "street-b"', 'parent = "district"', 'mechanism = "uniform"', 'grid_fee = 3000', `fee_account = "${tr.feeB.address}"`, ''].join('\n'));
  const treeHome = join(tmp, 'tree');
  wattle('init', '--home', treeHome, '--chain-id', 'wattle-e2e-tree', '--block-interval-ms', '300', '--market', join(tmp, 'tree-market.toml'),
    '--balance', `${tr.op.address}=100000000`, '--balance', `${tr.a.address}=100000000`, '--balance', `${tr.b.address}=100000000`,
    '--balance', `${tr.tax.address}=100000000`); // funded: it sends the trickle (the operator's own txs would race its nonces)
  const treeRpc = `127.0.0.1:${await freePort()}`;
  const treeBase = `http://${treeRpc}`;
  const tree = spawn(WATTLE, ['node', '--home', treeHome, '--rpc', treeRpc, '--web-dir', DIST, '--log-level', 'warn'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const treeApi = async (path) => { const r = await fetch(treeBase + path); if (!r.ok) throw new Error(`${path}: ${r.status}`); return r.json(); };
  let ticking = true; // blocks keep coming, as on the first chain
  try {
    await until('tree chain answers', () => treeApi('/v1/status'));
    (async () => {
      while (ticking) {
        await new Promise((ok) => execFile(WATTLE, ['tx', 'transfer', '--key', tr.tax.path, '--rpc', treeRpc, '--to', tr.op.address, '--amount', '1'], () => ok()));
        await sleep(500);
      }
    })();
    wattle('tx', 'register-meter', '--key', tr.op.path, '--rpc', treeRpc, '--meter', tr.meterA.public_key, '--account', tr.a.address, '--market', 'street-a', '--wait');
    wattle('tx', 'register-meter', '--key', tr.op.path, '--rpc', treeRpc, '--meter', tr.meterB.public_key, '--account', tr.b.address, '--market', 'street-b', '--wait');
    const st = await treeApi('/v1/status');
    const slot = Math.floor(Math.max(st.last_block_time_ms, Date.now()) / 1000 / TREE_SLOT_SECONDS) + 3;
    wattle('tx', 'order', '--key', tr.a.path, '--rpc', treeRpc, '--slot', String(slot), '--side', 'buy', '--energy-wh', '1000', '--price', '200000');
    wattle('tx', 'order', '--key', tr.b.path, '--rpc', treeRpc, '--slot', String(slot), '--side', 'sell', '--energy-wh', '800', '--price', '100000', '--wait');
    // The slot ends and both meters read inside the settlement window; the chain clears and settles.
    const end = (slot + 1) * TREE_SLOT_SECONDS * 1000;
    await until('slot end', async () => (await treeApi('/v1/status')).last_block_time_ms >= end + 200);
    wattle('tx', 'meter', '--key', tr.meterA.path, '--rpc', treeRpc, '--slot', String(slot), '--import-wh', '800', '--export-wh', '0');
    wattle('tx', 'meter', '--key', tr.meterB.path, '--rpc', treeRpc, '--slot', String(slot), '--import-wh', '0', '--export-wh', '800');
    const cleared = await until('the slot cleared with a trade', async () => { const v = await treeApi(`/v1/market/slots/${slot}`); return v.trades.length ? v : null; });
    // The API's view: the trade is matched at the root and crosses both streets (leaf side first, the buyer's).
    assert.deepEqual(cleared.levels.map((l) => [l.market, l.parent]), [['district', null], ['street-a', 'district'], ['street-b', 'district']]);
    assert.equal(cleared.trades[0].market, 'district');
    assert.deepEqual(cleared.trades[0].grid_fees, [{ market: 'street-a', amount: 4000 }, { market: 'street-b', amount: 2400 }]);
    // The page shows each level and the trade's fees exactly as the API's.
    await visit('market-slot-tree', `/market/slot/${slot}`, async () => (await page.locator('#levels tbody tr').count()) === 3 &&
      (await page.locator('[data-trade-fees="0"]').count()) === 1, treeBase);
    for (const l of cleared.levels) {
      const row = (await page.locator(`[data-level="${l.market}"]`).locator('xpath=ancestor::tr').innerText()).split('\t').map((x) => x.trim());
      assert.deepEqual(row, [l.market, l.parent ?? '—', priceText(l.clearing_price), kwhText(l.offered_wh), kwhText(l.traded_wh),
        kwhText(l.passed_up_wh), tokens(l.fees)], `level ${l.market}`);
    }
    assert.equal(await text('[data-trade-fees="0"]'), feesText(cleared.trades[0].grid_fees));
    const tradeRow = (await page.locator('#trades tbody tr').first().innerText()).split('\t').map((x) => x.trim());
    assert.equal(tradeRow[5], 'district');
    // The level filter loads ?market=street-a: its level, the orders of its subtree, the trades it matched (none).
    const one = await treeApi(`/v1/market/slots/${slot}?market=street-a`);
    await page.selectOption('#level-filter', 'street-a');
    await untilText('one level shown', '#levels caption', /^Level street-a of slot/);
    assert.equal(await page.locator('#levels tbody tr').count(), 1);
    assert.equal(await page.locator('#book tbody tr').count(), one.orders.length);
    assert.equal(one.trades.length, 0);
    assert.equal(await text('#trades tbody td'), 'none');
    assert.ok((await text('#trades thead')).includes('Grid fees'), 'a level with no trade keeps the tree\'s columns');
    assert.ok((await text('#slot-facts')).includes(priceText(one.clearing_price)));
    await axeCheck('market-slot-tree-level');
    await shots('market-slot-tree-level');
    await page.selectOption('#level-filter', '');
    await until('all levels again', async () => (await page.locator('#levels tbody tr').count()) === 3);
    const unknown = await fetch(`${treeBase}/v1/market/slots/${slot}?market=nowhere`);
    assert.deepEqual([unknown.status, (await unknown.json()).code], [404, 'unknown_market']);
    // The market page's slot cards carry the levels too.
    await visit('market-tree', '/market', async () => (await page.locator('#slot-next [data-level]').count()) === 3 &&
      (await page.locator('#slot-current [data-level]').count()) === 3, treeBase);
    assert.equal(await text('#market-tree'), 'district (uniform, root, 0.001000 WAT/kWh); street-a (uniform, in district, 0.005000 WAT/kWh); street-b (uniform, in district, 0.003000 WAT/kWh)');
    // The buyer's bill lists the fees by level.
    const bill = await until('bill in the API', async () => {
      const r = await fetch(`${treeBase}/v1/accounts/${tr.a.address}/bills/${slot}`);
      return r.ok ? r.json() : null;
    });
    assert.deepEqual(bill.grid_fees, cleared.trades[0].grid_fees);
    consoleErrors = [];
    await page.goto(treeBase + '/household');
    await page.setInputFiles('#key-file', tr.a.path);
    await untilText('bill fees by level', `[data-bill-levels="${slot}"]`, /WAT/);
    assert.equal(await text(`[data-bill-levels="${slot}"]`), feesText(bill.grid_fees, '\n'));
    assert.equal(await text(`[data-bill-net="${slot}"]`), tokens(bill.net));
    // This chain has no certificates section: the household's certificate requests are the API's 400s, nothing else fails.
    assert.deepEqual(consoleErrors.filter((e) => !/status of 400/.test(e)), []);
    await axeCheck('household-bills-tree');
    await shots('household-bills-tree');
  } finally {
    ticking = false;
    const exited = new Promise((r) => tree.once('exit', r));
    tree.kill('SIGTERM');
    await exited;
  }
  // A flat market keeps today's look: no tree card, no market columns.
  consoleErrors = [];
  await page.goto(`${BASE}/market/slot/${orderSlot}`);
  await until('flat slot loaded', async () => (await page.locator('#book [data-order]').count()) > 0 && (await page.locator('#trades tbody tr').count()) > 0);
  assert.equal(await page.locator('#levels').isHidden(), true, 'no levels on a flat market');
  assert.equal(await page.locator('#level-filter').isHidden(), true);
  assert.ok(!(await text('#trades thead')).includes('Grid fees'));
});

// After the bill: no other order of the household is open, so its escrow moves only by the cancel.
await step('household: cancel an order signed in the browser; it leaves the book and the escrow returns', async () => {
  consoleErrors = [];
  await page.goto(BASE + '/household');
  await page.setInputFiles('#key-file', house.path);
  await page.locator('#order-slot').waitFor();
  await page.locator('#balance').waitFor(); // the account is loaded, as a user would see
  const st = await api('/v1/status');
  const slot = Math.floor(Math.max(st.last_block_time_ms, Date.now()) / 1000 / SLOT_SECONDS) + 6;
  const escrowBefore = (await api(`/v1/accounts/${house.address}/orders`)).escrow;
  await page.fill('#order-slot', String(slot));
  await page.fill('#order-energy', '0.500');
  await page.fill('#order-price', '0.100000');
  await page.click('#order-submit');
  await until('second order committed', async () => /Committed at height/.test(await text('#order-result')));
  const id = await page.locator('#order-result').getAttribute('data-hash');
  assert.ok((await api(`/v1/market/slots/${slot}`)).orders.some((o) => o.id === id));
  await until('cancel button', async () => (await page.locator(`[data-cancel="${id}"]`).count()) === 1);
  await page.click(`[data-cancel="${id}"]`);
  await until('cancel committed', async () => /Committed at height/.test(await text('#order-result')) &&
    (await page.locator('#order-result').getAttribute('data-hash')) !== id);
  const cancelTx = await api(`/v1/txs/${await page.locator('#order-result').getAttribute('data-hash')}`);
  assert.equal(cancelTx.tx.type, 'cancel');
  assert.equal(cancelTx.tx.order, id);
  assert.equal(cancelTx.status, 'committed');
  // The page said "Committed" on the tx event; the API's views follow within the deadline.
  const os = await until('cancelled order gone from the account', async () => {
    const r = await api(`/v1/accounts/${house.address}/orders`);
    return r.orders.some((o) => o.id === id) ? null : r;
  });
  assert.equal(os.escrow, escrowBefore, 'escrow returned in full');
  await until('cancelled order gone from the book', async () => !(await api(`/v1/market/slots/${slot}`)).orders.some((o) => o.id === id));
  await until('row gone', async () => (await page.locator(`#orders [data-order="${id}"]`).count()) === 0);
  assert.deepEqual(consoleErrors, []);
});

await step('explorer: search, block, tx, account with the proof verified in the browser', async () => {
  await visit('explorer', '/explorer', async () => (await page.locator('#latest tbody tr').count()) > 3);
  await page.goto(BASE + '/explorer');
  await page.locator('#search').waitFor();
  // Keyboard: the first Tab reaches "Skip to content", which moves focus to the page;
  // the next Tab is the page's first control.
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Skip to content');
  await page.keyboard.press('Enter');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'main');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'search', 'next Tab reaches the search box');
  await page.fill('#search', orderHash);
  await page.press('#search', 'Enter');
  await until('tx page', async () => (await text('#tx')).includes('committed'));
  const tx = await api(`/v1/txs/${orderHash}`);
  await visit('explorer-block', `/explorer/block/${tx.height}`, async () => (await text('#block')).includes(orderHash.slice(0, 16)));
  await visit('explorer-tx', `/explorer/tx/${orderHash}`, async () => (await text('#tx')).includes(house.address));
  await visit('explorer-account', `/explorer/account/${house.address}`, async () => /^Verified/.test(await text('#proof-verdict')));
  const acct = await api(`/v1/accounts/${house.address}`);
  assert.equal(await text('#acct-balance'), tokens(acct.balance));
});

await step('explorer: unknown height, hash and address are said in words', async () => {
  await page.goto(BASE + '/explorer/block/99999999');
  await until('no block', async () => /no block at height 99999999/.test(await text('#not-found')));
  await page.goto(BASE + '/explorer/tx/' + '0'.repeat(64));
  await until('no tx', async () => /No transaction with hash/.test(await text('#not-found')));
  await page.goto(BASE + '/explorer/account/wat1notanaddress');
  await until('bad address', async () => /not a valid address/.test(await text('#not-found')));
  await page.goto(BASE + '/explorer/account/' + house.address.slice(0, -1) + (house.address.endsWith('q') ? 'p' : 'q'));
  await until('typo address', async () => /checksum/.test(await text('#not-found')));
  await page.goto(BASE + '/explorer');
  await page.fill('#search', 'hello');
  await page.press('#search', 'Enter');
  await until('bad search', async () => /is not a block height/.test(await text('#search-error')));
});

await step('validators page on a chain without staking: the fixed set is said, with the node\'s validator key', async () => {
  const st = await api('/v1/status');
  const r = await fetch(`${BASE}/v1/validators`);
  assert.equal(r.status, 404);
  assert.equal((await r.json()).code, 'no_staking');
  // Only the API can say there is no staking, by its 404, which chromium logs as a failed load: that one, nothing else.
  consoleErrors = [];
  await page.goto(BASE + '/validators');
  await untilText('fixed set said', '#fixed-set', /fixed in genesis/);
  await until('connected', async () => (await text('#conn')) === 'Live');
  assert.deepEqual(consoleErrors, ['Failed to load resource: the server responded with a status of 404 (Not Found)']);
  await axeCheck('validators-fixed');
  await shots('validators-fixed');
  assert.equal(await text('#node-validator'), st.validator);
  assert.equal(await page.locator('#height-form').isHidden(), true, 'no height picker for a fixed set');
  assert.equal(await page.locator('nav a[href="/validators"][aria-current="page"]').count(), 1, 'linked in the nav');
});

await step('validators page on a poa chain: the set as the API has it, live on a set change, the height picker, bad heights said', async () => {
  // A one-authority proof-of-authority chain of its own (docs/staking.md), served with the same dashboard.
  const poaHome = join(tmp, 'poa');
  wattle('init', '--home', poaHome, '--chain-id', 'wattle-e2e-poa', '--block-interval-ms', '300', '--consensus', 'poa');
  const authority = { path: join(poaHome, 'validator.key'), ...JSON.parse(readFileSync(join(poaHome, 'validator.key'), 'utf8')) };
  const poaRpc = `127.0.0.1:${await freePort()}`;
  const poaBase = `http://${poaRpc}`;
  const poa = spawn(WATTLE, ['node', '--home', poaHome, '--rpc', poaRpc, '--web-dir', DIST, '--log-level', 'warn'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const poaApi = async (path) => { const r = await fetch(poaBase + path); if (!r.ok) throw new Error(`${path}: ${r.status}`); return r.json(); };
  const powerShown = async () => {
    const row = (await page.locator(`[data-validator="${authority.address}"]`).locator('xpath=ancestor::tr').innerText({ timeout: 2000 })).split('\t').map((x) => x.trim());
    return { power: row[2], share: row[3], status: row[4] };
  };
  try {
    await until('poa chain at height 3', async () => (await poaApi('/v1/status')).height >= 3);
    const set = await poaApi('/v1/validators');
    assert.equal(set.consensus, 'poa');
    assert.deepEqual(set.validators.map((v) => [v.address, v.consensus_key, v.power, v.status]), [[authority.address, authority.public_key, 1, 'active']]);
    consoleErrors = [];
    await page.goto(poaBase + '/validators');
    await until('set shown', async () => (await page.locator('#validator-set tbody tr').count()) === 1);
    assert.match(await text('#consensus'), /^Proof of Authority/);
    assert.deepEqual(await powerShown(), { power: '1', share: '100.00 %', status: 'bonded' });
    await until('connected', async () => (await text('#conn')) === 'Live');
    // The authority re-weights itself (CLI); the page follows without a reload.
    const before = (await poaApi('/v1/status')).height;
    wattle('tx', 'authority', 'propose', '--key', authority.path, '--rpc', poaRpc, '--add', authority.public_key, '--power', '3', '--wait');
    await untilText('set change said', '#set-updated', /new validator set was decided/);
    await until('power 3 on the page', async () => (await powerShown()).power === '3');
    const now = await poaApi('/v1/validators');
    assert.equal(now.validators[0].power, 3);
    assert.deepEqual(consoleErrors, []);
    await axeCheck('validators');
    await shots('validators');
    // The picker: a height before the change shows the old power; above the head and junk are refused in words.
    await page.fill('#height-input', String(before));
    await page.click('#height-form button');
    await untilText(`height ${before} shown`, '#set-height', new RegExp(`^${before}$`));
    assert.equal((await poaApi(`/v1/validators?height=${before}`)).validators[0].power, 1);
    assert.equal((await powerShown()).power, '1');
    await page.fill('#height-input', '99999999');
    await page.click('#height-form button');
    await untilText('above the head', '#height-error', /above the chain's head/);
    await page.fill('#height-input', 'x');
    await page.click('#height-form button');
    await untilText('not a height', '#height-error', /not a block height/);
    await page.fill('#height-input', '');
    await page.click('#height-form button');
    await untilText('the head again', '#set-height', /\(the head when read/);
    assert.equal((await powerShown()).power, '3');
    assert.equal(await text('#height-error'), '');
    // This chain has no certificates section: /certificates says so (the API's 400 is the one failed load).
    consoleErrors = [];
    await page.goto(poaBase + '/certificates');
    await untilText('no certificates said', '#no-certificates', /no certificates module/);
    assert.equal(await page.locator('#device-form').isHidden(), true, 'no device lookup without the module');
    assert.deepEqual(consoleErrors, ['Failed to load resource: the server responded with a status of 400 (Bad Request)']);
  } finally {
    const exited = new Promise((r) => poa.once('exit', r));
    poa.kill('SIGTERM');
    await exited;
  }
});

await step('node restart: "reconnecting" shown, stale figures marked, the page catches up', async () => {
  await page.goto(BASE + '/');
  await until('live', async () => (await text('#conn')) === 'Live');
  await stopNode();
  await until('reconnecting banner', async () => /Reconnecting/.test(await text('#conn')));
  assert.equal(await page.evaluate(() => document.body.dataset.conn), 'reconnecting');
  await page.screenshot({ path: join(ARTIFACTS, 'network-reconnecting-1400.png') });
  const before = Number(await text('#height'));
  startNode();
  await until('node back', () => api('/v1/status'));
  await until('live again', async () => (await text('#conn')) === 'Live');
  await until('caught up', async () => {
    const st = await api('/v1/status');
    return Number(await text('#height')) >= st.height - 1 && st.height > before;
  });
});

traffic = false;
await context.close();
await stopNode();
rmSync(tmp, { recursive: true, force: true });
const failed = results.filter(([, ok]) => !ok).length;
console.log(`e2e: ${results.length - failed} passed, ${failed} failed; screenshots in ${ARTIFACTS}`);
process.exit(failed ? 1 : 0);
