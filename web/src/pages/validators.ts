// "/validators": the validator set in force (GET /v1/validators, docs/staking.md):
// each validator's address, consensus key, power, share and status, the
// consensus kind, a height picker (?height=), and live updates when the set
// or a status changes (validator_set_changed, slashed, jailed, unbonded). A
// chain without staking (404 no_staking) has a fixed set: the page says so
// and shows the key of the validator this node reports.
import { ApiError, Status, get, sentence } from '../api';
import { card, facts, h, link, replace, table } from '../dom';
import { short } from '../format';
import type { Page } from '../main';
import { ValidatorSet, VALIDATOR_EVENTS, consensusLabel, parseHeightInput, totalPower, validatorRows } from '../validators';

function setView(set: ValidatorSet, atHead: boolean): HTMLElement[] {
  const rows = validatorRows(set);
  return [
    facts([
      ['Consensus', h('span', { id: 'consensus' }, consensusLabel(set.consensus))],
      ['Set in force at height', h('span', { id: 'set-height' }, `${set.height}${atHead ? ' (the head when read; reloaded when the set changes)' : ''}`)],
      ['Validators', h('span', { id: 'set-size' }, String(rows.length))],
      ['Total power', String(totalPower(set))],
      ...(set.consensus === 'poa' ? [['Next proposal id', String(set.next_proposal)] as [string, string]] : []),
    ]),
    table(['Address', 'Consensus key', 'Power', 'Share', 'Status'],
      rows.map((v) => [link(`/explorer/account/${v.address}`, h('code', { 'data-validator': v.address }, short(v.address, 14))),
        h('code', { title: v.consensus_key }, short(v.consensus_key, 12)), String(v.power), v.share,
        h('span', { class: `pill ${v.label}`, title: `API status: ${v.status} (as of the head)` }, v.label)]),
      `Validator set at height ${set.height}, largest power first`),
  ];
}

export const validatorsPage: Page = ({ live, root }) => {
  const error = h('p', { class: 'error', role: 'alert' });
  const setEl = h('div', { id: 'validator-set', class: 'live-value' });
  const pickError = h('p', { class: 'error', role: 'alert', id: 'height-error' });
  const heightInput = h('input', { id: 'height-input', name: 'height', inputmode: 'numeric', placeholder: 'the head' });
  const picker = h('form', { class: 'form', id: 'height-form' },
    h('label', null, 'Height (empty: the head)', heightInput), h('button', { type: 'submit' }, 'Show the set'));
  const updated = h('p', { id: 'set-updated', class: 'muted', role: 'status', 'aria-live': 'polite' });
  replace(root, h('h1', null, 'Validators'), error,
    card('Validator set', picker, pickError, updated, setEl));

  let closed = false;
  let height: number | null = null; // null: follow the head
  let head = 0;

  const load = async () => {
    try {
      const st = await get<Status>('/v1/status');
      head = st.height;
      let set: ValidatorSet;
      try {
        set = await get<ValidatorSet>(`/v1/validators${height === null ? '' : `?height=${height}`}`);
      } catch (e) {
        if (!(e instanceof ApiError && e.code === 'no_staking')) throw e;
        if (closed) return;
        picker.hidden = true;
        replace(setEl, h('p', { id: 'fixed-set' },
          'This chain has no staking section: its validator set is fixed in genesis and no transaction can change it.'),
        facts([['This node\'s validator key', typeof st.validator === 'string' ? h('code', { id: 'node-validator' }, st.validator) : 'not a validator']]));
        error.textContent = '';
        return;
      }
      if (closed) return;
      replace(setEl, setView(set, height === null));
      error.textContent = '';
    } catch (e) {
      error.textContent = sentence(e);
    }
  };

  picker.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const r = parseHeightInput(heightInput.value, head);
    if (!r.ok) {
      pickError.textContent = r.error;
      return;
    }
    pickError.textContent = '';
    height = r.height;
    void load();
  });

  // A new set takes effect at its effective_height (docs/staking.md: H+2), so
  // the head's set is read again once a block reaches that height.
  let pendingAt: number | null = null;
  const off = live.on((e) => {
    if (e.type === 'block' && pendingAt !== null && e.block?.height >= pendingAt) {
      pendingAt = null;
      void load();
      return;
    }
    if (!VALIDATOR_EVENTS.includes(e.type)) return;
    if (e.type === 'validator_set_changed' && typeof e.effective_height === 'number' && e.effective_height > e.height)
      pendingAt = Math.max(pendingAt ?? 0, e.effective_height);
    updated.textContent = e.type === 'validator_set_changed'
      ? `A new validator set was decided at height ${e.height}; it takes effect at height ${e.effective_height}.`
      : `Updated on a ${e.type} event at height ${e.height}.`;
    void load(); // a past height's set does not change, but its statuses are as of the head
  });
  const offResync = live.onResync(load);
  void load();
  return () => {
    closed = true;
    off();
    offResync();
  };
};
