// The light-client check of an account answer, in the browser, as
// src/node/light_client.cpp runs it: proof -> state root (src/chain/state_tree.cpp
// verify_proof) -> block header (rebuilt from its fields and hashed) -> the
// commit certificate. Each link that fails is named. Pure; no I/O.
import type { Block } from './api';
import { Writer, fromHex, hash256, parseAddress, toHex, verifySignature } from './codec';

// The header fields of a block answer (the block's own lists left out).
export type HeaderFields = Omit<Block, 'tx_hashes' | 'txs'>;

export interface AccountAnswer {
  address: string;
  exists: boolean;
  balance: number;
  nonce: number;
  proof: { height?: number; state_root: string; key: string; proof: string };
}

interface StateProof {
  leaf: { a: Uint8Array; b: Uint8Array } | null;
  siblings: Uint8Array[];
}

const MAX_PROOF_DEPTH = 256;

export function decodeProof(bytes: Uint8Array): StateProof {
  let at = 0;
  const take = (n: number) => {
    if (at + n > bytes.length) throw new Error('proof is truncated');
    const out = bytes.slice(at, at + n);
    at += n;
    return out;
  };
  const flag = take(1)[0];
  if (flag > 1) throw new Error('proof has a bad leaf flag');
  const leaf = flag ? { a: take(32), b: take(32) } : null;
  const c = take(4);
  const n = c[0] | (c[1] << 8) | (c[2] << 16) | (c[3] * 2 ** 24);
  if (n > MAX_PROOF_DEPTH) throw new Error('proof deeper than 256');
  const siblings: Uint8Array[] = [];
  for (let i = 0; i < n; ++i) siblings.push(take(32));
  if (at !== bytes.length) throw new Error('proof has trailing bytes');
  return { leaf, siblings };
}

function bit(path: Uint8Array, depth: number): number {
  return (path[depth >> 3] >> (7 - (depth & 7))) & 1;
}

function nodeHash(kind: number, a: Uint8Array, b: Uint8Array): Uint8Array {
  return hash256(new Writer().u8(kind).fixed(a, 32).fixed(b, 32).bytes());
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

// null iff `proof` shows that `path` holds `valueHash` (or nothing, for null).
export function verifyProof(
  root: Uint8Array,
  path: Uint8Array,
  valueHash: Uint8Array | null,
  proof: StateProof,
): string | null {
  const depth = proof.siblings.length;
  if (valueHash) {
    if (!proof.leaf || !equal(proof.leaf.a, path)) return "proof does not end at the key's leaf";
    if (!equal(proof.leaf.b, valueHash)) return "proof's leaf holds another value";
  } else if (proof.leaf) {
    if (equal(proof.leaf.a, path)) return 'proof shows the key present, not absent';
    for (let d = 0; d < depth; ++d)
      if (bit(proof.leaf.a, d) !== bit(path, d)) return "proof's leaf is not on the key's path";
  }
  let cur: Uint8Array = new Uint8Array(32);
  if (proof.leaf) cur = nodeHash(0, proof.leaf.a, proof.leaf.b);
  for (let i = depth; i-- > 0; )
    cur = bit(path, i) ? nodeHash(1, proof.siblings[i], cur) : nodeHash(1, cur, proof.siblings[i]);
  return equal(cur, root) ? null : 'proof does not lead to the state root';
}

// StateKey::account(address).path(): BLAKE2b-256 of namespace byte 1 || address.
export function accountPath(address: string): Uint8Array {
  return hash256(new Writer().u8(1).fixed(parseAddress(address), 20).bytes());
}

export function accountValueHash(balance: bigint, nonce: bigint): Uint8Array {
  return hash256(new Writer().i64(balance).u64(nonce).bytes());
}

export function headerHash(h: HeaderFields): string {
  const w = new Writer()
    .u64(h.height)
    .fixed(fromHex(h.prev_hash), 32)
    .fixed(fromHex(h.proposer), 32)
    .u64(h.time_ms)
    .fixed(fromHex(h.tx_root), 32)
    .fixed(fromHex(h.evidence_root), 32)
    .fixed(fromHex(h.state_root), 32)
    .u32(h.tx_count)
    .fixed(fromHex(h.last_commit_hash), 32);
  return toHex(hash256(w.bytes()));
}

// consensus::SingleEngine::certificate_message.
export function singleCertificateMessage(chainId: string, height: number, blockHash: string): Uint8Array {
  return new Writer().str('wattle/single-commit').str(chainId).u64(height).fixed(fromHex(blockHash), 32).bytes();
}

export interface ProofVerdict {
  ok: boolean;
  height: number;
  links: { name: string; ok: boolean; detail: string }[];
}

// Runs every link and reports each; ok only if all hold. A single-validator
// certificate (64 bytes) is checked against the block's proposer key; a BFT
// certificate needs the genesis validator set, which the API does not serve,
// so that link is reported as not checked (and the verdict is not ok).
export function verifyAccountAnswer(chainId: string, account: AccountAnswer, block: HeaderFields): ProofVerdict {
  const links: ProofVerdict['links'] = [];
  const height = account.proof?.height ?? -1;
  const add = (name: string, fn: () => string | null) => {
    let err: string | null;
    try {
      err = fn();
    } catch (e) {
      err = (e as Error).message;
    }
    links.push({ name, ok: err === null, detail: err ?? 'holds' });
    return err === null;
  };
  add('proof → state root', () => {
    const valueHash = account.exists ? accountValueHash(BigInt(account.balance), BigInt(account.nonce)) : null;
    if (toHex(accountPath(account.address)) !== account.proof.key) return "proof's key is not this address's";
    return verifyProof(fromHex(account.proof.state_root), accountPath(account.address), valueHash,
      decodeProof(fromHex(account.proof.proof)));
  });
  add('state root → block header', () => {
    if (block.height !== height) return 'block is not at the proof\'s height';
    if (block.state_root !== account.proof.state_root) return "block's state root is not the proof's root";
    if (headerHash(block) !== block.hash) return "header fields do not hash to the block's hash";
    return null;
  });
  add('header → commit certificate', () => {
    const cert = fromHex(block.certificate);
    if (cert.length !== 64) return 'BFT certificate: needs the genesis validator set (not checked in the browser)';
    const msg = singleCertificateMessage(chainId, block.height, block.hash);
    return verifySignature(fromHex(block.proposer), msg, cert) ? null : 'signature does not verify';
  });
  return { ok: links.every((l) => l.ok), height, links };
}
