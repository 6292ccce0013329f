import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatProblem, parseRunbook } from '../../runbooks';

const BAD = join(__dirname, '..', 'fixtures', 'bad');

/** Every bad runbook and the exact first problem it must report: line, column, field path, message. */
const EXPECTED: Record<string, [line: number, column: number, path: string, message: string]> = {
  'yaml-syntax.yaml': [4, 1, '', 'YAML: Flow map in block collection must be sufficiently indented and end with a }'],
  'duplicate-key.yaml': [7, 1, '', 'YAML: Map keys must be unique'],
  'typo-key.yaml': [14, 9, 'tiers[0].resources[0].failovr', 'unknown field "failovr" (did you mean "failover"?)'],
  'bad-duration.yaml': [10, 12, 'tiers[0].objectives.rto', 'expected a duration like 90s, 15m, 4h or 1d'],
  'zero-objective.yaml': [9, 24, 'tiers[0].objectives.rto', 'the RTO objective must be a positive duration'],
  'account-id-number.yaml': [6, 9, 'accounts.prod.id', 'expected a 12-digit AWS account id in quotes'],
  'missing-field.yaml': [8, 5, 'tiers[0].objectives', 'missing required field "objectives" (expected object)'],
  'duplicate-resource.yaml': [16, 13, 'tiers[1].resources[0].id', 'duplicate resource id "core-db" (also in tier "core")'],
  'unknown-tier.yaml': [9, 17, 'tiers[0].dependsOn[0]', 'unknown tier "ledgr" (tiers: payments)'],
  'cycle.yaml': [9, 16, 'tiers[0].dependsOn', 'dependency cycle: ledger -> reporting -> payments -> ledger'],
  'restore-into-production.yaml': [8, 12, 'restoreTest.account', 'restore tests must never target the production account ("prod")'],
  'restore-not-isolated.yaml': [16, 28, 'tiers[0].resources[0].restoreTest.into.account', 'restore tests must target an account marked "isolated: true"; "sandbox" is not'],
  'unknown-account.yaml': [12, 18, 'tiers[0].resources[0].account', 'unknown account "shared-services" (accounts: prod)'],
  'two-failover-actions.yaml': [14, 11, 'tiers[0].resources[0].failover', 'give exactly one failover action: promoteReplica, restorePointInTime, restoreSnapshot or clusterFailover'],
  'no-production.yaml': [5, 3, 'accounts', 'no account is marked "production: true"'],
  'role-wrong-account.yaml': [5, 37, 'accounts.prod.role', 'role is in account 999999999999, not in 111111111111'],
  'check-without-expect.yaml': [15, 13, 'tiers[0].resources[0].validate[0]', 'a check needs "expect" or "freshness: true"'],
};

describe('bad runbook corpus', () => {
  it('has an expectation for every fixture and a fixture for every expectation', () => {
    expect(readdirSync(BAD).sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(Object.entries(EXPECTED))('%s reports the exact location and reason', (name, [line, column, path, message]) => {
    const file = join('test/fixtures/bad', name);
    const result = parseRunbook(readFileSync(join(BAD, name), 'utf8'), file);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems[0]).toEqual({ file, line, column, path, message });
    expect(formatProblem(result.problems[0])).toBe(`${file}:${line}:${column}: ${path ? `${path}: ` : ''}${message}`);
  });
});

describe('all problems at once', () => {
  it('reports every schema problem of a file, in source order', () => {
    const src = readFileSync(join(__dirname, '..', 'fixtures', 'minimal.yaml'), 'utf8')
      .replace('rto: 15m', 'rto: soon')
      .replace('instance: core-prod', 'instanse: core-prod')
      .replace('name: minimal', 'name: Minimal');
    const result = parseRunbook(src, 'x.yaml');
    if (result.ok) throw new Error('expected problems');
    expect(result.problems.map((p) => `${p.line}:${p.column} ${p.path}`)).toEqual([
      '3:19 metadata.name',
      '12:24 tiers[0].objectives.rto',
      '15:16 tiers[0].resources[0].rds.instanse',
    ]);
  });

  it('reports every semantic problem of a file', () => {
    const src = readFileSync(join(__dirname, '..', 'fixtures', 'minimal.yaml'), 'utf8')
      .replace('name: core\n', 'name: core\n    dependsOn: [nope, core]\n')
      .replace('account: vault', 'account: prod');
    const result = parseRunbook(src, 'x.yaml');
    if (result.ok) throw new Error('expected problems');
    expect(result.problems.map((p) => p.message)).toEqual([
      'restore tests must never target the production account ("prod")',
      'unknown tier "nope" (tiers: core)',
      'tier "core" cannot depend on itself',
    ]);
  });
});
