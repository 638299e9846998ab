// The TypeScript codec against the C++ one: every vector in golden/vectors.json
// (written by tests/node/web_golden_test.cpp) must come out byte for byte —
// key -> address, signing bytes, signature, encoding and hash of each tx kind,
// a header's hash and certificate, account proofs. Also bad input: tampered
// proofs, bad addresses, corrupt key files. Run: npm run test:unit.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import * as ed from '@noble/ed25519';
import {
  Payload, addressToString, fromHex, keyFromSeed, parseAddress, signTx, signingBytes, toHex, verifySignature,
} from '../src/codec';
import { headerHash, singleCertificateMessage, verifyAccountAnswer, HeaderFields } from '../src/proof';
import { parseKeyFile } from '../src/keyfile';
import { parseOrderInput } from '../src/order_input';
import { consensusLabel, parseHeightInput, sharePct, statusLabel, validatorRows } from '../src/validators';
import { holdingsView, isNoCertificates, matchingRange, matchingSeries } from '../src/certificates';
import { sealedCounts, sealedText } from '../src/sealed';
import { Level, LEVEL_HEADERS, feesText, feesTotal, isMarketName, levelChoices, levelRow, levelsOf, slotPath, tradesHaveLevels, treeText } from '../src/levels';
import { ApiError } from '../src/api';

const here = dirname(fileURLToPath(import.meta.url));
const golden = JSON.parse(readFileSync(join(here, '..', 'test', 'golden', 'vectors.json'), 'utf8'));

let passed = 0;
function test(name: string, fn: () => void) {
  try {
    fn();
    passed++;
    console.log(`ok - ${name}`);
  } catch (e) {
    console.error(`not ok - ${name}\n${(e as Error).stack}`);
    process.exitCode = 1;
  }
}

function payloadOf(p: any): Payload {
  const big = (x: any) => BigInt(x);
  switch (p.type) {
    case 'transfer': return { type: 'transfer', to: p.to, amount: big(p.amount) };
    case 'order': return { type: 'order', slot: big(p.slot), side: p.side, energy_wh: big(p.energy_wh), price: big(p.price) };
    case 'cancel': return { type: 'cancel', order: p.order };
    case 'register_meter': return { type: 'register_meter', meter: p.meter, account: p.account };
    case 'meter_reading': return { type: 'meter_reading', slot: big(p.slot), import_wh: big(p.import_wh), export_wh: big(p.export_wh) };
  }
  throw new Error('unknown payload ' + p.type);
}

test('golden file has every tx kind', () => {
  const kinds = new Set(golden.txs.map((t: any) => t.payload.type));
  assert.deepEqual([...kinds].sort(), ['cancel', 'meter_reading', 'order', 'register_meter', 'transfer']);
});

for (const k of golden.keys)
  test(`key ${k.seed.slice(0, 8)}: public key and address`, () => {
    const key = keyFromSeed(fromHex(k.seed));
    assert.equal(toHex(key.publicKey), k.public_key);
    assert.equal(key.address, k.address);
    assert.equal(addressToString(parseAddress(k.address)), k.address);
  });

// Numbers above 2^53 (u64 slots, nonces) lose precision in JSON.parse; the
// vectors' raw text is re-read for them.
const rawText = readFileSync(join(here, '..', 'test', 'golden', 'vectors.json'), 'utf8');
function exactNumbers(i: number, p: any): any {
  const block = rawText.split('"payload"')[i + 1];
  const out = { ...p };
  for (const f of ['slot', 'amount', 'energy_wh', 'price', 'import_wh', 'export_wh'])
    if (f in p) out[f] = block.match(new RegExp(`"${f}": (\\d+)`))![1];
  return out;
}
function exactNonce(i: number): bigint {
  const before = rawText.split('"payload"')[i];
  const m = [...before.matchAll(/"nonce": (\d+)/g)];
  return BigInt(m[m.length - 1][1]);
}

