// "/household": load a key file (read here, never uploaded; kept in memory
// for this page only), then the account's balance, escrow, debt and open
// orders, placing and cancelling orders signed in the browser, bills per slot
// beside what the grid alone would have cost, meter readings and a chart of
// the recent slots' import, export and P2P energy; its certificates and
// 24/7 matching score (pages/certificates.ts).
import { ApiError, Bill, MarketParams, Status, get, getSlot, gridAlone, post, sentence } from '../api';
import { Chart } from '../chart';
import { Key, Payload, signTx } from '../codec';
import { card, facts, h, link, replace, table } from '../dom';
import { kwh, pricePerKwh, short, tokens } from '../format';
import { feesText } from '../levels';
import { parseKeyFile } from '../keyfile';
import { parseOrderInput } from '../order_input';
import type { Page } from '../main';
import { slotTimes } from './market';
import { HouseholdCertificates } from './certificates';

const BILL_WINDOW = 96; // slots scanned for the account's fills (a day of 15-minute slots)

interface Account { balance: number; nonce: number; pending_nonce: number; exists: boolean }
interface Orders {
  escrow: number;
  debt: number;
  meter: string | null;
  orders: { id: string; slot: number; side: string; energy_wh: number; price: number; escrow: number; status: string }[];
}

// The bills of `address` in the BILL_WINDOW slots up to `current`. The
// account's fills are in the slots' books; only a settled slot with a fill
// has a bill, so no request is made for a bill that cannot exist.
async function settledBills(address: string, current: number): Promise<Bill[]> {
  const slots = Array.from({ length: BILL_WINDOW }, (_, i) => current - BILL_WINDOW + 1 + i).filter((s) => s >= 0);
  const mine: number[] = [];
  for (let i = 0; i < slots.length; i += 12) {
    const part = await Promise.all(slots.slice(i, i + 12).map((s) => getSlot(s)));
    for (const s of part)
      if (s.status === 'settled' && s.orders.some((o) => o.owner === address && (o.filled_wh ?? 0) > 0)) mine.push(s.slot);
  }
  return Promise.all(mine.map((s) => get<Bill>(`/v1/accounts/${address}/bills/${s}`)));
}

// One row per bill (amounts paid as positive numbers; net and "grid alone"
// as the change of the balance), and the totals against the grid alone.
// With a market tree, a column of the grid fees paid by level.
function billsView(bills: Bill[], m: MarketParams): HTMLElement[] {
  let paid = 0, alone = 0;
  const tree = bills.some((b) => b.grid_fees !== undefined);
  const rows = bills.map((b) => {
    const g = gridAlone(b, m);
    paid -= b.net;
    alone += g;
    return [link(`/market/slot/${b.slot}`, String(b.slot)), kwh(b.bought_wh), kwh(b.sold_wh),
      h('span', { title: `reading ${b.reading}` }, `${kwh(b.import_wh)} / ${kwh(b.export_wh)}${b.reading === 'missing' ? ' (no reading)' : ''}`),
      tokens(b.p2p_paid - b.p2p_received), tokens(b.grid_paid - b.grid_received), tokens(b.grid_fee), tokens(b.tax),
      h('strong', { 'data-bill-net': b.slot }, tokens(b.net)), h('span', { 'data-bill-alone': b.slot }, tokens(-g)),
      ...(tree ? [h('span', { 'data-bill-levels': b.slot, class: 'lines' }, feesText(b.grid_fees, '\n'))] : [])];
  });
  // With a tree the headers may wrap, so the level fees' column fits at 1,400 px.
  const out = [h('div', { class: tree ? 'bills tree' : 'bills' }, table(['Slot', 'Bought', 'Sold', 'Meter import / export', 'P2P paid − received', 'Grid paid − received', 'Grid fee', 'Tax', 'Net change', 'Grid alone',
    ...(tree ? ['Level fees'] : [])],
    rows, `Bills of the last ${BILL_WINDOW} slots (net change and grid alone: + received, − paid)`))];
  if (bills.length)
    out.push(h('p', { id: 'bill-total' }, `Paid on the chain: ${tokens(paid)}; the grid alone would have cost ${tokens(alone)}; saving ${tokens(alone - paid)}.`));
  return out;
}

let key: Key | null = null; // survives navigation within the app, not a reload

