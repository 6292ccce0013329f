/** Durations in runbooks are written `90s`, `15m`, `4h`, `1d` or combined (`1h30m`). */
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
export const DURATION_PATTERN = /^(\d+(ms|s|m|h|d))+$/;

/** Milliseconds of a duration string; throws on anything else. */
export function durationMs(text: string): number {
  if (!DURATION_PATTERN.test(text)) throw new Error(`not a duration: "${text}"`);
  let total = 0;
  for (const [, n, unit] of text.matchAll(/(\d+)(ms|s|m|h|d)/g)) total += Number(n) * UNIT_MS[unit];
  return total;
}

/** Short human form: 90000 → "1m30s", 0 → "0s"; negative values keep their sign. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  const sign = ms < 0 ? '-' : '';
  let rest = Math.round(Math.abs(ms) / 1000);
  if (rest === 0) return `${sign}${Math.round(Math.abs(ms))}ms`.replace(/^(-?)0ms$/, '$10s');
  const parts: string[] = [];
  for (const [unit, size] of [['d', 86400], ['h', 3600], ['m', 60], ['s', 1]] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  return sign + parts.join('');
}
