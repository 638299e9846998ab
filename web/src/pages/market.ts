// "/market" and "/market/slot/{slot}": the current and next slots, the next
// open slot's book as a depth chart, clearing price and volume of recent
// slots, a slot's trades and sealed-order counts, the mechanism and tariffs;
// with a market tree, each slot's levels and each trade's market and fees.
import { MarketParams, Slot, Status, get, getSlot, sentence } from '../api';
import { Chart } from '../chart';
import { card, facts, h, link, replace, table } from '../dom';
import { kwh, pricePerKwh, short, timeEl, tokens } from '../format';
import { LEVEL_HEADERS, TreeMarket, feesText, feesTotal, levelChoices, levelRow, levelsOf, tradesHaveLevels, treeText } from '../levels';
import type { Page } from '../main';
import { sealedCounts, sealedText } from '../sealed';

const RECENT = 24;

export function slotTimes(m: MarketParams, nowMs: number) {
  const now = Math.floor(nowMs / 1000);
  const current = Math.floor(now / m.slot_seconds);
  // The first slot whose gate (start - gate_lead) is still ahead.
  const nextOpen = Math.floor((now + m.gate_lead_seconds) / m.slot_seconds) + 1;
  return { current, nextOpen };
}

// With a market tree each market clears with its own mechanism (the
// top-level one is then unused: docs/market.md), and the tree is listed.
export function paramsFacts(m: MarketParams): HTMLElement {
  const tree = treeText(m.markets as TreeMarket[] | undefined);
  return facts([
    ...(tree ? ([['Market tree', h('span', { id: 'market-tree' }, tree)]] as [string, HTMLElement][]) : []),
    ['Mechanism', `${m.mechanism}${m.params && Object.keys(m.params).length ? ' (' + Object.entries(m.params).map(([k, v]) => `${k}=${v}`).join(', ') + ')' : ''}${tree ? ' (not used: each market of the tree clears with its own)' : ''}`],
    ['Slot length', `${m.slot_seconds} s`],
    ['Gate closes', `${m.gate_lead_seconds} s before the slot`],
    ['Settles', `${m.settlement_delay_seconds} s after the slot`],
    ['Grid import tariff', pricePerKwh(m.grid_buy)],
    ['Grid feed-in tariff', pricePerKwh(m.grid_sell)],
    ['Grid fee on P2P energy', pricePerKwh(m.grid_fee)],
    ['Tax', `${(m.tax_bp / 100).toFixed(2)} %`],
  ], 'market-params');
}

function volume(s: Slot): number {
  return s.trades.reduce((a, t) => a + t.energy_wh, 0);
}

function depthChart(id: string): Chart {
  return new Chart({
    title: 'Depth: cumulative energy offered at each price',
    xLabel: 'price (WAT/kWh)',
    xPad: 0.01,
    axes: [{ scale: 'kwh', label: 'cumulative energy (kWh)' }],
    series: [{ label: 'bids (buy)', stroke: '#1b5e20', fill: 'rgba(27,94,32,0.2)', scale: 'kwh', stepped: true },
      { label: 'asks (sell)', stroke: '#b71c1c', fill: 'rgba(183,28,28,0.15)', scale: 'kwh', stepped: true }],
  }, id);
}

// Bids: energy at price >= p; asks: energy at price <= p, on one price axis.
function depthData(s: Slot): (number | null)[][] {
  const prices = [...new Set(s.orders.map((o) => o.price))].sort((a, b) => a - b);
  const bid = prices.map((p) => s.orders.filter((o) => o.side === 'buy' && o.price >= p).reduce((a, o) => a + o.energy_wh, 0) / 1000);
  const ask = prices.map((p) => s.orders.filter((o) => o.side === 'sell' && o.price <= p).reduce((a, o) => a + o.energy_wh, 0) / 1000);
  return [prices.map((p) => p / 1e6), bid, ask];
}

// With a market tree, a column for each order's leaf.
function bookTable(s: Slot): HTMLElement {
  const tree = s.levels !== undefined;
  return table(['Order', 'Owner', 'Side', 'Energy', 'Limit price', 'Filled', ...(tree ? ['Leaf'] : [])],
    s.orders.map((o) => [h('code', { 'data-order': o.id }, short(o.id, 12)), link(`/explorer/account/${o.owner}`, short(o.owner, 14)),
      o.side, kwh(o.energy_wh), pricePerKwh(o.price), o.filled_wh === undefined ? '—' : kwh(o.filled_wh), ...(tree ? [o.market ?? '—'] : [])]),
    `Book of slot ${s.slot}${s.market ? ` in ${s.market} and below` : ''} (${s.orders.length} orders)`);
}

