// "/": the chain and the network, live: head, block times, validators
// (proposers of recent blocks), round changes, peers, commit latency, and
// blocks as they arrive over /v1/events.
import { Block, Status, get, parseMetrics, sentence } from '../api';
import { Chart } from '../chart';
import { card, facts, h, link, replace, table } from '../dom';
import { seconds, short, timeEl } from '../format';
import type { Page } from '../main';

const KEEP = 30;

export const networkPage: Page = ({ live, root }) => {
  const head = h('div', { id: 'net-facts', class: 'live-value' });
  const health = h('div', { id: 'net-health', class: 'live-value' });
  const validators = h('div', { id: 'validators', class: 'live-value' });
  const blocksEl = h('div', { id: 'blocks', class: 'live-value' });
  const error = h('p', { class: 'error', role: 'alert' });
  const chart = new Chart({
    title: 'Recent blocks: transactions and time since the previous block',
    xLabel: 'height', xIntegers: true, axes: [{ scale: 'tx', label: 'txs per block' }, { scale: 's', label: 'block interval (s)', side: 'right' }],
    series: [{ label: 'txs', stroke: '#1b5e20', fill: 'rgba(27,94,32,0.25)', scale: 'tx', bars: true },
      { label: 'interval (s)', stroke: '#0d47a1', scale: 's' }],
  }, 'block-chart');
  replace(root, h('h1', null, 'Network'), error,
    h('div', { class: 'grid' }, card('Chain', head), card('Consensus and peers', health)),
    card('Blocks', chart.el, blocksEl), card('Validators', validators));

  let status: Status | null = null;
  let blocks: Block[] = [];
  let closed = false;

  const renderHead = () => {
    if (!status) return;
    const last = blocks[0];
    replace(head, facts([
      ['Chain id', h('span', { id: 'chain-id' }, status.chain_id)],
      ['Height', h('span', { id: 'height' }, String(status.height))],
      ['Last block', last ? timeEl(last.time_ms) : '—'],
      ['Mempool', `${status.mempool_size} txs`],
      ['Txs committed', String(status.txs_committed)],
      ['Node', status.halted ? 'halted (storage failure)' : 'producing blocks'],
    ]));
  };
  const renderBlocks = () => {
    replace(blocksEl, table(['Height', 'Time', 'Txs', 'Proposer', 'Hash'],
      blocks.slice(0, 12).map((b) => [
        link(`/explorer/block/${b.height}`, String(b.height)), timeEl(b.time_ms), String(b.tx_count),
        h('code', null, short(b.proposer)), h('code', null, short(b.hash, 16))]), 'Latest blocks, newest first'));
    const asc = [...blocks].reverse();
    chart.set([asc.map((b) => b.height), asc.map((b) => b.tx_count),
      asc.map((b, i) => (i ? (b.time_ms - asc[i - 1].time_ms) / 1000 : null))]);
    const count = new Map<string, number>();
    const proposed = blocks.filter((b) => b.height > 0); // genesis has no proposer
    for (const b of proposed) count.set(b.proposer, (count.get(b.proposer) ?? 0) + 1);
    replace(validators, h('p', { class: 'muted' },
      `Validators that proposed the last ${proposed.length} blocks, with their share; the set in force and its power: `, link('/validators', 'Validators'), '.'),
    table(['Validator key', 'Blocks proposed', 'Share'],
      [...count].map(([k, n]) => [h('code', null, short(k, 16)), String(n), `${Math.round((100 * n) / proposed.length)} %`])));
  };
  const renderHealth = async () => {
    try {
      const m = parseMetrics(await get<string>('/metrics'));
      const mean = (n: string) => (m[`${n}_count`] ? m[`${n}_sum`] / m[`${n}_count`] : NaN);
      replace(health, facts([
        ['Mean block time', seconds(mean('wattle_block_time_seconds'))],
        ['Mean commit latency', seconds(mean('wattle_commit_latency_seconds'))],
        ['Consensus round', String(m.wattle_consensus_round ?? '—')],
        ['Round changes', String(m.wattle_consensus_round_changes_total ?? 0)],
        ['Peers', m.wattle_p2p_peers === undefined ? 'none (single node)' : String(m.wattle_p2p_peers)],
        ['Event subscribers', String(m.wattle_events_subscribers ?? '—')],
      ]));
    } catch (e) {
      replace(health, h('p', { class: 'error' }, sentence(e)));
    }
  };
  const load = async () => {
    try {
      status = await get<Status>('/v1/status');
      const hs: number[] = [];
      for (let x = status.height; x >= 0 && hs.length < KEEP; --x) hs.push(x);
      blocks = await Promise.all(hs.map((x) => get<Block>(`/v1/blocks/${x}`)));
      if (closed) return;
      error.textContent = '';
      renderHead();
      renderBlocks();
      await renderHealth();
    } catch (e) {
      error.textContent = sentence(e);
    }
  };
  const offEvent = live.on((e) => {
    if (e.type !== 'block' || !status) return;
    const b = e.block as Block;
    if (blocks.length && b.height <= blocks[0].height) return;
    blocks.unshift(b);
    blocks = blocks.slice(0, KEEP);
    status = { ...status, height: b.height, last_block_hash: b.hash, last_block_time_ms: b.time_ms };
    renderHead();
    renderBlocks();
    if (b.height % 5 === 0) void renderHealth();
  });
  const offResync = live.onResync(load);
  void load();
  return () => {
    closed = true;
    offEvent();
    offResync();
    chart.destroy();
  };
};
