// The result of a `dcsgw conformance` run and its three renderings: text for a terminal, JSON for
// scripts, JUnit XML for CI systems (one testsuite per corpus, one testcase per scenario; a
// difference is a <failure>, a scenario not run against a live cluster is <skipped>).

export type ScenarioStatus = 'conforms' | 'differs' | 'error' | 'skipped';

export interface ScenarioResult {
  /** "etcd" or "consul": the corpus the scenario belongs to. */
  suite: string;
  name: string;
  status: ScenarioStatus;
  /** differs/error: the first differing lines, expected ("-") against target ("+"). */
  diff?: string;
  /** skipped: why it is not run against a live cluster; error: what failed. */
  reason?: string;
  seconds: number;
}

export interface ConformanceReport {
  target: string;
  /** The reference cluster's URL, or the recorded expectations used instead. */
  reference: string;
  tool?: string;
  startedAt: string;
  seconds: number;
  results: ScenarioResult[];
}

export interface Counts {
  conforms: number;
  differs: number;
  error: number;
  skipped: number;
}

export function countResults(results: readonly ScenarioResult[]): Counts {
  const c: Counts = { conforms: 0, differs: 0, error: 0, skipped: 0 };
  for (const r of results) c[r.status]++;
  return c;
}

/** True when every scenario that ran answered as the reference did. */
export function conforms(report: ConformanceReport): boolean {
  const c = countResults(report.results);
  return c.differs === 0 && c.error === 0 && c.conforms > 0;
}

/** First differing lines of each differing observation, `-` expected and `+` target. */
export function diffObservations(expected: readonly string[], got: readonly string[], maxLines = 6): string | undefined {
  const parts: string[] = [];
  const steps = Math.max(expected.length, got.length);
  for (let i = 0; i < steps; i++) {
    const a = expected[i] ?? '(no step)';
    const b = got[i] ?? '(no step)';
    if (a === b) continue;
    const al = a.split('\n');
    const bl = b.split('\n');
    let first = 0;
    while (first < al.length && first < bl.length && al[first] === bl[first]) first++;
    parts.push(`  step ${i + 1}: ${(al[0] ?? '').slice(0, 160)}`);
    for (const l of al.slice(first, first + maxLines)) parts.push(`    - expected: ${l.slice(0, 300)}`);
    for (const l of bl.slice(first, first + maxLines)) parts.push(`    + target:   ${l.slice(0, 300)}`);
  }
  return parts.length ? parts.join('\n') : undefined;
}

export function renderText(report: ConformanceReport, opts: { showSkipped?: boolean } = {}): string {
  const lines: string[] = [];
  lines.push(`dcsgw conformance: ${report.target}`);
  lines.push(`reference: ${report.reference}`);
  if (report.tool) lines.push(`client: ${report.tool}`);
  for (const r of report.results) {
    if (r.status === 'differs') lines.push(`DIFFERS ${r.suite} ${r.name}\n${r.diff ?? ''}`);
    else if (r.status === 'error') lines.push(`ERROR   ${r.suite} ${r.name}: ${r.reason ?? ''}${r.diff ? `\n${r.diff}` : ''}`);
    else if (r.status === 'skipped' && opts.showSkipped) lines.push(`skipped ${r.suite} ${r.name}: ${r.reason ?? ''}`);
  }
  const suites = [...new Set(report.results.map((r) => r.suite))];
  for (const s of suites) {
    const c = countResults(report.results.filter((r) => r.suite === s));
    lines.push(`${s}: ${c.conforms} conform, ${c.differs} differ, ${c.error} failed to run, ${c.skipped} not run against a live cluster`);
  }
  lines.push(`${conforms(report) ? 'CONFORMS' : 'DOES NOT CONFORM'} (${report.seconds.toFixed(1)} s)`);
  return lines.join('\n') + '\n';
}

export function renderJson(report: ConformanceReport): string {
  const counts = countResults(report.results);
  return JSON.stringify({ conforms: conforms(report), counts, ...report }, null, 2) + '\n';
}

function xml(text: string): string {
  // XML 1.0 allows no control characters but tab, newline and carriage return
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '?')
    .replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function renderJunit(report: ConformanceReport): string {
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const all = countResults(report.results);
  out.push(`<testsuites name="dcsgw conformance" tests="${report.results.length}" failures="${all.differs}" errors="${all.error}" skipped="${all.skipped}" time="${report.seconds.toFixed(3)}">`);
  for (const suite of [...new Set(report.results.map((r) => r.suite))]) {
    const rs = report.results.filter((r) => r.suite === suite);
    const c = countResults(rs);
    const time = rs.reduce((a, r) => a + r.seconds, 0);
    out.push(`  <testsuite name="${xml(suite)}" tests="${rs.length}" failures="${c.differs}" errors="${c.error}" skipped="${c.skipped}" time="${time.toFixed(3)}" timestamp="${xml(report.startedAt)}">`);
    out.push(`    <properties><property name="target" value="${xml(report.target)}"/><property name="reference" value="${xml(report.reference)}"/></properties>`);
    for (const r of rs) {
      const open = `    <testcase classname="conformance.${xml(suite)}" name="${xml(r.name)}" time="${r.seconds.toFixed(3)}"`;
      if (r.status === 'conforms') out.push(`${open}/>`);
      else if (r.status === 'skipped') out.push(`${open}><skipped message="${xml(r.reason ?? '')}"/></testcase>`);
      else if (r.status === 'differs') out.push(`${open}><failure message="answers differ from the reference" type="difference">${xml(r.diff ?? '')}</failure></testcase>`);
      else out.push(`${open}><error message="${xml(r.reason ?? '')}" type="error">${xml(r.diff ?? '')}</error></testcase>`);
    }
    out.push('  </testsuite>');
  }
  out.push('</testsuites>');
  return out.join('\n') + '\n';
}
