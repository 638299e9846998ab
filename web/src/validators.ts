// The validator set as GET /v1/validators answers it (docs/staking.md), turned
// into what the /validators page shows: each validator's share of the set's
// power (integer arithmetic, two decimals rounded down, so the shares never
// add up to more than 100 %), its status in words, and the height picker's
// input checked before it is sent as ?height=.
export interface Validator {
  address: string;
  consensus_key: string;
  power: number;
  status: 'active' | 'jailed' | 'tombstoned' | string;
}

export interface ValidatorSet {
  consensus: 'poa' | 'pos' | 'dpos' | string;
  height: number;
  next_proposal: number;
  validators: Validator[];
}

export interface ValidatorRow extends Validator {
  share: string; // "33.33 %"
  label: string; // bonded / jailed / tombstoned
}

const CONSENSUS: Record<string, string> = {
  poa: 'Proof of Authority (governed authorities vote keys in and out)',
  pos: 'Proof of Stake (bonded stake gives power)',
  dpos: 'Delegated Proof of Stake (token holders delegate; the top K validate)',
};

export function consensusLabel(kind: string): string {
  return CONSENSUS[kind] ?? kind;
}

// "active" is in the set with bonded stake; the API's name is kept in a title.
export function statusLabel(status: string): string {
  return status === 'active' ? 'bonded' : status;
}

// part / whole as a percentage with two decimals, rounded down; "—" for an empty whole.
export function sharePct(part: number | bigint, whole: number | bigint): string {
  const p = BigInt(part), w = BigInt(whole);
  if (w <= 0n) return '—';
  const bp = (p * 10000n) / w;
  return `${bp / 100n}.${(bp % 100n).toString().padStart(2, '0')} %`;
}

// Largest power first, then by address (the staking module's tie-break).
export function validatorRows(set: ValidatorSet): ValidatorRow[] {
  const total = set.validators.reduce((a, v) => a + BigInt(v.power), 0n);
  return [...set.validators]
    .sort((a, b) => (b.power - a.power) || (a.address < b.address ? -1 : a.address > b.address ? 1 : 0))
    .map((v) => ({ ...v, share: sharePct(v.power, total), label: statusLabel(v.status) }));
}

export function totalPower(set: ValidatorSet): number {
  return set.validators.reduce((a, v) => a + v.power, 0);
}

// The height picker: empty means the head; otherwise a whole number no
// greater than the head. Returns the height or a sentence saying why not.
export function parseHeightInput(text: string, head: number): { ok: true; height: number | null } | { ok: false; error: string } {
  const t = text.trim();
  if (t === '') return { ok: true, height: null };
  if (!/^(0|[1-9][0-9]{0,15})$/.test(t)) return { ok: false, error: `"${t}" is not a block height (a whole number, 0 or more).` };
  const n = Number(t);
  if (n > head) return { ok: false, error: `Height ${n} is above the chain's head (${head}).` };
  return { ok: true, height: n };
}

// Events after which the set (or a status in it) may have changed.
export const VALIDATOR_EVENTS = ['validator_set_changed', 'slashed', 'jailed', 'unbonded'];
