// Granular certificates in the dashboard (docs/certificates.md): the
// household's section (holdings by device and slot, the 24/7 matching score
// of the last MATCH_WINDOW slots per slot and in total) and the
// "/certificates" overview (the chain's certificate parameters, a device
// lookup by meter key). A chain without a certificates section gets a
// short note instead.
import { ApiError, MarketParams, get, sentence } from '../api';
import {
  CERT_EVENTS, CertDevice, CertParams, Holdings, Matching, holdingsView, isNoCertificates, matchingRange, matchingSeries,
} from '../certificates';
import { Chart } from '../chart';
import { card, facts, h, link, replace, table } from '../dom';
import { kwh, short, tokens } from '../format';
import type { Page } from '../main';

export const MATCH_WINDOW = 96; // a day of 15-minute slots, as the bills
const MAX_ROWS = 200; // a holder may have up to 65,536 active bundles: the table shows the first

const NO_CERTIFICATES = 'This chain has no certificates module (its genesis has no certificates section), so there are no certificates to show.';

function paramsFacts(p: CertParams): HTMLElement {
  const rewards = Object.entries(p.reward_per_mwh).filter(([, v]) => v);
  return facts([
    ['Certificates follow traded energy', p.bundle_with_trades ? 'yes: issued Wh move to the buyers of the producer\'s energy' : 'no: they stay with the producer'],
    ['Match window', p.match_window_slots === 0 ? 'the same slot only (hourly-or-finer matching)' : `± ${p.match_window_slots} slots`],
    ['Expiry', `${p.expiry_slots} slots after production`],
    ['Reward per MWh issued', rewards.length ? rewards.map(([t, v]) => `${t} ${tokens(v!)}`).join(', ') : 'none'],
  ], 'cert-params');
}

function holdingsTable(hs: Holdings): (HTMLElement | null)[] {
  const { rows, totals } = holdingsView(hs);
  return [
    facts([
      ['Active (held)', h('span', { id: 'cert-active' }, kwh(totals.active))],
      ['Cancelled (claimed)', h('span', { id: 'cert-cancelled' }, kwh(totals.cancelled))],
      ['Expired', kwh(totals.expired)],
    ]),
    table(['Bundle', 'Device (meter)', 'Technology', 'Production slot', 'Energy', 'Status', 'Claimed for slot'],
      rows.slice(0, MAX_ROWS).map((b) => [String(b.id), h('code', { title: b.device }, short(b.device, 12)), b.technology,
        link(`/market/slot/${b.slot}`, String(b.slot)), h('span', { 'data-bundle-wh': b.id }, kwh(b.wh)),
        h('span', { class: `pill ${b.status}` }, b.status), b.claim_slot === undefined ? '—' : String(b.claim_slot)]),
      'Certificate bundles, by device and production slot (1 certificate = 1 Wh)'),
    rows.length > MAX_ROWS ? h('p', { class: 'muted' }, `The first ${MAX_ROWS} of ${rows.length} bundles; the totals above count them all.`) : null,
  ];
}

// The household's certificates: built by the household page once a key is
// loaded; load(current) re-reads everything up to the current slot.
export class HouseholdCertificates {
  readonly el: HTMLElement;
  private body = h('div', { id: 'certificates', class: 'live-value' });
  private chart = new Chart({
    title: `24/7 matching of the last ${MATCH_WINDOW} slots: metered import and the part matched by cancelled certificates`,
    xLabel: 'slot start (local time)', xTime: true, xPad: 3600,
    axes: [{ scale: 'kwh', label: 'energy (kWh)' }, { scale: 'pct', label: 'matched (%)', side: 'right' }],
    series: [{ label: 'consumed', stroke: '#b71c1c', fill: 'rgba(183,28,28,0.15)', scale: 'kwh', bars: true },
      { label: 'matched', stroke: '#1b5e20', fill: 'rgba(27,94,32,0.35)', scale: 'kwh', bars: true },
      { label: 'score (%)', stroke: '#0d47a1', scale: 'pct' }],
  }, 'matching-chart');

  constructor() {
    this.el = card('Certificates and 24/7 matching', this.chart.el, this.body);
    this.chart.el.hidden = true;
  }

