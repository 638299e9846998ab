// "/explorer": search by height, tx hash or address; a block, a tx, an
// account (its balance proven by the light-client check in the browser:
// src/proof.ts). Unknown or malformed input is said in words.
import { ApiError, Block, Status, Tx, get, sentence } from '../api';
import { parseAddress } from '../codec';
import { card, facts, h, link, replace, table } from '../dom';
import { kwh, pricePerKwh, short, timeEl, tokens } from '../format';
import type { Page, PageContext } from '../main';
import { AccountAnswer, verifyAccountAnswer } from '../proof';

function searchForm(ctx: PageContext, value = ''): HTMLElement {
  const input = h('input', { id: 'search', name: 'q', value, placeholder: 'height, tx hash or wat1… address', autocomplete: 'off' });
  const msg = h('p', { id: 'search-error', class: 'error', role: 'alert' });
  const form = h('form', { class: 'search', role: 'search' },
    h('label', { for: 'search' }, 'Search the chain'), input, h('button', { type: 'submit' }, 'Search'), msg);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const q = input.value.trim();
    if (/^\d{1,19}$/.test(q)) return ctx.navigate(`/explorer/block/${q}`);
    if (/^[0-9a-fA-F]{64}$/.test(q)) return ctx.navigate(`/explorer/tx/${q.toLowerCase()}`);
    if (/^wat1/i.test(q)) return ctx.navigate(`/explorer/account/${q}`);
    msg.textContent = `"${q}" is not a block height, a 64-character tx hash or a wat1… address.`;
  });
  return form;
}

export const explorerPage: Page = (ctx) => {
  const latest = h('div', { id: 'latest', class: 'live-value' });
  replace(ctx.root, h('h1', null, 'Explorer'), searchForm(ctx), card('Latest blocks', latest));
  let closed = false;
  const load = async () => {
    try {
      const st = await get<Status>('/v1/status');
      const hs = Array.from({ length: Math.min(10, st.height + 1) }, (_, i) => st.height - i);
      const bs = await Promise.all(hs.map((x) => get<Block>(`/v1/blocks/${x}`)));
      if (closed) return;
      replace(latest, table(['Height', 'Time', 'Txs', 'Hash'],
        bs.map((b) => [link(`/explorer/block/${b.height}`, String(b.height)), timeEl(b.time_ms), String(b.tx_count), h('code', null, short(b.hash, 16))])));
    } catch (e) {
      replace(latest, h('p', { class: 'error' }, sentence(e)));
    }
  };
  const off = ctx.live.on((e) => e.type === 'block' && void load());
  const offR = ctx.live.onResync(load);
  void load();
  return () => { closed = true; off(); offR(); };
};

function txFacts(t: Tx): [string, any][] {
  const rows: [string, any][] = [
    ['Type', t.type],
    ['Sender', link(`/explorer/account/${t.sender}`, h('code', null, t.sender))],
    ['Nonce', String(t.nonce)],
  ];
  if (t.type === 'transfer') rows.push(['To', link(`/explorer/account/${t.to}`, h('code', null, String(t.to)))], ['Amount', tokens(t.amount as number)]);
  if (t.type === 'order') rows.push(['Slot', link(`/market/slot/${t.slot}`, String(t.slot))], ['Side', String(t.side)], ['Energy', kwh(t.energy_wh as number)], ['Limit price', pricePerKwh(t.price as number)]);
  if (t.type === 'cancel') rows.push(['Order', h('code', null, String(t.order))]);
  if (t.type === 'register_meter') rows.push(['Meter key', h('code', null, String(t.meter))], ['Account', link(`/explorer/account/${t.account}`, String(t.account))]);
  if (t.type === 'meter_reading') rows.push(['Slot', String(t.slot)], ['Import counter', kwh(t.import_wh as number)], ['Export counter', kwh(t.export_wh as number)]);
  return rows;
}

