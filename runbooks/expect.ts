/** Evaluates a validation check's `expect` (`>= 1`, `= 0`, `= 'EUR'`) against a query's first value. Pure. */

export interface CheckOutcome {
  passed: boolean;
  detail: string;
}

export function evaluateExpectation(expect: string, value: unknown): CheckOutcome {
  const m = /^(>=|<=|!=|=|>|<)\s*(.+)$/.exec(expect.trim());
  if (!m) return { passed: false, detail: `cannot read expectation "${expect}"` };
  const [, op, rawExpected] = m;
  const quoted = /^'(.*)'$/.exec(rawExpected.trim());
  const shown = value === null || value === undefined ? 'null' : value instanceof Date ? value.toISOString() : String(value);
  if (value === null || value === undefined) return { passed: false, detail: `got null, expected ${expect}` };
  let cmp: number;
  if (quoted) {
    cmp = shown.localeCompare(quoted[1]);
  } else {
    const expected = Number(rawExpected);
    const actual = Number(shown);
    if (!Number.isFinite(expected) || !Number.isFinite(actual)) return { passed: false, detail: `got ${shown}, not comparable with ${expect}` };
    cmp = actual === expected ? 0 : actual < expected ? -1 : 1;
  }
  const passed = { '=': cmp === 0, '!=': cmp !== 0, '>': cmp > 0, '>=': cmp >= 0, '<': cmp < 0, '<=': cmp <= 0 }[op as '='];
  return { passed, detail: `got ${shown}, expected ${expect}` };
}
