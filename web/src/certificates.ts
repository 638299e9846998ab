// Granular certificates as the API answers them (docs/certificates.md), turned
// into what the household's certificate view shows: the holdings grouped by
// device and slot with totals per status, and the 24/7 matching score per
// slot over a window with every slot present (a slot without consumption is 0).
import { ApiError } from './api';

export interface CertParams {
  bundle_with_trades: boolean;
  match_window_slots: number;
  expiry_slots: number;
  reward_per_mwh: Partial<Record<'solar' | 'wind' | 'battery' | 'other', number>>;
}

export interface CertBundle {
  id: number;
  device: string;
  technology: string;
  slot: number;
  first_cert_id: number;
  wh: number;
  owner: string;
  status: 'active' | 'cancelled' | 'expired' | string;
  claim_slot?: number;
}

export interface Holdings {
  address: string;
  from?: number;
  to?: number;
  bundles: CertBundle[];
  active_wh: number;
}

export interface MatchingSlot { slot: number; consumed_wh: number; matched_wh: number; score_pct: string }
export interface Matching {
  address: string;
  from: number;
  to: number;
  slots: MatchingSlot[];
  consumed_wh: number;
  matched_wh: number;
  score_pct: string;
}

export interface CertDevice { meter: string; account: string; technology: string; capacity_w: number; from_slot: number }

// The API answers a chain without a certificates section with
// invalid_argument "... has no certificates section" (or 404 on a node without the routes).
export function isNoCertificates(e: unknown): boolean {
  return e instanceof ApiError && (e.status === 404 || (e.code === 'invalid_argument' && /no certificates/.test(e.message)));
}

// Bundles by device, then production slot, then id; Wh per status.
export function holdingsView(h: Holdings): { rows: CertBundle[]; totals: Record<'active' | 'cancelled' | 'expired', number> } {
  const rows = [...h.bundles].sort((a, b) => (a.device < b.device ? -1 : a.device > b.device ? 1 : a.slot - b.slot || a.id - b.id));
  const totals = { active: 0, cancelled: 0, expired: 0 };
  for (const b of rows) if (b.status in totals) totals[b.status as keyof typeof totals] += b.wh;
  return { rows, totals };
}

// Every slot of [from, to] with its consumption, matched Wh and score
// (a number for the chart: matched / consumed in %, null without consumption).
export function matchingSeries(m: Matching): { slots: number[]; consumedKwh: number[]; matchedKwh: number[]; score: (number | null)[] } {
  const by = new Map(m.slots.map((s) => [s.slot, s]));
  const out = { slots: [] as number[], consumedKwh: [] as number[], matchedKwh: [] as number[], score: [] as (number | null)[] };
  for (let s = m.from; s <= m.to; ++s) {
    const x = by.get(s);
    out.slots.push(s);
    out.consumedKwh.push((x?.consumed_wh ?? 0) / 1000);
    out.matchedKwh.push((x?.matched_wh ?? 0) / 1000);
    out.score.push(x && x.consumed_wh > 0 ? Number(x.score_pct) : null);
  }
  return out;
}

// The matching window: the `n` slots ending at `current` (never below slot 0).
export function matchingRange(current: number, n: number): { from: number; to: number } {
  return { from: Math.max(0, current - n + 1), to: current };
}

export const CERT_EVENTS = ['certificates_issued', 'certificate_transferred', 'certificate_cancelled'];
