/**
 * The HTML report renders in headless Chromium (Debian's package, installed on demand by
 * reports/install-browser.sh) with no console error and no request beyond its own file, shows the
 * timeline and the tables, and leaves a screenshot in .drctl/report-screenshot.png.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { renderHtml } from '../../reports/html';
import { buildReport } from '../../reports/model';
import { sampleIncident, sampleVerification } from '../../reports/samples';
import { drctl } from '../harness/cli';

const ROOT = path.join(__dirname, '..', '..');
const OUT = path.join(ROOT, '.drctl');
const CHROMIUM = '/usr/bin/chromium';

let context: BrowserContext;
let profile: string;

beforeAll(async () => {
  const install = spawnSync('bash', [path.join(ROOT, 'reports', 'install-browser.sh')], { encoding: 'utf8', timeout: 900_000 });
  if (install.status !== 0) throw new Error(`reports/install-browser.sh failed (${install.status}): ${install.stderr}`);
  profile = fs.mkdtempSync(path.join(os.tmpdir(), 'drctl-chromium-'));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}, 900_000);

afterAll(async () => {
  await context?.close();
  if (profile) fs.rmSync(profile, { recursive: true, force: true });
});

/** Opens an HTML report from a file and records console errors, page errors and every request. */
async function open(name: string, html: string) {
  fs.mkdirSync(OUT, { recursive: true });
  const file = path.join(OUT, name);
  fs.writeFileSync(file, html);
  const page = await context.newPage();
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(`file://${file}`, { waitUntil: 'load' });
  return { page, errors, requests, url: `file://${file}` };
}

describe('HTML report in headless Chromium', () => {
  it('renders the incident report with its timeline and tables, no console error, no outside request', async () => {
    const record = sampleIncident();
    record.steps[2].detail = '<script>console.error("injected")</script><img src=x onerror="console.error(1)">';
    const model = buildReport(record);
    const { page, errors, requests, url } = await open('report-test-incident.html', renderHtml(model));
    try {
      expect(errors).toEqual([]);
      expect(requests).toEqual([url]);
      expect(await page.title()).toBe('Incident failover: payments-platform — COMPLETED · 1 breached, 2 unmeasured of 9 objectives');
      expect(await page.locator('svg.tl g.bar').count()).toBe(model.steps.length);
      expect(await page.locator('svg.tl g.rto').count()).toBe(2);
      expect(await page.locator('svg.tl g.approval').count()).toBe(2);
      expect(await page.locator('table.objectives tr.tier').count()).toBe(3);
      expect(await page.locator('table.objectives tr.resource').count()).toBe(3);
      expect(await page.locator('table.steps tr.step').count()).toBe(model.steps.length);
      expect(await page.locator('tr[data-step="ledger/ledger-db/promote-replica"] td.detail').textContent()).toContain('<script>console.error("injected")</script>');
      const box = await page.locator('svg.tl').boundingBox();
      expect(box!.width).toBeGreaterThan(900);
      expect(box!.height).toBeGreaterThan(250);
      // Nothing spills out of the page sideways at a laptop's width.
      expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(1280);
      await page.screenshot({ path: path.join(OUT, 'report-screenshot.png'), fullPage: true });
    } finally {
      await page.close();
    }
  });

  it('renders a restore verification report the same way', async () => {
    const model = buildReport(sampleVerification());
    const { page, errors } = await open('report-test-verification.html', renderHtml(model));
    try {
      expect(errors).toEqual([]);
      expect(await page.locator('svg.tl g.bar').count()).toBe(21);
      expect(await page.locator('table.objectives tr.resource').count()).toBe(3);
      expect(await page.locator('.verdict.fail').textContent()).toBe('FAILED · 2 breached, 3 unmeasured of 9 objectives');
    } finally {
      await page.close();
    }
  });
});

describe('drctl report against Temporal', () => {
  it('exits 1 for a run that does not exist', () => {
    const r = drctl('report-test', ['report', 'restore-verification/no-such-run', '--format', 'md']);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('no run restore-verification/no-such-run');
  });
});
