// Numbers as people read them: micro-units as tokens with 6 fixed decimals,
// Wh as kWh, prices per kWh, times in the browser's zone with UTC on hover.
export const MICRO = 1_000_000;

export function tokens(micro: number | bigint): string {
  const m = BigInt(micro);
  const neg = m < 0n;
  const a = neg ? -m : m;
  const whole = a / 1_000_000n;
  const frac = (a % 1_000_000n).toString().padStart(6, '0');
  return `${neg ? '−' : ''}${whole.toLocaleString('en-US')}.${frac} WAT`;
}

export function kwh(wh: number): string {
  return `${(wh / 1000).toLocaleString('en-US', { minimumFractionDigits: 3, maximumFractionDigits: 3 })} kWh`;
}

export function pricePerKwh(microPerKwh: number | null | undefined): string {
  if (microPerKwh === null || microPerKwh === undefined) return '—';
  return `${(microPerKwh / MICRO).toLocaleString('en-US', { minimumFractionDigits: 6, maximumFractionDigits: 6 })} WAT/kWh`;
}

export function localTime(ms: number): string {
  return new Date(ms).toLocaleString(undefined, { hour12: false });
}

export function utc(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

// A <time> showing local time, UTC on hover.
export function timeEl(ms: number): HTMLTimeElement {
  const t = document.createElement('time');
  t.dateTime = new Date(ms).toISOString();
  t.title = `UTC ${utc(ms)}`;
  t.textContent = localTime(ms);
  return t;
}

export function short(hex: string, n = 10): string {
  return hex.length > n + 2 ? `${hex.slice(0, n)}…` : hex;
}

export function seconds(s: number): string {
  if (!isFinite(s)) return '—';
  return s < 1 ? `${(s * 1000).toFixed(0)} ms` : `${s.toFixed(2)} s`;
}
