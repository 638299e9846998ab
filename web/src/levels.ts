// A slot's market tree as the slot JSON reports it (docs/market.md "Clearing
// through the market tree"): with `[[markets]]` in genesis the slot carries
// `levels` (every market in genesis order), each trade its `market` and
// `grid_fees` by level, and `?market=NAME` narrows the view to one level.
// A flat market has none of these, and every function here then yields
// nothing, so the page keeps its flat look.
import { kwh, pricePerKwh, tokens } from './format';

export interface GridFee {
  market: string;
  amount: number; // micro-units
}

export interface Level {
  market: string;
  parent: string | null;
  mechanism: string;
  grid_fee: number; // micro-units per kWh crossing this market's boundary
  fee_account: string;
  clearing_price: number | null;
  offered_wh: number;
  traded_wh: number;
  passed_up_wh: number;
  surplus: number;
  fees: number; // what this slot's trades paid this level
}

// The levels a slot view carries: all of them, or (with ?market=NAME) the one
// shown; [] on a flat market.
export function levelsOf(s: { levels?: Level[]; level?: Level }): Level[] {
  if (s.level) return [s.level];
  return s.levels ?? [];
}

// The level filter's choices: '' (all levels) then every market in genesis
// order, each labelled with its place in the tree.
export function levelChoices(levels: Level[]): [string, string][] {
  return [['', 'All levels'], ...levels.map((l): [string, string] => [l.market, l.parent === null ? `${l.market} (root)` : `${l.market} (in ${l.parent})`])];
}

export const LEVEL_HEADERS = ['Market', 'Parent', 'Clearing price', 'Offered', 'Traded', 'Passed up', 'Fees'];

// One row per level: the root's parent is "—"; no clearing price is "—".
export function levelRow(l: Level): string[] {
  return [l.market, l.parent ?? '—', pricePerKwh(l.clearing_price), kwh(l.offered_wh), kwh(l.traded_wh), kwh(l.passed_up_wh), tokens(l.fees)];
}

// Whether a slot's trades carry the tree's fields (a flat market's do not).
export function tradesHaveLevels(trades: { market?: string }[]): boolean {
  return trades.some((t) => t.market !== undefined);
}

export function feesTotal(fees: GridFee[] | undefined): number {
  return (fees ?? []).reduce((a, f) => a + f.amount, 0);
}

// "street-a 0.005000 WAT + street-b 0.005000 WAT" (leaf side first, as the
// API lists them; `sep` '\n' for one level a line); "none" for a trade that
// crossed no level.
export function feesText(fees: GridFee[] | undefined, sep = ' + '): string {
  if (!fees || fees.length === 0) return 'none';
  return fees.map((f) => `${f.market} ${tokens(f.amount)}`).join(sep);
}

// The node matches the name as given (no percent-decoding), and the CLI
// accepts only these characters: a name outside them is not sent.
export function isMarketName(name: string): boolean {
  return /^[A-Za-z0-9._-]{1,64}$/.test(name);
}

// The slot path with the level filter; '' (all levels) gives the plain path.
export function slotPath(slot: number, market: string): string {
  if (market === '') return `/v1/market/slots/${slot}`;
  if (!isMarketName(market)) throw new Error(`"${market}" is not a market name (letters, digits, "-", "_", ".")`);
  return `/v1/market/slots/${slot}?market=${market}`;
}

// A genesis market of the tree as `GET /v1/market/params` lists it.
export interface TreeMarket {
  name: string;
  parent?: string;
  mechanism: string;
  grid_fee: number;
}

// The tree in one line for the market's facts: "district (uniform, root);
// street-a (uniform, in district, 0.005000 WAT/kWh)"; null without a tree.
export function treeText(markets: TreeMarket[] | undefined): string | null {
  if (!markets || markets.length === 0) return null;
  return markets.map((t) => `${t.name} (${[t.mechanism, t.parent ? `in ${t.parent}` : 'root', ...(t.grid_fee ? [pricePerKwh(t.grid_fee)] : [])].join(', ')})`).join('; ');
}