// With a market tree, two more columns: the market that matched each trade
// and the grid fees it paid by level (a flat market's table is unchanged).
function tradesTable(s: Slot): HTMLElement {
  const tree = s.levels !== undefined || tradesHaveLevels(s.trades);
  const of = s.market ? ` in ${s.market}` : '';
  return table(['Buyer order', 'Seller order', 'Energy', 'Buy price', 'Sell price', ...(tree ? ['Market', 'Grid fees'] : [])],
    s.trades.map((t, i) => [short(t.buy, 12), short(t.sell, 12), kwh(t.energy_wh), pricePerKwh(t.buy_price), pricePerKwh(t.sell_price),
      ...(tree ? [t.market ?? '—', h('span', { 'data-trade-fees': i, title: `total ${tokens(feesTotal(t.grid_fees))}` }, feesText(t.grid_fees))] : [])]),
    `Trades of slot ${s.slot}${of}`);
}

// The market tree's levels of a slot (null on a flat market).
function levelsTable(s: Slot): HTMLElement | null {
  const ls = levelsOf(s);
  if (!ls.length) return null;
  const caption = s.market ? `Level ${s.market} of slot ${s.slot}` : `Levels of slot ${s.slot}`;
  const wrap = table(LEVEL_HEADERS, ls.map((l) => levelRow(l).map((c, i) => (i === 0 ? h('span', { 'data-level': l.market }, c) : c))), caption);
  // In a narrow slot card the table scrolls sideways; a keyboard must reach it too.
  wrap.tabIndex = 0;
  wrap.setAttribute('role', 'region');
  wrap.setAttribute('aria-label', caption);
  return h('div', { class: 'levels' },
    h('p', { class: 'muted' }, 'Offered: energy offered to the market; traded: matched there; passed up: left unmatched and offered to its parent; fees: what this slot\'s trades paid the level.'),
    wrap);
}

// Two rows while the slot has pending sealed orders, none otherwise.
function sealedFacts(s: Slot): [string, HTMLElement][] {
  if (!s.sealed) return [];
  const c = sealedCounts(s.sealed);
  return [['Sealed orders', h('span', { id: 'sealed-counts' }, sealedText(c))], ['Reveal window', h('span', null, c.window)]];
}

function slotFacts(s: Slot, m: MarketParams | null): HTMLElement {
  const start = m ? s.slot * m.slot_seconds * 1000 : null;
  return facts([
    ['Slot', link(`/market/slot/${s.slot}`, String(s.slot))],
    ['Delivery', start === null ? '—' : h('span', null, timeEl(start), ' to ', timeEl(start + m!.slot_seconds * 1000))],
    ['Status', h('span', { class: `pill ${s.status}` }, s.status)],
    ['Gate closes', s.gate_ms ? timeEl(s.gate_ms) : '—'],
    ['Settles', timeEl(s.settle_ms)],
    ['Orders', String(s.orders.length)],
    ...sealedFacts(s),
    ['Clearing price', pricePerKwh(s.clearing_price)],
    ['Volume', kwh(volume(s))],
  ]);
}

