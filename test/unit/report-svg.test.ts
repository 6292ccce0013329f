import { buildReport } from '../../reports/model';
import { sampleDrill, sampleFailback, sampleIncident, sampleVerification } from '../../reports/samples';
import { renderTimelineSvg } from '../../reports/timeline-svg';

const bars = (svg: string) => [...svg.matchAll(/<g class="bar" data-step="([^"]*)" data-status="([^"]*)"><title>[^<]*<\/title><rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)"/g)]
  .map(([, id, status, x, w]) => ({ id, status, x: Number(x), end: Number(x) + Number(w) }));
const rtoLines = (svg: string) => [...svg.matchAll(/<g class="rto" data-tier="([^"]*)" data-verdict="([^"]*)"><line x1="([\d.]+)"/g)]
  .map(([, tier, verdict, x]) => ({ tier, verdict, x: Number(x) }));

describe('SVG timeline', () => {
  it.each([
    ['incident', sampleIncident()], ['drill', sampleDrill()], ['failback', sampleFailback()], ['restore verification', sampleVerification()],
  ] as const)('draws one bar per step of the %s, in a band per tier', (_, record) => {
    const model = buildReport(record);
    const svg = renderTimelineSvg(model);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.endsWith('</svg>')).toBe(true);
    expect(bars(svg).map((b) => b.id)).toEqual(expect.arrayContaining(model.steps.map((s) => s.id)));
    expect(bars(svg)).toHaveLength(model.steps.length);
    for (const t of model.tiers) expect(svg).toContain(`data-band="${t.name}"`);
    expect(svg).not.toMatch(/href="http|<image|<script|xlink:href/);
  });

  it('marks each tier\'s RTO at T_start + RTO, so a bar crossing it shows the breach', () => {
    const svg = renderTimelineSvg(buildReport(sampleIncident()));
    const lines = rtoLines(svg);
    expect(lines.map((l) => [l.tier, l.verdict])).toEqual([['ledger', 'met'], ['payments', 'breached']]);
    const byId = Object.fromEntries(bars(svg).map((b) => [b.id, b]));
    const ledger = lines.find((l) => l.tier === 'ledger')!;
    const payments = lines.find((l) => l.tier === 'payments')!;
    expect(byId['ledger/validate'].end).toBeLessThan(ledger.x);
    expect(byId['payments/validate'].x).toBeLessThan(payments.x);
    expect(byId['payments/validate'].end).toBeGreaterThan(payments.x);
    // Axis: T_start is x of offset 0; 30m sits twice as far from it as 15m.
    const t0 = Number(/<line x1="([\d.]+)"[^>]*stroke="#1f2933"/.exec(svg)![1]);
    expect(payments.x - t0).toBeCloseTo(2 * (ledger.x - t0), 0);
  });

  it('annotates an RTO far off the scale at the right edge instead of squashing the chart', () => {
    const svg = renderTimelineSvg(buildReport(sampleIncident()));
    expect(svg).toMatch(/<text class="note rto-off" data-tier="reporting"[^>]*>RTO 4h at \+4h ▸ off-scale<\/text>/);
    expect(svg).toContain('>+40m</text>');
    expect(svg).not.toContain('>+1h</text>');
  });

  it('draws a restore test\'s RTO line per resource, from that resource\'s own start', () => {
    const lines = rtoLines(renderTimelineSvg(buildReport(sampleVerification())));
    expect(lines.map((l) => [l.tier, l.verdict])).toEqual([['ledger', 'met'], ['payments', 'unmeasured']]);
  });

  it('marks approvals with the approver and draws never-run steps hatched', () => {
    const svg = renderTimelineSvg(buildReport(sampleIncident()));
    expect(svg.match(/<g class="approval">/g)).toHaveLength(2);
    expect(svg).toContain('✔ m.chen approved incident · 2026-12-03 01:52:30Z');
    expect(svg).toContain('✔ r.alvarez approved incident · 2026-12-03 01:53:41Z');
    expect(bars(svg).find((b) => b.id === 'reporting/validate')?.status).toBe('skipped');
    expect(svg).toMatch(/data-step="reporting\/validate"[^]*?fill="url\(#tl-hatch\)"/);
  });

  it('is deterministic and escapes hostile text in ids, details and names', () => {
    const r = sampleIncident();
    r.steps[2].detail = '<script>alert("x")</script> & more';
    r.steps[3].id = 'ledger/<img src=x onerror=alert(1)>';
    r.approvals[0].approver = '"><script>alert(2)</script>';
    const model = buildReport(r);
    const svg = renderTimelineSvg(model);
    expect(renderTimelineSvg(buildReport(r))).toBe(svg);
    expect(svg).not.toMatch(/<script|<img/);
    expect(svg).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; more');
    expect(svg).toContain('data-step="ledger/&lt;img src=x onerror=alert(1)&gt;"');
    expect(svg).toContain('✔ &quot;&gt;&lt;script&gt;alert(2)&lt;/script&gt; approved');
  });
});
