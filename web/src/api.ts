// The node's HTTP API (docs/rpc.md, src/rpc/openapi.json), same origin only.
// Every error the node returns is {"code","message"}; ApiError carries both
// and sentence() says it in words for the page.
import type { GridFee, Level } from './levels';
import { slotPath } from './levels';
import type { SealedSummary } from './sealed';

export class ApiError extends Error {
  constructor(public status: number, public code: string, message: string) {
    super(message);
  }
}

const SENTENCES: Record<string, string> = {
  bad_signature: 'The signature does not verify: the order was not signed by this key.',
  wrong_chain: 'The transaction was signed for another chain.',
  nonce_replay: 'This transaction (nonce) was already used; reload and try again.',
  nonce_gap: 'The nonce skips ahead of the account\'s next one; wait for pending transactions to commit.',
  insufficient_funds: 'The balance does not cover the escrow this order needs.',
  below_min_balance: 'This would leave the account below the chain\'s minimum balance.',
  slot_closed: 'The slot\'s gate has closed: orders and cancels for it are no longer accepted.',
  slot_too_far: 'The slot is too far ahead: the market accepts orders only a limited number of slots in advance.',
  in_debt: 'This account has an unpaid market debt and cannot place orders until it is repaid.',
  unknown_meter: 'The reading is signed by a key no meter registration names.',
  reading_window: 'The reading is outside its window (the slot has not ended, or has settled).',
  counter_decrease: 'A meter counter went backwards.',
  over_physical_max: 'A meter counter grew more than physically possible.',
  unknown_account: 'The account does not exist on the chain.',
  unauthorized: 'This key is not allowed to do that (e.g. cancel someone else\'s order).',
  duplicate: 'The node already has this transaction.',
  mempool_full: 'The node\'s mempool is full; try again shortly.',
  rate_limited: 'Too many transactions from this address; try again shortly.',
  invalid_argument: 'A value is out of its allowed range.',
  malformed: 'The transaction bytes do not decode.',
  malformed_hex: 'The transaction is not valid hex.',
  too_large: 'The request is too large.',
  not_found: 'Not found.',
  no_market: 'This chain has no energy market.',
  halted: 'The node has stopped producing blocks (storage failure).',
  unavailable: 'The node is busy or shutting down; try again.',
  invalid_address: 'That is not a valid wat1… address.',
  invalid_height: 'That is not a block height.',
  invalid_hash: 'That is not a 64-character hex hash.',
  invalid_slot: 'That is not a slot number.',
  overflow: 'An amount is too large.',
  internal: 'The node hit an internal error.',
  no_staking: 'This chain has no staking: its validator set is fixed.',
  bundle_inactive: 'That certificate bundle is cancelled or expired.',
  not_enough_certificates: 'The bundle holds fewer certificates (Wh) than that.',
  outside_match_window: 'That slot is outside the certificates\' match window.',
  above_consumption: 'That is more than your unmatched metered consumption in the slot.',
};

export function sentence(e: unknown): string {
  if (e instanceof ApiError) {
    const s = SENTENCES[e.code] ?? 'The node refused the request.';
    return `${s} (${e.code}: ${e.message})`;
  }
  if (e instanceof TypeError) return 'The node cannot be reached (network error).';
  return (e as Error)?.message ?? String(e);
}

const TIMEOUT_MS = 8000;

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), TIMEOUT_MS);
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      signal: ctl.signal,
      headers: body ? { 'content-type': 'application/json' } : undefined,
      body: body ? JSON.stringify(body) : undefined,
      cache: 'no-store',
    });
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw new ApiError(0, 'timeout', `the node did not answer within ${TIMEOUT_MS / 1000} s`);
    throw new ApiError(0, 'unreachable', 'the node cannot be reached');
  } finally {
    clearTimeout(timer);
  }
  const text = await res.text();
  if (!res.ok) {
    let code = 'http_' + res.status, message = text.slice(0, 200);
    try {
      const j = JSON.parse(text);
      code = j.code ?? code;
      message = j.message ?? message;
    } catch { /* not JSON */ }
    throw new ApiError(res.status, code, message);
  }
  return (path === '/metrics' ? text : JSON.parse(text)) as T;
}

