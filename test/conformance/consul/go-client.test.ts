// The official Consul Go client's own test suite (github.com/hashicorp/consul/api, as the module
// ships it) and dcsgw's CLI-equivalent Go tests (go/), run against `dcsgw agent` through the
// `consul` shim (run-go-client.mjs). The committed baseline (go-client-baseline.json) lists the
// tests known to pass: this test FAILS when one of them fails or is not reached, and reports the
// others without failing, so the baseline can grow as endpoints land.
// Skips with one line when `go` is absent, or when the modules are neither cached nor reachable.
// Tuning: GO_CLIENT_BUDGET_S (seconds of test running, default 200; the baseline always runs in full), GO_CLIENT_RUN (regex of tests).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findGo, perFile, readBaseline, REPO, renderStatus, runGoClientSuite } from './run-go-client.mjs';

const go = findGo();
const budgetS = Number(process.env.GO_CLIENT_BUDGET_S ?? 200);

describe('consul: the official Go client suite against dcsgw agent', () => {
  if (!go) {
    it.skip('go-client: skipped: no `go` command on this machine', () => {});
    return;
  }
  it('passes every baseline test', { timeout: (budgetS + 600) * 1000 }, async (ctx) => {
    const baseline = readBaseline();
    const out = await runGoClientSuite({
      go,
      first: baseline,
      budgetMs: budgetS * 1000,
      only: process.env.GO_CLIENT_RUN ? new RegExp(process.env.GO_CLIENT_RUN) : undefined,
      log: (line) => console.log(line),
    });
    if (out.skipped) {
      console.log(`go-client: skipped: ${out.skipped}`);
      ctx.skip();
      return;
    }
    // The full report of this run, beside the other conformance reports (not committed).
    const reportDir = join(REPO, '.tmp');
    mkdirSync(reportDir, { recursive: true });
    writeFileSync(join(reportDir, 'go-client-status.md'), renderStatus(out, baseline) + '\n');

    for (const f of perFile(out.results)) {
      if (f.total === f.outofscope) continue;
      console.log(`  ${f.file.padEnd(42)} ${f.pass}/${f.total - f.outofscope} pass (${f.fail} fail, ${f.notrun} not run)`);
    }
    const s = out.summary;
    console.log(`go-client: ${s.pass} passed, ${s.fail} failed (${s.outofscope} out of scope)`);

    const byName = new Map(out.results.map((r) => [r.test, r]));
    const lines: string[] = [];
    for (const name of baseline) {
      const r = byName.get(name);
      if (!r) lines.push(`${name}: no longer in the suite`);
      else if (r.status === 'unselected') continue; // GO_CLIENT_RUN left it out
      else if (r.status !== 'pass') {
        const excerpt = r.excerpt?.length ? `\n      ${r.excerpt.slice(0, 4).join('\n      ')}` : '';
        lines.push(`${r.file} ${r.test}: ${r.status}${r.cause ? ` — ${r.cause}` : ''}${excerpt}`);
      }
    }
    expect(lines, `baseline tests that did not pass (full report: .tmp/go-client-status.md)`).toEqual([]);
  });
});
