// The chain's canonical binary codec and tx envelope, in TypeScript, for
// signing in the browser. Mirrors src/core/codec.h (fixed-width little-endian
// integers, u32-length-prefixed strings), src/chain/tx.cpp (the tx body,
// "wattle/tx" signing tag, BLAKE2b-256 hash) and src/core/address.cpp
// (Bech32m "wat1..." addresses). Checked byte for byte against golden vectors
// that a C++ test writes (tests/node/web_golden_test.cpp, test/golden/), so
// the two cannot drift apart.
import * as ed from '@noble/ed25519';
import { blake2b } from '@noble/hashes/blake2b';
import { sha512 } from '@noble/hashes/sha512';

// noble's synchronous API needs SHA-512; @noble/hashes gives it without WebCrypto.
ed.etc.sha512Sync = (...m: Uint8Array[]) => sha512(ed.etc.concatBytes(...m));

export const MAX_U64 = (1n << 64n) - 1n;
export const MAX_I64 = (1n << 63n) - 1n;

export function toHex(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}

export function fromHex(hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) throw new Error('not a hex string');
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; ++i) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function hash256(data: Uint8Array): Uint8Array {
  return blake2b(data, { dkLen: 32 });
}

export class Writer {
  private parts: number[] = [];
  u8(v: number): this {
    this.parts.push(v & 0xff);
    return this;
  }
  private le(v: bigint, bytes: number): this {
    for (let i = 0; i < bytes; ++i) this.parts.push(Number((v >> BigInt(8 * i)) & 0xffn));
    return this;
  }
  u32(v: number | bigint): this {
    const x = BigInt(v);
    if (x < 0n || x > 0xffffffffn) throw new RangeError('u32 out of range');
    return this.le(x, 4);
  }
  u64(v: number | bigint): this {
    const x = BigInt(v);
    if (x < 0n || x > MAX_U64) throw new RangeError('u64 out of range');
    return this.le(x, 8);
  }
  i64(v: number | bigint): this {
    const x = BigInt(v);
    if (x < -(MAX_I64 + 1n) || x > MAX_I64) throw new RangeError('i64 out of range');
    return this.le(BigInt.asUintN(64, x), 8);
  }
  fixed(b: Uint8Array, n: number): this {
    if (b.length !== n) throw new RangeError(`expected ${n} bytes, got ${b.length}`);
    for (const x of b) this.parts.push(x);
    return this;
  }
  str(s: string): this {
    const b = new TextEncoder().encode(s);
    this.u32(b.length);
    for (const x of b) this.parts.push(x);
    return this;
  }
  bytes(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

// ---- Bech32m addresses (BIP-350), as src/core/address.cpp ----

const CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
const BECH32M = 0x2bc830a3;
export const ADDRESS_PREFIX = 'wat';

function polymod(values: number[]): number {
  const gen = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];
  let chk = 1;
  for (const v of values) {
    const top = chk >>> 25;
    chk = (((chk & 0x1ffffff) << 5) ^ v) >>> 0;
    for (let i = 0; i < 5; ++i) if ((top >>> i) & 1) chk = (chk ^ gen[i]) >>> 0;
  }
  return chk;
}

function hrpExpand(hrp: string): number[] {
  const out: number[] = [];
  for (const c of hrp) out.push(c.charCodeAt(0) >> 5);
  out.push(0);
  for (const c of hrp) out.push(c.charCodeAt(0) & 31);
  return out;
}

function convertBits(data: ArrayLike<number>, from: number, to: number, pad: boolean): number[] | null {
  let acc = 0;
  let bits = 0;
  const out: number[] = [];
  const maxv = (1 << to) - 1;
  for (let i = 0; i < data.length; ++i) {
    acc = (acc << from) | data[i];
    bits += from;
    while (bits >= to) {
      bits -= to;
      out.push((acc >> bits) & maxv);
    }
    acc &= (1 << bits) - 1;
  }
  if (pad) {
    if (bits > 0) out.push((acc << (to - bits)) & maxv);
  } else if (bits >= from || ((acc << (to - bits)) & maxv) !== 0) {
    return null;
  }
  return out;
}

export function addressToString(bytes: Uint8Array): string {
  const data = convertBits(bytes, 8, 5, true)!;
  const mod = polymod([...hrpExpand(ADDRESS_PREFIX), ...data, 0, 0, 0, 0, 0, 0]) ^ BECH32M;
  for (let i = 0; i < 6; ++i) data.push((mod >>> (5 * (5 - i))) & 31);
  return ADDRESS_PREFIX + '1' + data.map((d) => CHARSET[d]).join('');
}

// The 20 address bytes of "wat1..."; throws an Error saying what is wrong.
export function parseAddress(text: string): Uint8Array {
  if (text !== text.toLowerCase() && text !== text.toUpperCase()) throw new Error('mixed case');
  const s = text.toLowerCase();
  const sep = s.lastIndexOf('1');
  if (sep < 1 || s.slice(0, sep) !== ADDRESS_PREFIX) throw new Error('not a wat1... address');
  const data: number[] = [];
  for (const c of s.slice(sep + 1)) {
    const v = CHARSET.indexOf(c);
    if (v < 0) throw new Error(`character "${c}" is not Bech32`);
    data.push(v);
  }
  if (data.length < 6 || polymod([...hrpExpand(ADDRESS_PREFIX), ...data]) !== BECH32M)
    throw new Error('checksum does not match (a typo?)');
  const bytes = convertBits(data.slice(0, -6), 5, 8, false);
  if (!bytes || bytes.length !== 20) throw new Error('wrong length');
  return Uint8Array.from(bytes);
}

export function addressOf(publicKey: Uint8Array): Uint8Array {
  return hash256(publicKey).slice(0, 20);
}

// ---- Keys ----

export interface Key {
  seed: Uint8Array;
  publicKey: Uint8Array;
  address: string;
}

export function keyFromSeed(seed: Uint8Array): Key {
  if (seed.length !== 32) throw new Error('seed must be 32 bytes');
  const publicKey = ed.getPublicKey(seed);
  return { seed, publicKey, address: addressToString(addressOf(publicKey)) };
}

export function verifySignature(publicKey: Uint8Array, message: Uint8Array, sig: Uint8Array): boolean {
  try {
    return ed.verify(sig, message, publicKey);
  } catch {
    return false;
  }
}

// ---- Transactions (src/chain/tx.h) ----

export type Payload =
  | { type: 'transfer'; to: string; amount: bigint }
  | { type: 'order'; slot: bigint; side: 'buy' | 'sell'; energy_wh: bigint; price: bigint }
  | { type: 'cancel'; order: string }
  | { type: 'register_meter'; meter: string; account: string }
  | { type: 'meter_reading'; slot: bigint; import_wh: bigint; export_wh: bigint };

export interface UnsignedTx {
  chainId: string;
  sender: Uint8Array; // public key
  nonce: bigint;
  payload: Payload;
}

const KIND = { transfer: 0, order: 1, cancel: 2, register_meter: 3, meter_reading: 4 } as const;

function encodeBody(w: Writer, tx: UnsignedTx): void {
  w.str(tx.chainId).fixed(tx.sender, 32).u64(tx.nonce).u8(KIND[tx.payload.type]);
  const p = tx.payload;
  switch (p.type) {
    case 'transfer':
      w.fixed(parseAddress(p.to), 20).i64(p.amount);
      break;
    case 'order':
      w.u64(p.slot).u8(p.side === 'buy' ? 0 : 1).i64(p.energy_wh).i64(p.price);
      break;
    case 'cancel':
      w.fixed(fromHex(p.order), 32);
      break;
    case 'register_meter':
      w.fixed(fromHex(p.meter), 32).fixed(parseAddress(p.account), 20);
      break;
    case 'meter_reading':
      w.u64(p.slot).i64(p.import_wh).i64(p.export_wh);
      break;
  }
}

export function signingBytes(tx: UnsignedTx): Uint8Array {
  const w = new Writer().str('wattle/tx');
  encodeBody(w, tx);
  return w.bytes();
}

export interface SignedTx {
  bytes: Uint8Array; // the canonical encoding POST /v1/txs takes (as hex)
  hash: string; // hex; for an order also its order id
  signature: Uint8Array;
}

export function signTx(tx: UnsignedTx, seed: Uint8Array): SignedTx {
  const signature = ed.sign(signingBytes(tx), seed);
  const w = new Writer();
  encodeBody(w, tx);
  w.fixed(signature, 64);
  const bytes = w.bytes();
  return { bytes, hash: toHex(hash256(bytes)), signature };
}