export const get = <T>(path: string) => call<T>('GET', path);
export const post = <T>(path: string, body: unknown) => call<T>('POST', path, body);

export interface Status {
  chain_id: string;
  height: number;
  last_block_hash: string;
  state_root: string;
  last_block_time_ms: number;
  mempool_size: number;
  txs_committed: number;
  validator: unknown;
  halted: boolean;
}

export interface Block {
  height: number;
  hash: string;
  prev_hash: string;
  proposer: string;
  time_ms: number;
  tx_root: string;
  evidence_root: string;
  state_root: string;
  tx_count: number;
  last_commit_hash: string;
  last_commit: string;
  certificate: string;
  tx_hashes?: string[];
  txs?: Tx[];
  next_page?: number | null;
}

export interface Tx {
  hash: string;
  type: string;
  sender: string;
  nonce: number;
  [k: string]: unknown;
}

export interface MarketParams {
  mechanism: string;
  params?: Record<string, number>;
  slot_seconds: number;
  gate_lead_seconds: number;
  settlement_delay_seconds: number;
  max_slots_ahead: number;
  grid_buy: number;
  grid_sell: number;
  grid_fee: number;
  tax_bp: number;
  operator: string;
  tax_account: string;
  [k: string]: unknown;
}

export interface BookOrder {
  id: string;
  owner: string;
  side: 'buy' | 'sell';
  energy_wh: number;
  price: number;
  filled_wh?: number;
  market?: string | null; // with a market tree: the household's leaf
}

export interface Trade {
  buy: string;
  sell: string;
  energy_wh: number;
  buy_price: number;
  sell_price: number;
  market?: string; // with a market tree: the market that matched it
  grid_fees?: GridFee[]; // with a market tree: the fee of each level crossed, leaf side first
}

export interface Slot {
  slot: number;
  status: string;
  gate_ms: number;
  settle_ms: number;
  orders: BookOrder[];
  clearing_price: number | null;
  trades: Trade[];
  surplus: number;
  levels?: Level[]; // with a market tree: every market in genesis order
  market?: string; // with ?market=NAME: the level shown
  level?: Level; // with ?market=NAME: its entry of levels
  sealed?: SealedSummary; // pending sealed orders (absent when the slot has none)
  next_page?: number | null;
}

export interface Bill {
  address: string;
  slot: number;
  bought_wh: number;
  sold_wh: number;
  import_wh: number;
  export_wh: number;
  deviation_wh: number;
  p2p_paid: number;
  p2p_received: number;
  grid_paid: number;
  grid_received: number;
  grid_fee: number;
  tax: number;
  net: number;
  reading: string;
  debt_added: number;
  grid_fees?: GridFee[]; // with a market tree: the fees paid, by level (counted in net)
}

// A slot's full book: follows next_page when the node pages the orders and
// trades. `market` ('' for all) shows one level of a market tree.
export async function getSlot(slot: number, market = ''): Promise<Slot> {
  const path = slotPath(slot, market);
  const first = await get<Slot>(path);
  let next = first.next_page;
  for (let pages = 0; next !== undefined && next !== null && pages < 50; ++pages) {
    const more = await get<Slot>(`${path}${market ? '&' : '?'}page=${next}`);
    first.orders.push(...more.orders);
    first.trades.push(...more.trades);
    next = more.next_page;
  }
  return first;
}

// Prometheus text -> {name: value} for unlabelled samples, plus _sum/_count.
export function parseMetrics(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = line.match(/^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/);
    if (m && !m[2]) out[m[1]] = Number(m[3]);
  }
  return out;
}

// What the grid alone would have cost for a slot's metered energy
// (as src/cli/market_day_demo.cpp): imports at grid_buy plus tax, exports at grid_sell.
export function gridAlone(b: Bill, m: MarketParams): number {
  const cost = Math.ceil((b.import_wh * m.grid_buy) / 1000);
  return cost + Math.ceil((cost * m.tax_bp) / 10000) - Math.floor((b.export_wh * m.grid_sell) / 1000);
}
