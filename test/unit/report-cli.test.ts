import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildReport } from '../../reports/model';
import { sampleDrill, sampleIncident } from '../../reports/samples';

const DRCTL = path.join(__dirname, '..', '..', 'bin', 'drctl.js');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'drctl-report-'));
const write = (name: string, value: unknown) => {
  const file = path.join(dir, name);
  fs.writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value));
  return file;
};
const drctl = (...args: string[]) => {
  const env: NodeJS.ProcessEnv = { ...process.env, DRCTL_SANDBOX_DIR: path.join(dir, 'no-sandbox') };
  delete env.TEMPORAL_ADDRESS;
  return spawnSync(process.execPath, [DRCTL, 'report', ...args], { encoding: 'utf8', env, timeout: 60_000 });
};

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('drctl report --from', () => {
  const drill = write('drill.json', sampleDrill());
  const incident = write('incident.json', sampleIncident());

  it('prints the JSON model of a passing drill and exits 0', () => {
    const r = drctl('--from', drill, '--format', 'json');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(buildReport(sampleDrill()));
  });

  it('writes a report file and exits 1 when the run breached an objective', () => {
    const out = path.join(dir, 'out', 'incident.xml');
    const r = drctl('--from', incident, '--format', 'junit', '--out', out);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`wrote ${out} (Incident failover, COMPLETED)`);
    expect(fs.readFileSync(out, 'utf8')).toContain('<failure type="RTO breached"');
  });

  it('writes a Markdown file with its timeline SVG beside it', () => {
    const out = path.join(dir, 'drill.md');
    expect(drctl('--from', drill, '--format', 'md', '--out', out).status).toBe(0);
    expect(fs.readFileSync(out, 'utf8')).toContain('](drill.timeline.svg)');
    expect(fs.readFileSync(path.join(dir, 'drill.timeline.svg'), 'utf8')).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  });

  it('exits 2 on an unknown format, a file that is no run record, or no run at all', () => {
    const bad = drctl('--from', drill, '--format', 'pdf');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('unknown format "pdf": use one of md, html, json, junit');
    expect(drctl('--from', write('other.json', { kind: 'invoice' }), '--format', 'md').stderr).toContain('is not a drctl run record');
    expect(drctl('--from', write('broken.json', '{"kind": '), '--format', 'md').status).toBe(2);
    expect(drctl('--format', 'md').stderr).toContain('give the run\'s workflow id, or --from FILE');
  });
});