export const marketPage: Page = ({ live, root }) => {
  const error = h('p', { class: 'error', role: 'alert' });
  const params = h('div', { class: 'live-value' });
  const cur = h('div', { id: 'slot-current', class: 'live-value' });
  const next = h('div', { id: 'slot-next', class: 'live-value' });
  const book = h('div', { id: 'book', class: 'live-value' });
  const trades = h('div', { id: 'trades', class: 'live-value' });
  const depth = depthChart('depth-chart');
  const series = new Chart({
    title: `Clearing price and volume of the last ${RECENT} slots`,
    xLabel: 'slot start (local time)', xTime: true,
    xPad: 60,
    axes: [{ scale: 'p', label: 'price (WAT/kWh)' }, { scale: 'v', label: 'volume (kWh)', side: 'right' }],
    series: [{ label: 'volume (kWh)', stroke: '#0d47a1', fill: 'rgba(13,71,161,0.2)', scale: 'v', bars: true },
      { label: 'clearing price', stroke: '#e65100', scale: 'p' }],
  }, 'price-chart');
  replace(root, h('h1', null, 'Market'), error,
    h('div', { class: 'grid' }, card('Current slot', cur), card('Next open slot', next)),
    card('Order book of the next open slot', depth.el, book),
    card('Recent slots', series.el, trades),
    card('Mechanism and tariffs', params));

  let m: MarketParams | null = null;
  let openSlot = -1;
  let closed = false;
  const recent = new Map<number, Slot>();

  const renderSeries = () => {
    const ss = [...recent.values()].sort((a, b) => a.slot - b.slot);
    series.set([ss.map((s) => s.slot * m!.slot_seconds), ss.map((s) => volume(s) / 1000),
      ss.map((s) => (s.clearing_price === null ? null : s.clearing_price / 1e6))]);
    const last = ss.filter((s) => s.trades.length).pop();
    replace(trades, last ? tradesTable(last) : h('p', { class: 'muted' }, 'No trades in the recent slots yet.'));
  };
  const loadOpen = async () => {
    const s = await getSlot(openSlot);
    if (closed) return;
    replace(next, slotFacts(s, m), levelsTable(s));
    depth.el.hidden = s.orders.length === 0; // an empty book has no depth to draw
    depth.set(depthData(s));
    replace(book, bookTable(s));
  };
  const load = async () => {
    try {
      m = await get<MarketParams>('/v1/market/params');
      const st = await get<Status>('/v1/status');
      const t = slotTimes(m, Math.max(st.last_block_time_ms, Date.now()));
      openSlot = t.nextOpen;
      replace(params, paramsFacts(m));
      const [c] = await Promise.all([getSlot(t.current), loadOpen()]);
      replace(cur, slotFacts(c, m), levelsTable(c));
      const list = await Promise.all(Array.from({ length: RECENT }, (_, i) => getSlot(t.current - RECENT + i)));
      recent.clear();
      for (const s of list) recent.set(s.slot, s);
      if (closed) return;
      renderSeries();
      error.textContent = '';
    } catch (e) {
      error.textContent = sentence(e);
    }
  };
  const off = live.on((e) => {
    if (!m) return;
    if (e.type === 'order_placed' && e.slot === openSlot) void loadOpen().catch((x) => (error.textContent = sentence(x)));
    if (e.type === 'slot_cleared' || e.type === 'slot_settled') {
      void getSlot(e.slot).then((s) => {
        recent.set(s.slot, s);
        while (recent.size > RECENT) recent.delete(Math.min(...recent.keys()));
        renderSeries();
      }).catch(() => undefined);
    }
    if (e.type === 'block') {
      const t = slotTimes(m, e.block.time_ms);
      if (t.nextOpen !== openSlot) void load();
    }
  });
  const offResync = live.onResync(load);
  void load();
  return () => {
    closed = true;
    off();
    offResync();
    depth.destroy();
    series.destroy();
  };
};

// The level filter of a slot with a market tree: a select of every market
// (hidden on a flat market); `onPick` reloads the slot as ?market=NAME.
function levelFilter(onPick: (market: string) => void) {
  const select = h('select', { id: 'level-filter' });
  select.addEventListener('change', () => onPick(select.value));
  const el = h('p', { class: 'level-filter' }, h('label', null, 'Show level ', select));
  let shown = '';
  const update = (s: Slot) => {
    el.hidden = !s.levels;
    const key = JSON.stringify(levelChoices(s.levels ?? []));
    if (key !== shown) {
      shown = key;
      replace(select, levelChoices(s.levels ?? []).map(([v, label]) => h('option', { value: v }, label)));
    }
    select.value = s.market ?? '';
  };
  el.hidden = true;
  return { el, update };
}

export const slotPage: Page = ({ live, root }, [slotText]) => {
  const error = h('p', { class: 'error', role: 'alert' });
  const info = h('div', { id: 'slot-facts', class: 'live-value' });
  const levels = h('div', { id: 'levels', class: 'live-value' });
  const book = h('div', { id: 'book', class: 'live-value' });
  const trades = h('div', { id: 'trades', class: 'live-value' });
  const depth = depthChart('depth-chart');
  let market = '';
  const filter = levelFilter((name) => {
    market = name;
    void load();
  });
  const tree = card('Market tree', filter.el, levels);
  tree.hidden = true; // a flat market has no tree: today's look
  replace(root, h('h1', null, `Slot ${slotText}`), error, card('Slot', info), tree, card('Order book', depth.el, book), card('Trades', trades));
  if (!/^(0|[1-9][0-9]{0,19})$/.test(slotText)) {
    error.textContent = `"${slotText}" is not a slot number.`;
    return;
  }
  const slot = Number(slotText);
  let closed = false;
  let seq = 0; // a reload started later wins over an older one still in flight
  async function load() {
    const mine = ++seq;
    try {
      const [s, m] = await Promise.all([getSlot(slot, market), get<MarketParams>('/v1/market/params')]);
      if (closed || mine !== seq) return;
      replace(info, slotFacts(s, m));
      tree.hidden = !s.levels;
      filter.update(s);
      replace(levels, levelsTable(s));
      depth.el.hidden = s.orders.length === 0; // an empty book has no depth to draw
      depth.set(depthData(s));
      replace(book, bookTable(s));
      replace(trades, tradesTable(s));
      error.textContent = '';
    } catch (e) {
      if (mine === seq) error.textContent = sentence(e);
    }
  }
  const off = live.on((e) => {
    if (e.slot === slot && ['order_placed', 'slot_cleared', 'slot_settled'].includes(e.type)) void load();
  });
  const offResync = live.onResync(load);
  void load();
  return () => {
    closed = true;
    off();
    offResync();
    depth.destroy();
  };
};

