/**
 * Semantic checks the schema cannot express: references, duplicates, cycles and the safety rules
 * (a restore test lands only in the isolated account, never in production). Pure functions.
 */
import { durationMs } from './duration';
import type { Path } from './errors';
import type { Runbook } from './schema';

export interface SemanticProblem {
  path: Path;
  message: string;
  /** Point at the key rather than the value (e.g. a duplicated map key). */
  onKey?: boolean;
}

export function semanticProblems(rb: Runbook): SemanticProblem[] {
  const problems: SemanticProblem[] = [];
  const add = (path: Path, message: string) => problems.push({ path, message });
  const aliases = Object.keys(rb.accounts);
  const accountRef = (path: Path, alias: string) => {
    if (!rb.accounts[alias]) add(path, `unknown account "${alias}" (accounts: ${aliases.join(', ')})`);
  };

  // Accounts: exactly one production account; ids unique; isolated never production.
  const production = aliases.filter((a) => rb.accounts[a].production);
  if (production.length !== 1) {
    add(['accounts'], production.length === 0 ? 'no account is marked "production: true"' : `more than one production account: ${production.join(', ')}`);
  }
  const byId = new Map<string, string>();
  for (const alias of aliases) {
    const acct = rb.accounts[alias];
    const seen = byId.get(acct.id);
    if (seen) add(['accounts', alias, 'id'], `account id ${acct.id} is also used by "${seen}"`);
    byId.set(acct.id, alias);
    if (acct.production && acct.isolated) add(['accounts', alias, 'isolated'], 'the production account cannot be the isolated restore-test account');
    const roleAccount = acct.role.split(':')[4];
    if (roleAccount !== acct.id) add(['accounts', alias, 'role'], `role is in account ${roleAccount}, not in ${acct.id}`);
  }
  if (rb.regions.primary === rb.regions.recovery) add(['regions', 'recovery'], 'the recovery region must differ from the primary region');

  // Restore-test targets: isolated, not production (by alias and by account id).
  const checkRestoreTarget = (path: Path, alias: string) => {
    const acct = rb.accounts[alias];
    if (!acct) return accountRef(path, alias);
    const prodIds = production.map((p) => rb.accounts[p].id);
    if (acct.production || prodIds.includes(acct.id)) add(path, `restore tests must never target the production account ("${alias}")`);
    else if (!acct.isolated) add(path, `restore tests must target an account marked "isolated: true"; "${alias}" is not`);
  };
  if (rb.restoreTest) checkRestoreTarget(['restoreTest', 'account'], rb.restoreTest.account);
  if (rb.recovery) {
    accountRef(['recovery', 'account'], rb.recovery.account);
    if (rb.accounts[rb.recovery.account]?.production) add(['recovery', 'account'], 'the recovery target cannot be the production account');
  }

  // Tiers and resources: names unique, references known, objectives positive.
  const tierNames = new Set<string>();
  const resourceIds = new Map<string, string>();
  rb.tiers.forEach((tier, t) => {
    if (tierNames.has(tier.name)) add(['tiers', t, 'name'], `duplicate tier name "${tier.name}"`);
    tierNames.add(tier.name);
    for (const key of ['rto', 'rpo'] as const) {
      if (durationMs(tier.objectives[key]) <= 0) add(['tiers', t, 'objectives', key], `the ${key.toUpperCase()} objective must be a positive duration`);
    }
    tier.resources.forEach((res, r) => {
      const at: Path = ['tiers', t, 'resources', r];
      const other = resourceIds.get(res.id);
      if (other) add([...at, 'id'], `duplicate resource id "${res.id}" (also in tier "${other}")`);
      resourceIds.set(res.id, tier.name);
      if (res.account) accountRef([...at, 'account'], res.account);
      if (res.restoreTest) {
        const into = res.restoreTest.into;
        if (into?.account) checkRestoreTarget([...at, 'restoreTest', 'into', 'account'], into.account);
        else if (!rb.restoreTest) add([...at, 'restoreTest'], 'no restore-test target: set the top-level "restoreTest" or "restoreTest.into" with account, region, subnetGroup and securityGroups');
        if (res.restoreTest.from.within && durationMs(res.restoreTest.from.within) <= 0) add([...at, 'restoreTest', 'from', 'within'], 'the window must be a positive duration');
      }
      if (res.failover?.promoteReplica && res.rds.cluster) add([...at, 'failover', 'promoteReplica'], 'promoteReplica applies to RDS instances, not clusters');
      if (res.failover?.clusterFailover && res.rds.instance) add([...at, 'failover', 'clusterFailover'], 'clusterFailover applies to Aurora clusters, not instances');
      if ((res.validate?.length ?? 0) > 0 && !res.credentials) add([...at, 'credentials'], 'validation checks need "credentials.secret" to connect to the restored database');
      const checkNames = new Set<string>();
      res.validate?.forEach((check, c) => {
        if (checkNames.has(check.name)) add([...at, 'validate', c, 'name'], `duplicate check name "${check.name}"`);
        checkNames.add(check.name);
      });
    });
  });
  rb.tiers.forEach((tier, t) =>
    tier.dependsOn?.forEach((dep, d) => {
      if (dep === tier.name) add(['tiers', t, 'dependsOn', d], `tier "${tier.name}" cannot depend on itself`);
      else if (!tierNames.has(dep)) add(['tiers', t, 'dependsOn', d], `unknown tier "${dep}" (tiers: ${[...tierNames].join(', ')})`);
    }),
  );
  const cycle = findCycle(rb.tiers.map((t) => ({ name: t.name, dependsOn: (t.dependsOn ?? []).filter((d) => tierNames.has(d) && d !== t.name) })));
  if (cycle) {
    const t = rb.tiers.findIndex((tier) => tier.name === cycle[0]);
    add(['tiers', t, 'dependsOn'], `dependency cycle: ${cycle.join(' -> ')}`);
  }

  const trafficNames = new Set<string>();
  rb.traffic?.forEach((sw, s) => {
    if (trafficNames.has(sw.name)) add(['traffic', s, 'name'], `duplicate traffic switch "${sw.name}"`);
    trafficNames.add(sw.name);
    sw.after.forEach((dep, d) => {
      if (!tierNames.has(dep)) add(['traffic', s, 'after', d], `unknown tier "${dep}" (tiers: ${[...tierNames].join(', ')})`);
    });
  });
  const topic = rb.notifications?.sns?.topicArn;
  if (topic && !Object.values(rb.accounts).some((a) => a.id === topic.split(':')[4])) {
    add(['notifications', 'sns', 'topicArn'], `the topic's account ${topic.split(':')[4]} is not one of the runbook's accounts`);
  }
  for (const [kind, policy] of Object.entries(rb.approvals ?? {})) {
    if (policy && durationMs(policy.timeout) <= 0) add(['approvals', kind, 'timeout'], 'the approval timeout must be a positive duration');
  }
  return problems;
}

/** The first dependency cycle found, as names from a tier back to itself, or undefined. */
export function findCycle(nodes: Array<{ name: string; dependsOn: string[] }>): string[] | undefined {
  const deps = new Map(nodes.map((n) => [n.name, n.dependsOn]));
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (name: string): string[] | undefined => {
    if (state.get(name) === 'done') return undefined;
    if (state.get(name) === 'visiting') return [...stack.slice(stack.indexOf(name)), name];
    state.set(name, 'visiting');
    stack.push(name);
    for (const dep of deps.get(name) ?? []) {
      const found = visit(dep);
      if (found) return found;
    }
    stack.pop();
    state.set(name, 'done');
    return undefined;
  };
  for (const n of nodes) {
    const found = visit(n.name);
    if (found) return found;
  }
  return undefined;
}