golden.txs.forEach((t: any, i: number) =>
  test(`tx ${i} (${t.payload.type}): signing bytes, signature, encoding, hash`, () => {
    const key = keyFromSeed(fromHex(t.seed));
    const tx = { chainId: t.chain_id, sender: key.publicKey, nonce: exactNonce(i), payload: payloadOf(exactNumbers(i, t.payload)) };
    assert.equal(toHex(signingBytes(tx)), t.signing_bytes);
    const signed = signTx(tx, key.seed);
    assert.equal(toHex(signed.signature), t.signature);
    assert.equal(toHex(signed.bytes), t.tx);
    assert.equal(signed.hash, t.hash);
  }));

test('header hash and single-validator certificate', () => {
  const h = golden.header as HeaderFields & { chain_id: string };
  assert.equal(headerHash(h), h.hash);
  const msg = singleCertificateMessage(h.chain_id, h.height, h.hash);
  assert.ok(verifySignature(fromHex(h.proposer), msg, fromHex(h.certificate)));
  assert.ok(!verifySignature(fromHex(h.proposer), msg.slice(1), fromHex(h.certificate)));
  assert.notEqual(headerHash({ ...h, tx_count: h.tx_count + 1 }), h.hash);
  assert.notEqual(headerHash({ ...h, last_commit_hash: '00'.repeat(32) }), h.hash);
});

// A block header carrying the proof's root, so the whole chain of links runs.
function blockFor(root: string): HeaderFields {
  const seed = fromHex('11'.repeat(32));
  const key = keyFromSeed(seed);
  const h: HeaderFields = {
    height: 5, hash: '', prev_hash: '00'.repeat(32), proposer: toHex(key.publicKey), time_ms: 1,
    tx_root: '00'.repeat(32), evidence_root: '00'.repeat(32), state_root: root, tx_count: 0,
    last_commit_hash: '00'.repeat(32), last_commit: '', certificate: '',
  };
  h.hash = headerHash(h);
  // Signed with the same Ed25519 signer the codec uses (checked against the C++ vectors above).
  h.certificate = toHex(ed.sign(singleCertificateMessage('test-chain', h.height, h.hash), seed));
  return h;
}

for (const p of golden.proofs)
  test(`account proof (${p.exists ? 'present' : 'absent'}) verifies, and tampering is caught`, () => {
    const block = blockFor(p.proof.state_root);
    const answer = { ...p, proof: { ...p.proof, height: 5 } };
    const good = verifyAccountAnswer('test-chain', answer, block);
    assert.ok(good.ok, JSON.stringify(good.links));
    const lies = [
      { ...answer, balance: p.balance + 1, exists: true },
      { ...answer, exists: !p.exists },
      { ...answer, proof: { ...answer.proof, proof: answer.proof.proof.slice(0, -2) } },
      { ...answer, proof: { ...answer.proof, state_root: 'ab'.repeat(32) } },
    ];
    for (const lie of lies) assert.ok(!verifyAccountAnswer('test-chain', lie, block).ok, JSON.stringify(lie));
    assert.ok(!verifyAccountAnswer('test-chain', answer, { ...block, time_ms: 2 }).ok);
    assert.ok(!verifyAccountAnswer('test-chain', answer, { ...block, certificate: '00'.repeat(64) }).ok);
    assert.ok(!verifyAccountAnswer('other-chain', answer, block).ok);
  });

test('bad addresses are refused with a reason', () => {
  const good = golden.keys[0].address as string;
  const typo = good.slice(0, -1) + (good.endsWith('q') ? 'p' : 'q');
  assert.throws(() => parseAddress(typo), /checksum/);
  assert.throws(() => parseAddress('btc1' + good.slice(4)), /wat1/);
  assert.throws(() => parseAddress(good.slice(0, 10) + good.slice(10).toUpperCase()), /mixed case/);
  assert.throws(() => parseAddress(good + 'q'), /checksum|length/);
  assert.throws(() => parseAddress(good.slice(0, -1) + 'b'), /not Bech32/);
});

