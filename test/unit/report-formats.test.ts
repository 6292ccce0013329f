import { renderHtml } from '../../reports/html';
import { renderJunit } from '../../reports/junit';
import { escapeMd, renderMarkdown } from '../../reports/markdown';
import { buildReport } from '../../reports/model';
import { sampleDrill, sampleIncident, sampleVerification } from '../../reports/samples';

/** The sample incident with hostile text where operators and the cloud put free text. */
function hostileIncident() {
  const r = sampleIncident();
  r.steps[2].detail = '<script>alert("step")</script> | pipe';
  r.approvals[1].comment = '</td><script>alert("comment")</script>';
  r.reasons.push('tier ledger: <b onmouseover="x()">bold</b> & "quoted"');
  return buildReport(r);
}

const rowOf = (md: string, first: string) => md.split('\n').find((l) => l.startsWith(`| ${first} |`));
const count = (text: string, re: RegExp) => (text.match(re) ?? []).length;

describe('Markdown report', () => {
  it('has the summary, the objectives table with verdicts, the inline timeline and the steps', () => {
    const md = renderMarkdown(buildReport(sampleIncident()));
    expect(md).toContain('# Incident failover: payments-platform');
    expect(md).toContain('**COMPLETED · 1 breached, 2 unmeasured of 9 objectives**');
    expect(md).toContain('- **Started by**: j.okafor');
    expect(md).toContain('- **Approvals**: m.chen (gate incident, 2026-12-03 01:52:30Z: “us-east-1 RDS outage confirmed by AWS Health”); r.alvarez (gate incident, 2026-12-03 01:53:41Z)');
    expect(md).toContain('- **Runbook**: payments-platform, sha256 `9f2c4e7a');
    expect(rowOf(md, '**payments** (RTO 30m, RPO 15m)')).toContain('| validated |  |  | **BREACHED**: 31m5s of 30m |');
    expect(rowOf(md, 'ledger-db')).toBe('| ledger-db | validated | recovery 222222222222 us-west-2 | 2026-12-03 01:47:58Z (replica-lag) |  | met: 2s of 5m | met: 3s of 5m | 2/2 |');
    expect(rowOf(md, 'reporting-db')).toContain('unmeasured: not measured (objective 1d) | none |');
    expect(md).toContain('<div>\n<svg xmlns="http://www.w3.org/2000/svg"');
    expect(rowOf(md, 'reporting/validate')).toContain('| skipped | — | — |');
    expect(md).not.toContain('## Cleanup');
  });

  it('links the timeline file instead of inlining it when asked', () => {
    const md = renderMarkdown(buildReport(sampleDrill()), { timeline: { href: 'drill report.timeline.svg' } });
    expect(md).toContain('![Timeline of drill/payments-platform/2026-11-14T09-00-00-000Z](drill%20report.timeline.svg)');
    expect(md).not.toContain('<svg');
    expect(md).toContain('6 resource(s) deleted; leak scan checked 22: nothing left behind.');
  });

  it('escapes hostile text: no HTML, no broken table cells', () => {
    const md = renderMarkdown(hostileIncident());
    const outsideSvg = md.replace(/<div>\n<svg[^]*<\/svg>\n<\/div>/, '');
    expect(outsideSvg).not.toMatch(/<script|<b |<\/td>/);
    expect(outsideSvg).toContain('&lt;script&gt;alert("step")&lt;/script&gt; \\| pipe');
    expect(rowOf(md, 'ledger/ledger-db/promote-replica')!.split(/(?<!\\)\|/)).toHaveLength(9);
    expect(escapeMd('a*b_c`d[e]#f\nline')).toBe('a\\*b\\_c\\`d\\[e\\]\\#f line');
  });
});