export const blockPage: Page = (ctx, [heightText]) => {
  const body = h('div', { id: 'block' });
  replace(ctx.root, h('h1', null, `Block ${heightText}`), searchForm(ctx), body);
  void (async () => {
    try {
      if (!/^\d{1,19}$/.test(heightText)) throw new Error(`"${heightText}" is not a block height (a whole number).`);
      const st = await get<Status>('/v1/status');
      if (Number(heightText) > st.height) {
        replace(body, h('p', { class: 'error', role: 'alert', id: 'not-found' },
          `There is no block at height ${heightText} yet: the chain's height is ${st.height}.`));
        return;
      }
      const b = await get<Block>(`/v1/blocks/${heightText}?txs=full&limit=100`);
      replace(body, card('Header', facts([
        ['Height', String(b.height)],
        ['Time', timeEl(b.time_ms)],
        ['Hash', h('code', null, b.hash)],
        ['Previous', b.height > 0 ? link(`/explorer/block/${b.height - 1}`, h('code', null, b.prev_hash)) : 'genesis'],
        ['Proposer', h('code', null, b.proposer)],
        ['State root', h('code', null, b.state_root)],
        ['Tx root', h('code', null, b.tx_root)],
        ['Transactions', String(b.tx_count)],
      ])), card('Transactions', table(['Hash', 'Type', 'Sender', 'Nonce'],
        (b.txs ?? []).map((t) => [link(`/explorer/tx/${t.hash}`, h('code', null, short(t.hash, 16))), t.type,
          link(`/explorer/account/${t.sender}`, short(t.sender, 14)), String(t.nonce)]),
        b.next_page !== null && b.next_page !== undefined ? `First 100 of ${b.tx_count}` : undefined)),
      h('p', null, b.height > 0 ? link(`/explorer/block/${b.height - 1}`, '← previous block') : '', ' ',
        b.height < st.height ? link(`/explorer/block/${b.height + 1}`, 'next block →') : ''));
    } catch (e) {
      replace(body, h('p', { class: 'error', role: 'alert', id: 'not-found' }, e instanceof ApiError ? sentence(e) : (e as Error).message));
    }
  })();
};

export const txPage: Page = (ctx, [hash]) => {
  const body = h('div', { id: 'tx' });
  replace(ctx.root, h('h1', null, 'Transaction'), searchForm(ctx), body);
  const load = async () => {
    try {
      if (!/^[0-9a-fA-F]{64}$/.test(hash)) throw new Error(`"${hash}" is not a tx hash (64 hex characters).`);
      const t = await get<{ hash: string; status: string; height?: number; index?: number; tx?: Tx }>(`/v1/txs/${hash}`);
      replace(body, card('Transaction', facts([
        ['Hash', h('code', null, t.hash)],
        ['Status', h('span', { class: `pill ${t.status}` }, t.status)],
        ['Block', t.height !== undefined ? link(`/explorer/block/${t.height}`, `${t.height} (index ${t.index})`) : 'pending in the mempool'],
        ...(t.tx ? txFacts(t.tx) : []),
      ])));
    } catch (e) {
      const text = e instanceof ApiError && e.status === 404
        ? `No transaction with hash ${hash} is known to this node (neither committed nor pending).`
        : e instanceof ApiError ? sentence(e) : (e as Error).message;
      replace(body, h('p', { class: 'error', role: 'alert', id: 'not-found' }, text));
    }
  };
  const off = ctx.live.on((e) => e.type === 'tx' && e.hash === hash && void load());
  void load();
  return off;
};

export const accountPage: Page = (ctx, [address]) => {
  const body = h('div', { id: 'account-view' });
  replace(ctx.root, h('h1', null, 'Account'), searchForm(ctx), body);
  let closed = false;
  const load = async () => {
    try {
      try {
        parseAddress(address);
      } catch (e) {
        throw new Error(`"${address}" is not a valid address: ${(e as Error).message}.`);
      }
      const st = await get<Status>('/v1/status');
      const a = await get<AccountAnswer & { pending_nonce: number }>(`/v1/accounts/${address}?prove=true`);
      const blk = await get<Block>(`/v1/blocks/${a.proof.height}`);
      const v = verifyAccountAnswer(st.chain_id, a, blk);
      if (closed) return;
      replace(body,
        card('Account', facts([
          ['Address', h('code', null, address)],
          ['Balance', h('span', { id: 'acct-balance' }, tokens(a.balance))],
          ['Nonce', String(a.nonce)],
          ['On the chain', a.exists ? 'yes' : 'no (never funded)'],
        ])),
        card('Light-client proof',
          h('p', { id: 'proof-verdict', class: v.ok ? 'verified' : 'error' },
            v.ok ? `Verified in this browser at height ${v.height}` : `NOT verified at height ${v.height}`),
          table(['Link', 'Result'], v.links.map((l) => [l.name, h('span', { class: l.ok ? 'ok' : 'error' }, l.ok ? `✓ ${l.detail}` : `✗ ${l.detail}`)])),
          h('p', { class: 'muted' }, 'Checked here: the Merkle proof leads from this balance and nonce to the state root; the block header at that height carries the root and hashes to the block\'s hash; the commit certificate is signed by the block\'s proposer. The proposer\'s key is the node\'s word (compare it with your genesis file; `wattle query account --prove --genesis` checks it against genesis).')));
    } catch (e) {
      replace(body, h('p', { class: 'error', role: 'alert', id: 'not-found' }, e instanceof ApiError ? sentence(e) : (e as Error).message));
    }
  };
  const off = ctx.live.on((e) => e.type === 'tx' && (e.tx?.sender === address || e.tx?.to === address) && void load());
  const offR = ctx.live.onResync(load);
  void load();
  return () => { closed = true; off(); offR(); };
};