test('key files: the node format loads, corrupt ones say why', () => {
  const k = golden.keys[1];
  const text = JSON.stringify({ seed: k.seed, public_key: k.public_key, address: k.address });
  assert.equal(parseKeyFile(text).address, k.address);
  assert.equal(parseKeyFile(JSON.stringify({ seed: k.seed })).address, k.address);
  assert.throws(() => parseKeyFile('not json'), /not JSON/);
  assert.throws(() => parseKeyFile('{}'), /seed/);
  assert.throws(() => parseKeyFile(JSON.stringify({ seed: k.seed.slice(2) })), /64 hex/);
  assert.throws(() => parseKeyFile(JSON.stringify({ seed: 'zz' + k.seed.slice(2) })), /64 hex/);
  assert.throws(() => parseKeyFile(JSON.stringify({ seed: k.seed, address: golden.keys[2].address })), /does not match/);
  assert.throws(() => parseKeyFile(JSON.stringify({ seed: k.seed, public_key: golden.keys[2].public_key })), /does not match/);
});

test('order form: kWh and WAT/kWh become exact integers; what the chain refuses is never signed', () => {
  const ok = parseOrderInput(' 42 ', 'sell', '1.5', '0.123456');
  assert.ok(ok.ok);
  assert.deepEqual(ok.ok && ok.payload, { type: 'order', slot: 42n, side: 'sell', energy_wh: 1500n, price: 123456n });
  const max = parseOrderInput('18446744073709551615', 'buy', '1000000', '1000000');
  assert.ok(max.ok && max.payload.type === 'order' && max.payload.energy_wh === 1_000_000_000n && max.payload.price === 1_000_000_000_000n);
  const refused: [string[], RegExp][] = [
    [['18446744073709551616', 'buy', '1', '1'], /slot/], [['-1', 'buy', '1', '1'], /slot/], [['1.5', 'buy', '1', '1'], /slot/],
    [['1', 'hold', '1', '1'], /side/], [['1', 'buy', '0', '1'], /more than 0/], [['1', 'buy', '0.000', '1'], /more than 0/],
    [['1', 'buy', '1.2345', '1'], /3 decimals/], [['1', 'buy', '-1', '1'], /kWh/], [['1', 'buy', '1e3', '1'], /kWh/],
    [['1', 'buy', '1000000.001', '1'], /at most 1,000,000 kWh/], [['1', 'buy', '1', '0.0000001'], /6 decimals/],
    [['1', 'buy', '1', '1000000.000001'], /at most 1,000,000 WAT/], [['1', 'buy', '', '1'], /kWh/],
  ];
  for (const [args, why] of refused) {
    const r = parseOrderInput(args[0], args[1], args[2], args[3]);
    assert.ok(!r.ok && why.test(r.error), `${args}: ${JSON.stringify(r)}`);
  }
});

test('validators: shares of the set\'s power round down and never sum above 100 %; largest first, ties by address', () => {
  assert.equal(sharePct(1, 3), '33.33 %');
  assert.equal(sharePct(2, 3), '66.66 %');
  assert.equal(sharePct(5, 5), '100.00 %');
  assert.equal(sharePct(0, 7), '0.00 %');
  assert.equal(sharePct(1, 0), '—');
  assert.equal(sharePct(1n, 10_000_000_000_000_000_000n), '0.00 %'); // beyond 2^53: exact, no float
  const set = { consensus: 'pos', height: 12, next_proposal: 1, validators: [
    { address: 'wat1c', consensus_key: 'cc', power: 1, status: 'jailed' },
    { address: 'wat1b', consensus_key: 'bb', power: 3, status: 'active' },
    { address: 'wat1a', consensus_key: 'aa', power: 3, status: 'tombstoned' }] };
  const rows = validatorRows(set);
  assert.deepEqual(rows.map((r) => r.address), ['wat1a', 'wat1b', 'wat1c']);
  assert.deepEqual(rows.map((r) => r.share), ['42.85 %', '42.85 %', '14.28 %']);
  assert.deepEqual(rows.map((r) => r.label), ['tombstoned', 'bonded', 'jailed']);
  assert.deepEqual(set.validators.map((v) => v.address), ['wat1c', 'wat1b', 'wat1a'], 'the answer is not reordered in place');
  assert.equal(statusLabel('active'), 'bonded');
  assert.match(consensusLabel('dpos'), /Delegated/);
  assert.equal(consensusLabel('weird'), 'weird');
});

