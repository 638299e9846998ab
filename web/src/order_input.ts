// The order form's text as a PlaceOrder payload's integers, or a sentence
// saying what is wrong, before anything is signed. kWh with at most 3
// decimals is whole Wh; WAT/kWh with at most 6 decimals is whole
// micro-units/kWh. The bounds are the chain's stateless ones
// (src/chain/tx.cpp check_stateless, market::BookLimits), so an order the
// chain could never accept is not signed at all.
import { MAX_U64, Payload } from './codec';

export const MAX_ENERGY_WH = 1_000_000_000n;
export const MAX_PRICE = 1_000_000_000_000n;

export type OrderInput = { ok: true; payload: Payload } | { ok: false; error: string };

function fixed(text: string, decimals: number): bigint {
  const [whole, frac = ''] = text.split('.');
  return BigInt(whole) * 10n ** BigInt(decimals) + BigInt(frac.padEnd(decimals, '0') || '0');
}

export function parseOrderInput(slotText: string, side: string, energyKwh: string, priceWat: string): OrderInput {
  const slot = slotText.trim(), energy = energyKwh.trim(), price = priceWat.trim();
  const wrong = (error: string): OrderInput => ({ ok: false, error });
  if (!/^\d{1,20}$/.test(slot) || BigInt(slot) > MAX_U64) return wrong('The slot must be a whole number.');
  if (side !== 'buy' && side !== 'sell') return wrong('The side must be buy or sell.');
  if (!/^\d{1,10}(\.\d{1,3})?$/.test(energy)) return wrong('Energy must be a number of kWh with at most 3 decimals (whole Wh).');
  if (!/^\d{1,13}(\.\d{1,6})?$/.test(price)) return wrong('The price must be a number of WAT/kWh with at most 6 decimals.');
  const energyWh = fixed(energy, 3), priceMicro = fixed(price, 6);
  if (energyWh <= 0n) return wrong('Energy must be more than 0 kWh.');
  if (energyWh > MAX_ENERGY_WH) return wrong('Energy must be at most 1,000,000 kWh per order.');
  if (priceMicro > MAX_PRICE) return wrong('The price must be at most 1,000,000 WAT/kWh.');
  return { ok: true, payload: { type: 'order', slot: BigInt(slot), side, energy_wh: energyWh, price: priceMicro } };
}
