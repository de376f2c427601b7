// Differential conformance with TLS and authentication on three-member clusters: genuine etcd 3.4.23
// and dcsgw started with the same flags, auth enabled by the first scenario (root, and alice with a
// role on prefixes), in three configurations (CONFIGS): CA certificates on both ports with
// --client-cert-auth / --peer-client-cert-auth and simple tokens; CA client certificates with
// --peer-auto-tls and RS256 JWT tokens; --auto-tls on both ports (etcd then drops client-cert auth).
// The harness's own clients (gRPC, etcd3, JSON gateway, etcdctl) are root by their certificate's CN;
// in the password configurations every etcdctl step also logs in as root (a token per call).
// Scenarios: scenarios/tls-auth.ts (alice by password and by CN, a CN that is no user, bad
// credentials, permission changes), then the corpus that makes sense with auth always on
// (tls-auth-support.ts skipReason): all of it in the CN configuration, everyday and kv plus 1 in 4
// of the rest in the password ones.
// Counts per configuration are printed and written to .tmp/conformance-tls-auth-report-<config>-<target>.txt.
//   CONFORMANCE_TARGET=etcd: harness self-check (genuine vs genuine).  CONFORMANCE_ONLY=<regex>: a subset.
//   TLS_AUTH_CONFIG=<regex>: only the matching configurations.  TLS_AUTH_SAMPLE=n: 1 in n of the sampled tables.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasDcsgwBuild, repoRoot, skipUnlessBinaries, stopAllProcesses, type MemberKind, type RunningMember } from '../support/index.js';
import { compareRuns, dumpAll } from './harness/compare.js';
import { TargetRunner, type ScenarioOutcome } from './harness/runner.js';
import { knownTlsAuthDifferences } from './known-differences.js';
import { autoTlsCert, etcdctlOnlyReason, makeAuthPki, placeCnCerts, skipReason, startTlsAuthCluster, type AuthPki, type TlsAuthConfig } from './tls-auth-support.js';
import { allScenarios } from '../../src/compat/conformance/etcd/scenarios/index.js';
import { everydayScenarios } from '../../src/compat/conformance/etcd/scenarios/everyday.js';
import { kvScenarios } from '../../src/compat/conformance/etcd/scenarios/kv.js';
import { tlsAuthScenarios, tlsAuthSetupScenario } from '../../src/compat/conformance/etcd/scenarios/tls-auth.js';
import type { Scenario } from '../../src/compat/conformance/etcd/types.js';

const targetKind: MemberKind =
  process.env.CONFORMANCE_TARGET === 'etcd' ? 'etcd' : process.env.CONFORMANCE_TARGET === 'dcsgw' || hasDcsgwBuild() ? 'dcsgw' : 'etcd';
const only = process.env.CONFORMANCE_ONLY ? new RegExp(process.env.CONFORMANCE_ONLY) : undefined;

/** Every `sample`th scenario of the tables other than everyday and kv (they run fully). */
const SAMPLE_OVERRIDE = process.env.TLS_AUTH_SAMPLE ? Number(process.env.TLS_AUTH_SAMPLE) : undefined;
const full = new Set([...everydayScenarios, ...kvScenarios].map((s) => s.name));

function corpusSubset(SAMPLE: number): { run: Scenario[]; skipped: Array<[string, string]> } {
  const run: Scenario[] = [];
  const skipped: Array<[string, string]> = [];
  let other = 0;
  for (const s of allScenarios) {
    const why = skipReason(s);
    if (why) {
      skipped.push([s.name, why]);
      continue;
    }
    if (!full.has(s.name) && other++ % SAMPLE !== 0) {
      skipped.push([s.name, `not in the 1-in-${SAMPLE} sample`]);
      continue;
    }
    run.push(s);
  }
  return { run, skipped };
}

/** `sample`: the CN configuration costs nothing per call and runs the whole corpus that applies;
 * the password ones pay a bcrypt login per etcdctl call (on both sides) and run a sample. */
const CONFIGS: Array<TlsAuthConfig & { sample: number }> = [
  { name: 'ca-peers-simple-tokens-cn-auth', client: 'ca', peer: 'ca', tokens: 'simple', ctlPassword: false, sample: 1 },
  { name: 'auto-tls-peers-jwt-rs256-passwords', client: 'ca', peer: 'auto', tokens: 'jwt', ctlPassword: true, sample: 4 },
  { name: 'auto-tls-both-simple-tokens-passwords', client: 'auto', peer: 'auto', tokens: 'simple', ctlPassword: true, sample: 4 },
];

/** The scenarios a configuration runs, and those it leaves out with the reason. */
function selection(config: TlsAuthConfig & { sample: number }): { scenarios: Scenario[]; skipped: Array<[string, string]> } {
  const subset = corpusSubset(SAMPLE_OVERRIDE ?? config.sample);
  const skipped = [...subset.skipped];
  const scenarios: Scenario[] = [];
  for (const s of [...tlsAuthScenarios, ...subset.run]) {
    const why = config.client === 'auto' ? etcdctlOnlyReason(s) : undefined;
    if (why) skipped.push([s.name, why]);
    else scenarios.push(s);
  }
  return { scenarios: scenarios.filter((s) => !only || only.test(s.name)), skipped: skipped.filter(([n]) => !only || only.test(n)) };
}

/** Order left to chance by etcd with more than one member: /debug/vars prints raft's progress by
 * ranging over a Go map (a different order from one request to the next); compared sorted. */