export const householdPage: Page = ({ live, root }) => {
  const keyError = h('p', { class: 'error', role: 'alert', id: 'key-error' });
  const fileInput = h('input', { type: 'file', id: 'key-file', accept: '.key,.json,application/json' });
  const paste = h('textarea', { id: 'key-paste', rows: 3, placeholder: '{"seed": "…"}' });
  const account = h('div', { id: 'account', class: 'live-value' });
  const ordersEl = h('div', { id: 'orders', class: 'live-value' });
  const billsEl = h('div', { id: 'bills', class: 'live-value' });
  const result = h('p', { id: 'order-result', role: 'status', 'aria-live': 'polite' });
  const error = h('p', { class: 'error', role: 'alert' });
  const form = h('form', { id: 'order-form', class: 'form' },
    h('label', null, 'Slot', h('input', { name: 'slot', id: 'order-slot', inputmode: 'numeric', required: true })),
    h('label', null, 'Side', h('select', { name: 'side', id: 'order-side' },
      h('option', { value: 'buy' }, 'buy (bid)'), h('option', { value: 'sell' }, 'sell (ask)'))),
    h('label', null, 'Energy (kWh)', h('input', { name: 'energy', id: 'order-energy', inputmode: 'decimal', value: '1.000', required: true })),
    h('label', null, 'Limit price (WAT/kWh)', h('input', { name: 'price', id: 'order-price', inputmode: 'decimal', value: '0.150000', required: true })),
    h('button', { type: 'submit', id: 'order-submit' }, 'Sign and place order'));
  const chart = new Chart({
    title: 'Energy per slot: metered import and export, P2P bought and sold',
    xLabel: 'slot start (local time)', xTime: true, xPad: 3600, axes: [{ scale: 'kwh', label: 'energy (kWh)' }],
    series: [{ label: 'import', stroke: '#b71c1c' }, { label: 'export', stroke: '#1b5e20' },
      { label: 'P2P bought', stroke: '#0d47a1', bars: true, fill: 'rgba(13,71,161,0.25)' },
      { label: 'P2P sold', stroke: '#e65100', bars: true, fill: 'rgba(230,81,0,0.25)' }],
  }, 'energy-chart');
  const certs = new HouseholdCertificates();
  const body = h('div', { id: 'household-body' });
  replace(root, h('h1', null, 'Household'), error,
    card('Your key', h('p', { class: 'muted' }, 'Your key file is read in this browser only and never uploaded. It is kept in memory until you reload the page.'),
      h('div', { class: 'form' }, h('label', null, 'Key file', fileInput),
        h('label', null, 'or paste it', paste), h('button', { type: 'button', id: 'key-use' }, 'Use pasted key')),
      keyError),
    body);

  let m: MarketParams | null = null;

  let closed = false;
  let waiting: string | null = null; // a tx hash we wait to see committed

  const useKey = (text: string) => {
    try {
      key = parseKeyFile(text);
      keyError.textContent = '';
      paste.value = '';
      void showAccount();
    } catch (e) {
      key = null;
      keyError.textContent = `This key cannot be used: ${(e as Error).message}.`;
      replace(body);
    }
  };
  fileInput.addEventListener('change', async () => {
    const f = fileInput.files?.[0];
    if (!f) return;
    if (f.size > 4096) return useKey('x'.repeat(4097));
    useKey(await f.text());
    fileInput.value = '';
  });
  root.querySelector('#key-use')!.addEventListener('click', () => useKey(paste.value));

  const loadAccount = async () => {
    if (!key) return;
    const a = key.address;
    const [ac, os] = await Promise.all([get<Account>(`/v1/accounts/${a}`), get<Orders>(`/v1/accounts/${a}/orders`)]);
    if (closed) return;

    replace(account, ac.exists ? null : h('p', { class: 'error', id: 'account-note' },
      'This key\'s account does not exist on the chain (it was never funded): check that you loaded the right key file.'), facts([
      ['Address', link(`/explorer/account/${a}`, h('code', { id: 'address' }, a))],
      ['Balance', h('span', { id: 'balance' }, tokens(ac.balance))],
      ['In escrow', h('span', { id: 'escrow' }, tokens(os.escrow))],
      ['Debt', h('span', { id: 'debt' }, tokens(os.debt))],
      ['Meter', os.meter ? h('code', null, short(os.meter, 16)) : 'none registered'],
      ['Next nonce', String(ac.pending_nonce)],
    ]));
    replace(ordersEl, table(['Order', 'Slot', 'Side', 'Energy', 'Limit price', 'Escrow', 'Status', ''],
      os.orders.map((o) => [h('code', { 'data-order': o.id }, short(o.id, 12)), link(`/market/slot/${o.slot}`, String(o.slot)), o.side,
        kwh(o.energy_wh), pricePerKwh(o.price), tokens(o.escrow), o.status,
        o.status === 'open' ? h('button', { type: 'button', class: 'small', 'data-cancel': o.id, 'aria-label': `Cancel order ${short(o.id, 12)}`,
          onclick: () => void submit({ type: 'cancel', order: o.id }, 'Cancel') }, 'Cancel') : '']),
      'Your unsettled orders'));
  };

  const loadBills = async () => {
    if (!key || !m) return;
    const st = await get<Status>('/v1/status');
    const bills = await settledBills(key.address, slotTimes(m, st.last_block_time_ms).current);
    if (closed) return;
    replace(billsEl, billsView(bills, m));
    chart.el.hidden = bills.length === 0;
    chart.set([bills.map((b) => b.slot * m!.slot_seconds), bills.map((b) => b.import_wh / 1000), bills.map((b) => b.export_wh / 1000),
      bills.map((b) => b.bought_wh / 1000), bills.map((b) => b.sold_wh / 1000)]);
  };

  const loadCertificates = async () => {
    if (!key || !m) return;
    const st = await get<Status>('/v1/status');
    if (!closed) await certs.load(key.address, m, slotTimes(m, st.last_block_time_ms).current);
  };

  const showAccount = async () => {
    if (!key) return;
    // Built once: a live resync refreshes the figures below without moving
    // the form (and a click on it) out from under the user.
    if (!body.contains(form))
      replace(body,
        card('Account', account),
        card('Place an order', h('p', { class: 'muted' }, 'Signed in this browser with your key; the node checks it and the chain escrows its cost.'), form, result),
        card('Open orders', ordersEl),
        card('Bills and meter readings', chart.el, billsEl),
        certs.el);
    try {
      m = await get<MarketParams>('/v1/market/params');
      const st = await get<Status>('/v1/status');
      const slotInput = form.querySelector('#order-slot') as HTMLInputElement;
      if (!slotInput.value) slotInput.value = String(slotTimes(m, Math.max(st.last_block_time_ms, Date.now())).nextOpen + 1);
      await loadAccount();
      await loadBills();
      await loadCertificates();
      error.textContent = '';
    } catch (e) {
      error.textContent = sentence(e);
    }
  };

  // Signs with the account's next nonce and submits; says what happened.
  const submit = async (payload: Payload, what: string) => {
    if (!key) return;
    try {
      const st = await get<Status>('/v1/status');
      const a = await get<Account>(`/v1/accounts/${key.address}`);
      const tx = signTx({ chainId: st.chain_id, sender: key.publicKey, nonce: BigInt(a.pending_nonce), payload }, key.seed);
      result.className = '';
      result.textContent = `${what}: sending…`;
      const hex = Array.from(tx.bytes, (b) => b.toString(16).padStart(2, '0')).join('');
      await post('/v1/txs', { tx: hex });
      waiting = tx.hash;
      result.textContent = `${what} accepted by the node (tx ${short(tx.hash, 16)}); waiting for the next block…`;
      result.dataset.hash = tx.hash;
    } catch (e) {
      result.className = 'error';
      result.textContent = `${what} refused. ${sentence(e)}`;
      if (e instanceof ApiError) result.dataset.code = e.code;
    }
  };

  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const fd = new FormData(form);
    const input = parseOrderInput(String(fd.get('slot')), String(fd.get('side')), String(fd.get('energy')), String(fd.get('price')));
    if (input.ok) return void submit(input.payload, 'Order');
    result.className = 'error';
    result.textContent = input.error;
  });

  const off = live.on((e) => {
    if (!key) return;
    if (e.type === 'tx' && e.hash === waiting) {
      waiting = null;
      result.textContent = e.code === 'ok'
        ? `Committed at height ${e.height} (tx ${short(e.hash, 16)}).`
        : `The chain refused it: ${sentence(new ApiError(409, e.code, e.message ?? ''))}`;
      result.className = e.code === 'ok' ? 'ok' : 'error';
      void loadAccount();
    } else if ((e.type === 'tx' && (e.tx?.sender === key.address || e.tx?.to === key.address)) || e.type === 'slot_cleared') {
      void loadAccount().catch(() => undefined);
    } else if (e.type === 'slot_settled') {
      void loadAccount().then(loadBills).then(loadCertificates).catch(() => undefined);
    } else if (HouseholdCertificates.concerns(e)) {
      void loadCertificates().catch(() => undefined);
    }
  });
  const offResync = live.onResync(() => void showAccount());
  if (key) void showAccount();
  return () => {
    closed = true;
    off();
    offResync();
    chart.destroy();
    certs.destroy();
  };
};