  async load(address: string, m: MarketParams, current: number): Promise<void> {
    let all: Holdings, ranged: Holdings, match: Matching;
    const { from, to } = matchingRange(current, MATCH_WINDOW);
    try {
      [all, ranged, match] = await Promise.all([
        get<Holdings>(`/v1/certificates/holdings/${address}`),
        get<Holdings>(`/v1/certificates/holdings/${address}?from=${from}&to=${to}`),
        get<Matching>(`/v1/accounts/${address}/matching?from=${from}&to=${to}`)]);
    } catch (e) {
      if (!isNoCertificates(e)) throw e;
      this.chart.el.hidden = true;
      replace(this.body, h('p', { class: 'muted', id: 'no-certificates' }, NO_CERTIFICATES));
      return;
    }
    // Every active bundle, and the window's cancelled/expired ones.
    const byId = new Map(all.bundles.map((b) => [b.id, b]));
    for (const b of ranged.bundles) byId.set(b.id, b);
    const s = matchingSeries(match);
    replace(this.body,
      h('p', null, 'Matched over the last ', String(MATCH_WINDOW), ' slots: ',
        h('span', { class: 'score', id: 'match-score' }, `${match.score_pct} %`),
        ` (${kwh(match.matched_wh)} of ${kwh(match.consumed_wh)} consumed)`),
      ...holdingsTable({ ...all, bundles: [...byId.values()] }));
    this.chart.el.hidden = match.consumed_wh === 0;
    this.chart.set([s.slots.map((x) => x * m.slot_seconds), s.consumedKwh, s.matchedKwh, s.score]);
  }

  // Whether an event may change this account's certificates.
  static concerns(e: { type: string }): boolean {
    return CERT_EVENTS.includes(e.type);
  }

  destroy(): void {
    this.chart.destroy();
  }
}

export const certificatesPage: Page = ({ live, root }) => {
  const error = h('p', { class: 'error', role: 'alert' });
  const params = h('div', { id: 'cert-params-card', class: 'live-value' });
  const meterInput = h('input', { id: 'meter-input', name: 'meter', class: 'hex', placeholder: '64 hex characters', autocomplete: 'off', spellcheck: 'false' });
  const lookupError = h('p', { class: 'error', role: 'alert', id: 'device-error' });
  const device = h('div', { id: 'device', class: 'live-value' });
  const lookup = h('form', { class: 'form', id: 'device-form' },
    h('label', null, 'Meter key', meterInput), h('button', { type: 'submit' }, 'Look up the device'));
  replace(root, h('h1', null, 'Certificates'), error,
    card('Parameters', h('p', { class: 'muted' }, 'One certificate per metered Wh of green export, issued per market slot; a household cancels (claims) them against its own consumption. Load your key on the household page to see your certificates and your 24/7 matching score.'), params),
    card('Production devices', lookup, lookupError, device));
  let closed = false;

  const load = async () => {
    try {
      const p = await get<CertParams>('/v1/certificates/params');
      if (closed) return;
      replace(params, paramsFacts(p));
      error.textContent = '';
    } catch (e) {
      if (isNoCertificates(e)) {
        replace(params, h('p', { class: 'muted', id: 'no-certificates' }, NO_CERTIFICATES));
        lookup.hidden = true;
      } else error.textContent = sentence(e);
    }
  };
  lookup.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const meter = meterInput.value.trim().toLowerCase();
    replace(device);
    if (!/^[0-9a-f]{64}$/.test(meter)) {
      lookupError.textContent = 'A meter key is 64 hex characters (the meter\'s public key, as `wattle key new` prints it).';
      return;
    }
    try {
      const d = await get<CertDevice>(`/v1/certificates/devices/${meter}`);
      lookupError.textContent = '';
      replace(device, facts([
        ['Meter', h('code', null, d.meter)],
        ['Account', link(`/explorer/account/${d.account}`, h('code', null, d.account))],
        ['Technology', h('span', { id: 'device-tech' }, d.technology)],
        ['Capacity', `${(d.capacity_w / 1000).toLocaleString('en-US', { maximumFractionDigits: 3 })} kW`],
        ['Issues from slot', link(`/market/slot/${d.from_slot}`, String(d.from_slot))],
      ]));
    } catch (e) {
      lookupError.textContent = e instanceof ApiError && e.code === 'not_found' ? 'No production device is registered for this meter.' : sentence(e);
    }
  });
  const offResync = live.onResync(load);
  void load();
  return () => {
    closed = true;
    offResync();
  };
};