describe('HTML report', () => {
  it('is one self-contained page: inline CSS and SVG, no scripts, no external resources', () => {
    const html = renderHtml(buildReport(sampleIncident()));
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).toContain('<style>');
    expect(html).not.toMatch(/<script|<link|<img|src=|@import|url\((?!#tl-hatch)/);
    expect(html.match(/https?:\/\/[^"\s]*/g)).toEqual(['http://www.w3.org/2000/svg']);
  });

  it('shows the verdict, the summary, one row per tier and resource, the timeline and each step', () => {
    const m = buildReport(sampleIncident());
    const html = renderHtml(m);
    expect(html).toContain('<div class="verdict fail">COMPLETED · 1 breached, 2 unmeasured of 9 objectives</div>');
    expect(html).toContain('<dt>Started by</dt><dd>j.okafor</dd>');
    expect(html).toContain('<dt>Incident</dt><dd>INC-20261203-0148, declared 2026-12-03 01:48:00Z</dd>');
    expect(count(html, /<tr class="tier"/g)).toBe(3);
    expect(count(html, /<tr class="resource"/g)).toBe(3);
    expect(count(html, /<tr class="step"/g)).toBe(m.steps.length);
    expect(count(html, /<g class="bar"/g)).toBe(m.steps.length);
    expect(html).toMatch(/<tr class="tier" data-tier="payments">.*<span class="m breached"><b>31m5s<\/b><small>RTO 30m · BREACHED<\/small>/);
    expect(html).toMatch(/<tr class="resource" data-resource="reporting-db">.*<span class="m unmeasured"><b>not measured<\/b><small>RPO 1d · unmeasured/);
    expect(html).toContain('Nothing is rolled back after a live failover');
  });

  it('a passing drill gets the green verdict and its cleanup', () => {
    const html = renderHtml(buildReport(sampleDrill()));
    expect(html).toContain('<div class="verdict pass">COMPLETED · 1 unmeasured of 6 objectives</div>');
    expect(html).toContain('nothing left behind');
  });

  it('escapes hostile text everywhere', () => {
    const html = renderHtml(hostileIncident());
    expect(html).not.toMatch(/<script|<b onmouseover|<\/td><script/);
    expect(html).toContain('&lt;script&gt;alert(&quot;step&quot;)&lt;/script&gt; | pipe');
    expect(html).toContain('&lt;/td&gt;&lt;script&gt;alert(&quot;comment&quot;)&lt;/script&gt;');
    expect(html).toContain('&lt;b onmouseover=&quot;x()&quot;&gt;bold&lt;/b&gt; &amp; &quot;quoted&quot;');
  });
});

describe('JUnit report', () => {
  it('has a suite per tier and a case per resource and objective, failing breaches and skipping gaps', () => {
    const xml = renderJunit(buildReport(sampleVerification()));
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites ')).toBe(true);
    expect(xml).toMatch(/<testsuites name="drctl restore-test payments-platform [^"]+" tests="11" failures="3" errors="0" skipped="3"/);
    expect([...xml.matchAll(/<testsuite name="([^"]+)" tests="(\d+)" failures="(\d+)"/g)].map((m) => m.slice(1))).toEqual([
      ['ledger', '3', '0'], ['payments', '3', '2'], ['reporting', '3', '0'], ['run', '2', '1'],
    ]);
    expect(xml).toContain('<testcase name="ledger-db RTO" classname="payments-platform.ledger" time="629.000"/>');
    expect(xml).toMatch(/<testcase name="payments-db RPO \(recovery point\)" classname="payments-platform.payments" time="0.000">\n\s+<failure type="RPO breached" message="RPA 1d2h55m1s exceeds RPO 15m \(recovery point 2026-12-01 23:05:00Z, backup\)">/);
    expect(xml).toMatch(/<testcase name="payments-db RPO \(data\)"[^>]*>\n\s+<failure type="RPO breached"/);
    expect(xml).toMatch(/<testcase name="payments-db RTO"[^>]*>\n\s+<skipped message="RTA not measured: the restore of payments-db was not validated \(FAILED\)"\/>/);
    expect(xml).toMatch(/<testcase name="reporting-db RPO \(data\)"[^>]*>\n\s+<skipped message="data RPA not measured: no freshness check reported a newest row"\/>/);
    expect(xml).toMatch(/<testcase name="run status" classname="payments-platform.run" time="0.000">\n\s+<failure type="FAILED" message="payments-db: check &quot;no orphan transfers&quot; failed: 17 &gt; 0; /);
    expect(xml).toContain('<testcase name="cleanup and leak scan" classname="payments-platform.run" time="0.000"/>');
  });

  it('judges a failover\'s RTO per tier, its RPOs per resource', () => {
    const xml = renderJunit(buildReport(sampleIncident()));
    expect(xml).toMatch(/<testcase name="payments RTO"[^>]*time="1865.000">\n\s+<failure type="RTO breached" message="RTA 31m5s exceeds RTO 30m \(tier payments validated\)"/);
    expect(xml).toContain('<testcase name="ledger RTO" classname="payments-platform.ledger" time="722.000"/>');
    expect(xml).toMatch(/<testcase name="reporting RTO"[^>]*>\n\s+<skipped message="RTA not measured: tier reporting was not validated \(skipped\)"/);
    expect(count(xml, /<testcase /g)).toBe(10);
    expect(count(xml, /<failure /g)).toBe(1);
    expect(count(xml, /<skipped /g)).toBe(2);
  });

  it('escapes hostile text in names and messages', () => {
    const r = sampleVerification();
    r.results[1].resource = 'pay<ments>&"db"';
    r.results[1].reasons.push('<script>alert(1)</script>');
    const xml = renderJunit(buildReport(r));
    expect(xml).not.toMatch(/<script|<ments/);
    expect(xml).toContain('<testcase name="pay&lt;ments&gt;&amp;&quot;db&quot; RTO"');
    expect(xml).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });
});
