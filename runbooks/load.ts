/**
 * Reads a runbook file: YAML syntax, then the zod schema, then the semantic checks, and reports every
 * problem with file, line, column and field path. Nothing here touches the cloud.
 */
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { isMap, isSeq, isScalar, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { $ZodIssue } from 'zod/v4/core';
import { RunbookSchema, type Runbook } from './schema';
import { semanticProblems } from './checks';
import { formatPath, RunbookInvalidError, type Path, type RunbookProblem } from './errors';

export interface LoadedRunbook {
  runbook: Runbook;
  file: string;
  /** sha256 of the exact bytes read: evidence pins the runbook a run used. */
  sha256: string;
  source: string;
}

export type ParseResult = { ok: true; loaded: LoadedRunbook } | { ok: false; problems: RunbookProblem[] };

/** Parses runbook text; `file` only names it in messages. */
export function parseRunbook(source: string, file: string): ParseResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(source, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number) => lineCounter.linePos(offset);

  if (doc.errors.length > 0) {
    return {
      ok: false,
      problems: doc.errors.map((e) => {
        const { line, col } = at(e.pos[0]);
        return { file, line, column: col, path: '', message: `YAML: ${e.message.split('\n')[0]}` };
      }),
    };
  }
  const place = (path: Path, onKey = false) => {
    const { offset, exists } = locate(doc, path, onKey);
    const { line, col } = at(offset);
    return { line, column: col, exists };
  };

  const parsed = RunbookSchema.safeParse(doc.toJS());
  if (!parsed.success) {
    return { ok: false, problems: sortProblems(parsed.error.issues.flatMap((issue) => zodProblems(issue, file, place))) };
  }
  const semantic = semanticProblems(parsed.data).map(({ path, message, onKey }) => {
    const { line, column } = place(path, onKey);
    return { file, line, column, path: formatPath(path), message };
  });
  if (semantic.length > 0) return { ok: false, problems: sortProblems(semantic) };
  const sha256 = createHash('sha256').update(source).digest('hex');
  return { ok: true, loaded: { runbook: parsed.data, file, sha256, source } };
}

/** Reads and parses a runbook file, throwing `RunbookInvalidError` with every problem. */
export function loadRunbookFile(file: string): LoadedRunbook {
  let source: string;
  try {
    source = readFileSync(file, 'utf8');
  } catch (err) {
    throw new RunbookInvalidError([{ file, line: 1, column: 1, path: '', message: `cannot read file: ${(err as Error).message}` }]);
  }
  const result = parseRunbook(source, file);
  if (!result.ok) throw new RunbookInvalidError(result.problems);
  return result.loaded;
}

type Place = (path: Path, onKey?: boolean) => { line: number; column: number; exists: boolean };

function zodProblems(issue: $ZodIssue, file: string, place: Place): RunbookProblem[] {
  const path = issue.path as Path;
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => {
      const { line, column } = place([...path, key], true);
      return { file, line, column, path: formatPath([...path, key]), message: `unknown field "${key}"${suggest(key, issue)}` };
    });
  }
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    // A union failed every branch: report the branch that got furthest, it names the real mistake.
    const deepest = issue.errors.map((branch) => branch as $ZodIssue[]).sort((a, b) => depth(b) - depth(a))[0];
    if (deepest.length > 0 && depth(deepest) > path.length) return deepest.flatMap((i) => zodProblems(i, file, place));
  }
  const { line, column, exists } = place(path);
  let message = issue.message;
  if (!exists && issue.code === 'invalid_type') {
    message = `missing required field "${String(path[path.length - 1])}" (${message.replace(/, received undefined$/, '').replace(/^Invalid input: /, '')})`;
  }
  return [{ file, line, column, path: formatPath(path), message }];
}

const depth = (issues: $ZodIssue[]) => Math.max(0, ...issues.map((i) => i.path.length));

/** Unknown-key errors name the closest known key, since the usual cause is a typo. */
function suggest(key: string, _issue: $ZodIssue): string {
  const known = KNOWN_KEYS.filter((k) => k !== key && editDistance(k.toLowerCase(), key.toLowerCase()) <= 2);
  return known.length > 0 ? ` (did you mean "${known[0]}"?)` : '';
}

const KNOWN_KEYS = [
  'apiVersion', 'kind', 'metadata', 'name', 'owner', 'description', 'labels', 'accounts', 'id', 'role', 'externalId',
  'production', 'isolated', 'evidence', 'bucket', 'prefix', 'retention', 'regions', 'primary', 'recovery', 'approvals',
  'incident', 'drill', 'failback', 'approvers', 'timeout', 'restoreTest', 'account', 'region', 'subnetGroup',
  'securityGroups', 'kmsKey', 'vault', 'backupRole', 'instanceClass', 'parallelism', 'tiers', 'dependsOn', 'objectives',
  'rto', 'rpo', 'approvalGate', 'resources', 'rds', 'instance', 'cluster', 'credentials', 'secret', 'database',
  'failover', 'promoteReplica', 'restorePointInTime', 'latest', 'at', 'restoreSnapshot', 'pick', 'within',
  'clusterFailover', 'globalCluster', 'targetCluster', 'from', 'into', 'backupVault', 'snapshots', 'validate', 'sql',
  'expect', 'freshness', 'traffic', 'route53', 'zone', 'record', 'type', 'recoveryValue', 'primaryValue', 'ttl', 'after',
  'allowed', 'maxLag', 'keepRecoveryCopies', 'notifications', 'sns', 'topicArn', 'webhook', 'url', 'on', 'every',
];

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length];
}

/**
 * Source offset of the node at `path`, or of its key when `onKey`. A path that does not exist
 * (a missing field) resolves to the nearest existing parent, so the message points where to add it.
 */
function locate(doc: Document, path: Path, onKey: boolean): { offset: number; exists: boolean } {
  let node: Node | null = doc.contents as Node | null;
  let offset = node?.range?.[0] ?? 0;
  for (let i = 0; i < path.length; i++) {
    const part = path[i];
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(part));
      if (!pair) return { offset, exists: false };
      if (last && onKey && isScalar(pair.key)) return { offset: pair.key.range?.[0] ?? offset, exists: true };
      node = (pair.value as Node | null) ?? null;
      offset = node?.range?.[0] ?? (isScalar(pair.key) ? (pair.key.range?.[0] ?? offset) : offset);
    } else if (isSeq(node) && typeof part === 'number') {
      const item = node.items[part] as Node | undefined;
      if (!item) return { offset, exists: false };
      node = item;
      offset = item.range?.[0] ?? offset;
    } else {
      return { offset, exists: false };
    }
  }
  return { offset, exists: true };
}

function sortProblems(problems: RunbookProblem[]): RunbookProblem[] {
  return [...problems].sort((a, b) => a.line - b.line || a.column - b.column || a.path.localeCompare(b.path));
}
