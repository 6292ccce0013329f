/** Runbook changes shared by the failover tests (not a test file). */
import type { Runbook } from '../../runbooks';

/** Adds a fast branch: tier `analytics` (a second resource over reporting's copy) after `reporting`. */
export function ledgerSlowBranch(rb: Runbook): void {
  const reporting = rb.tiers.find((t) => t.name === 'reporting')!;
  rb.tiers.push({
    name: 'analytics', dependsOn: ['reporting'], objectives: { rto: '4h', rpo: '1d' },
    resources: [{ ...structuredClone(reporting.resources[0]), id: 'analytics-db', restoreTest: undefined }],
  });
}

/** A validation check on `tier` that fails until table `name` exists in the restored copy. */
export function checkNeedsTable(tier: string, name: string) {
  return (rb: Runbook): void => {
    const res = rb.tiers.find((t) => t.name === tier)!.resources[0];
    res.validate = [...(res.validate ?? []), { name: `${name} present`, sql: `select count(*) from ${name}`, expect: '>= 0' }];
  };
}