test('validators: the height picker takes empty (the head) or a whole height up to the head', () => {
  assert.deepEqual(parseHeightInput('', 10), { ok: true, height: null });
  assert.deepEqual(parseHeightInput(' 0 ', 10), { ok: true, height: 0 });
  assert.deepEqual(parseHeightInput('10', 10), { ok: true, height: 10 });
  for (const [t, why] of [['11', /above the chain's head/], ['-1', /not a block height/], ['1.5', /not a block height/],
    ['01', /not a block height/], ['1e3', /not a block height/], ['abc', /not a block height/], ['99999999999999999', /not a block height/]] as [string, RegExp][]) {
    const r = parseHeightInput(t, 10);
    assert.ok(!r.ok && why.test(r.error), `${t}: ${JSON.stringify(r)}`);
  }
});

test('certificates: holdings by device then slot, Wh per status; unknown statuses are not counted', () => {
  const b = (id: number, device: string, slot: number, wh: number, status: string) =>
    ({ id, device, technology: 'solar', slot, first_cert_id: id * 1000, wh, owner: 'wat1x', status });
  const v = holdingsView({ address: 'wat1x', active_wh: 0, bundles: [b(4, 'bb', 1, 10, 'active'), b(3, 'aa', 9, 300, 'cancelled'),
    b(2, 'aa', 2, 5, 'expired'), b(1, 'aa', 9, 7, 'active'), b(5, 'cc', 1, 1, 'strange')] });
  assert.deepEqual(v.rows.map((r) => r.id), [2, 1, 3, 4, 5]);
  assert.deepEqual(v.totals, { active: 17, cancelled: 300, expired: 5 });
});

test('certificates: the matching series has every slot of the window; a slot without consumption has no score', () => {
  const m = { address: 'wat1x', from: 10, to: 14, consumed_wh: 1500, matched_wh: 700, score_pct: '46.66',
    slots: [{ slot: 11, consumed_wh: 900, matched_wh: 200, score_pct: '22.22' }, { slot: 14, consumed_wh: 600, matched_wh: 500, score_pct: '83.33' }] };
  const s = matchingSeries(m);
  assert.deepEqual(s.slots, [10, 11, 12, 13, 14]);
  assert.deepEqual(s.consumedKwh, [0, 0.9, 0, 0, 0.6]);
  assert.deepEqual(s.matchedKwh, [0, 0.2, 0, 0, 0.5]);
  assert.deepEqual(s.score, [null, 22.22, null, null, 83.33]);
  assert.deepEqual(matchingRange(200, 96), { from: 105, to: 200 });
  assert.deepEqual(matchingRange(5, 96), { from: 0, to: 5 });
});

test('certificates: a chain without the module is told apart from other errors', () => {
  assert.ok(isNoCertificates(new ApiError(400, 'invalid_argument', "this chain's genesis has no certificates section")));
  assert.ok(isNoCertificates(new ApiError(404, 'not_found', 'no route')));
  assert.ok(!isNoCertificates(new ApiError(400, 'invalid_argument', 'give both from and to')));
  assert.ok(!isNoCertificates(new ApiError(0, 'unreachable', 'the node cannot be reached')));
  assert.ok(!isNoCertificates(new Error('x')));
});

test('sealed orders: counts and the reveal window in words', () => {
  const before = sealedCounts({ orders: 5, revealed: 0, window_opened_at: null, reveal_blocks: 3 });
  assert.deepEqual(before, { commitments: 5, revealed: 0, unrevealed: 5, window: 'opens at the gate and lasts 3 blocks' });
  assert.match(sealedText(before), /^5 sealed, 0 revealed, 5 not revealed \(forfeit/);
  const during = sealedCounts({ orders: 4, revealed: 4, window_opened_at: 120, reveal_blocks: 3 });
  assert.equal(during.window, 'open from height 120 to 122');
  assert.equal(sealedText(during), '4 sealed, 4 revealed, 0 not revealed');
  assert.equal(sealedCounts({ orders: 1, revealed: 3, window_opened_at: 1, reveal_blocks: 1 }).unrevealed, 0, 'never negative');
});

// A two-leaf tree as the slot JSON gives it (docs/market.md "Clearing through the market tree").
const district: Level = { market: 'district', parent: null, mechanism: 'uniform', grid_fee: 0, fee_account: 'wat1op', clearing_price: 120000,
  offered_wh: 600, traded_wh: 500, passed_up_wh: 100, surplus: 0, fees: 0 };
const streetA: Level = { market: 'street-a', parent: 'district', mechanism: 'uniform', grid_fee: 5000, fee_account: 'wat1a', clearing_price: null,
  offered_wh: 1000, traded_wh: 0, passed_up_wh: 1000, surplus: 0, fees: 2500 };

test('market tree: a level as a table row', () => {
  assert.equal(LEVEL_HEADERS.length, levelRow(district).length);
  assert.deepEqual(levelRow(district), ['district', '—', '0.120000 WAT/kWh', '0.600 kWh', '0.500 kWh', '0.100 kWh', '0.000000 WAT']);
  assert.deepEqual(levelRow(streetA), ['street-a', 'district', '—', '1.000 kWh', '0.000 kWh', '1.000 kWh', '0.002500 WAT']);
});

test('market tree: the levels of a slot view, all or the one filtered, none on a flat market', () => {
  assert.deepEqual(levelsOf({}), [], 'flat market: no levels');
  assert.deepEqual(levelsOf({ levels: [district, streetA] }).map((l) => l.market), ['district', 'street-a']);
  assert.deepEqual(levelsOf({ levels: [district, streetA], level: streetA }), [streetA], '?market=NAME shows its level');
  assert.deepEqual(levelChoices([district, streetA]), [['', 'All levels'], ['district', 'district (root)'], ['street-a', 'street-a (in district)']]);
  assert.deepEqual(levelChoices([]), [['', 'All levels']]);
});

test('market tree: trade fees by level, leaf side first', () => {
  const fees = [{ market: 'street-a', amount: 2500 }, { market: 'street-b', amount: 1 }];
  assert.equal(feesTotal(fees), 2501);
  assert.equal(feesTotal(undefined), 0);
  assert.equal(feesText(fees), 'street-a 0.002500 WAT + street-b 0.000001 WAT');
  assert.equal(feesText(fees, '\n'), 'street-a 0.002500 WAT\nstreet-b 0.000001 WAT');
  assert.equal(feesText([]), 'none', 'a trade inside a leaf crosses nothing');
  assert.equal(feesText(undefined), 'none');
  assert.ok(tradesHaveLevels([{ market: 'district' }]));
  assert.ok(!tradesHaveLevels([{}, {}]), 'a flat market\'s trades have no market');
  assert.ok(!tradesHaveLevels([]));
});

test('market tree: the genesis tree in one line, none without a tree', () => {
  assert.equal(treeText([{ name: 'district', mechanism: 'uniform', grid_fee: 0 }, { name: 'street-a', parent: 'district', mechanism: 'pay_as_bid', grid_fee: 5000 }]),
    'district (uniform, root); street-a (pay_as_bid, in district, 0.005000 WAT/kWh)');
  assert.equal(treeText(undefined), null);
  assert.equal(treeText([]), null);
});

test('market tree: the level filter\'s path, and names the node cannot carry refused', () => {
  assert.equal(slotPath(42, ''), '/v1/market/slots/42');
  assert.equal(slotPath(42, 'street-a'), '/v1/market/slots/42?market=street-a');
  assert.equal(slotPath(0, 'a.b_C-9'), '/v1/market/slots/0?market=a.b_C-9');
  for (const bad of ['a b', 'a&page=2', 'x/y', 'é', 'a%20', 'x'.repeat(65)]) {
    assert.ok(!isMarketName(bad), bad);
    assert.throws(() => slotPath(1, bad), /not a market name/);
  }
});

console.log(`${passed} passed${process.exitCode ? ', some FAILED' : ''}`);
