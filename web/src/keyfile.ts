// A key file as `wattle key new` writes it (src/node/home.cpp write_key_file):
// {"seed": "<64 hex>", "public_key": "<64 hex>", "address": "wat1..."}.
// Only the seed is needed; the other fields, when present, must match it
// (a file whose fields disagree is corrupt). Read in the browser only.
import { Key, fromHex, keyFromSeed, toHex } from './codec';

export const MAX_KEY_FILE_BYTES = 4096; // as the node's read_key_file

export function parseKeyFile(text: string): Key {
  if (text.length > MAX_KEY_FILE_BYTES) throw new Error(`key file is larger than ${MAX_KEY_FILE_BYTES} bytes`);
  let j: unknown;
  try {
    j = JSON.parse(text);
  } catch {
    throw new Error('key file is not JSON (expected {"seed": "<64 hex chars>", ...})');
  }
  if (typeof j !== 'object' || j === null || typeof (j as any).seed !== 'string')
    throw new Error('key file has no "seed" (expected {"seed": "<64 hex chars>", ...})');
  const o = j as { seed: string; public_key?: unknown; address?: unknown };
  if (!/^[0-9a-fA-F]{64}$/.test(o.seed)) throw new Error('the seed must be 64 hex characters (32 bytes)');
  const key = keyFromSeed(fromHex(o.seed));
  if (o.public_key !== undefined && o.public_key !== toHex(key.publicKey))
    throw new Error('the file\'s public_key does not match its seed: the file is corrupt');
  if (o.address !== undefined && o.address !== key.address)
    throw new Error('the file\'s address does not match its seed: the file is corrupt');
  return key;
}
