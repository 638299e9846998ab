// A slot's sealed (commit–reveal) orders as the slot JSON reports them
// (docs/market.md "Sealed orders"): while a slot has pending sealed orders
// its view carries {"orders", "revealed", "window_opened_at", "reveal_blocks"};
// the slot page shows the commitments, how many are revealed, how many are
// still hidden, and where the reveal window stands.
export interface SealedSummary {
  orders: number;
  revealed: number;
  window_opened_at: number | null;
  reveal_blocks: number;
}

export interface SealedCounts {
  commitments: number;
  revealed: number;
  unrevealed: number;
  window: string;
}

export function sealedCounts(s: SealedSummary): SealedCounts {
  const unrevealed = Math.max(0, s.orders - s.revealed);
  let window: string;
  if (s.window_opened_at === null) window = `opens at the gate and lasts ${s.reveal_blocks} blocks`;
  else {
    window = `open from height ${s.window_opened_at} to ${s.window_opened_at + s.reveal_blocks - 1}`;
  }
  return { commitments: s.orders, revealed: s.revealed, unrevealed, window };
}

// One line for the slot's facts.
export function sealedText(c: SealedCounts): string {
  return `${c.commitments} sealed, ${c.revealed} revealed, ${c.unrevealed} not revealed` +
    (c.unrevealed ? ' (forfeit their deposit to the operator unless revealed in the window)' : '');
}