function sortRaftProgress(outcomes: ScenarioOutcome[]): ScenarioOutcome[] {
  const sortLine = (line: string) => (line.startsWith('progress: ') ? `progress: ${line.slice(10).split('; ').sort().join('; ')}` : line);
  return outcomes.map((o) => ({ ...o, observations: o.observations.map((t) => t.split('\n').map(sortLine).join('\n')) }));
}

async function runAll(r: TargetRunner, list: Scenario[]): Promise<ScenarioOutcome[]> {
  const out: ScenarioOutcome[] = [];
  for (const s of list) out.push(await r.run(s));
  return out;
}

const configOnly = process.env.TLS_AUTH_CONFIG ? new RegExp(process.env.TLS_AUTH_CONFIG) : undefined;

for (const config of CONFIGS.filter((c) => !configOnly || configOnly.test(c.name))) {
  const { scenarios, skipped: skippedBySelection } = selection(config);
  describe.skipIf(skipUnlessBinaries('etcd', 'etcdctl', 'openssl'))(`conformance with TLS and auth (${config.name}): genuine etcd vs ${targetKind}`, () => {
    let pki: AuthPki;
    let a: RunningMember[];
    let b: RunningMember[];

    beforeAll(async () => {
      pki = makeAuthPki();
      [a, b] = await Promise.all([startTlsAuthCluster('etcd', config, pki), startTlsAuthCluster(targetKind, config, pki)]);
    }, 120_000);
    afterAll(stopAllProcesses);

    it(`every scenario answers as genuine etcd does (setup + ${scenarios.length} scenarios)`, { timeout: 400_000 }, async () => {
      // --auto-tls: the first member's self-signed certificate is what the clients trust
      const tlsOf = (ms: RunningMember[]) => ({ ca: config.client === 'ca' ? pki.ca : autoTlsCert(ms[0] as RunningMember), cert: pki.rootCert, key: pki.rootKey });
      const ra = new TargetRunner(a, { tls: tlsOf(a) });
      const rb = new TargetRunner(b, { tls: tlsOf(b) });
      const started = Date.now();
      let results: [ScenarioOutcome[], ScenarioOutcome[]];
      try {
        for (const r of [ra, rb]) placeCnCerts(pki, r.tmp);
        const setup = await Promise.all([ra.run(tlsAuthSetupScenario), rb.run(tlsAuthSetupScenario)]);
        if (config.ctlPassword) {
          // etcdctl logs in as root by password from here on (a token per call); the CN still
          // authenticates the harness's gRPC, etcd3 and gateway clients
          for (const r of [ra, rb]) {
            const ctl = Reflect.get(r, 'ctlTls') as string[];
            Reflect.set(r, 'ctlTls', [...ctl, '--user=root:rootpw']);
          }
        }
        if (config.client === 'auto') {
          // no client certificate is asked for: the harness's own unary calls (seeds, the revision
          // each scenario starts from, lease cleanup) carry a root token instead
          for (const r of [ra, rb]) {
            const login = await r.grpc.unary('Auth.Authenticate', { name: 'root', password: 'rootpw' });
            const token = (login.value as { token?: string } | undefined)?.token;
            if (!token) throw new Error(`root login failed: ${login.text}`);
            const unary = r.grpc.unary.bind(r.grpc);
            r.grpc.unary = (method, req, timeoutMs, t) => unary(method, req, timeoutMs, t ?? token);
          }
        }
        const rest = await Promise.all([runAll(ra, scenarios), runAll(rb, scenarios)]);
        results = [[setup[0], ...rest[0]], [setup[1], ...rest[1]]];
      } finally {
        ra.close();
        rb.close();
      }
      const seconds = ((Date.now() - started) / 1000).toFixed(0);
      results = [sortRaftProgress(results[0]), sortRaftProgress(results[1])];
      const { identical, differ } = compareRuns(results[0], results[1]);
      const known: Record<string, string> = targetKind === 'etcd' ? {} : (knownTlsAuthDifferences[config.name] ?? {});
      const unexpected = differ.filter((d) => !(d.name in known));
      const fixed = Object.keys(known).filter((n) => identical.includes(n));

      const summary = `conformance with TLS and auth [${config.name}], 3 members each: ${identical.length} identical, ${differ.length} differ (${differ.length - unexpected.length} known), ${skippedBySelection.length} skipped (genuine etcd vs ${targetKind}, ${seconds} s)`;
      const lines = [summary];
      for (const d of differ) lines.push(`${d.name}${d.name in known ? ` [known: ${known[d.name]}]` : ' [UNEXPECTED]'}\n${d.diff}`);
      for (const n of fixed) lines.push(`${n}: now identical, remove it from knownTlsAuthDifferences`);
      const skipCounts = new Map<string, number>();
      for (const [, why] of skippedBySelection) skipCounts.set(why, (skipCounts.get(why) ?? 0) + 1);
      lines.push(`skipped: ${[...skipCounts].map(([why, n]) => `${n} ${why}`).join('; ')}`);
      const report = lines.join('\n');
      mkdirSync(join(repoRoot(), '.tmp'), { recursive: true });
      writeFileSync(
        join(repoRoot(), '.tmp', `conformance-tls-auth-report-${config.name}-${targetKind}${only ? '-only' : ''}.txt`),
        `${report}\n\nskipped scenarios:\n${skippedBySelection.map(([n, w]) => `${n}: ${w}`).join('\n')}\n\n${dumpAll(results)}\n`,
      );
      console.log(report.length > 20_000 ? report.slice(0, 20_000) + '\n... (full report in .tmp/)' : report);

      expect(unexpected.map((d) => d.name), 'differences with TLS and auth not in knownTlsAuthDifferences').toEqual([]);
      expect(fixed, 'known differences that are now identical').toEqual([]);
    });
  });
}
