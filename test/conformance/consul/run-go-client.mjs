#!/usr/bin/env node
// Runs the official Consul Go client's own test suite (github.com/hashicorp/consul/api and its
// watch package, exactly as the module ships them) and dcsgw's own Go tests (go/, the consul CLI's
// calls through the same client) against `dcsgw agent`, started by Consul's sdk/testutil through the
// `consul` shim (shim/consul) put on PATH for this run only. Produces a per-file and per-test
// pass/fail/skip table (results.json in the work dir) and, with --status, STATUS.md beside this file.
//
//   node test/conformance/consul/run-go-client.mjs [--status] [--run REGEX] [--budget SECONDS] [--all]
//
// The modules are fetched through the Go module proxy into the Go module cache (GOMODCACHE, by
// default ~/go/pkg/mod); the api module is copied from there into a writable work dir (its tests
// write beside themselves) and compiled once per run (the Go build cache makes reruns quick).
// Nothing of the module is kept in the repository.
import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  mkdtempSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FAILURE_CAUSES, HARNESS_NOTES, TRIAGE, filePriority, outOfScopeReason } from './go-client-scope.mjs';

const here = dirname(fileURLToPath(import.meta.url));
export const REPO = join(here, '..', '..', '..');
export const GO_DIR = join(here, 'go');
export const SHIM_DIR = join(here, 'shim');
export const BASELINE_FILE = join(here, 'go-client-baseline.json');
export const STATUS_FILE = join(here, 'STATUS.md');
const API_MODULE = 'github.com/hashicorp/consul/api';
const OWN_PACKAGE = 'dcsgw.local/consulconformance';

/** The go command: $GO, then PATH, then the standard install location. */
export function findGo() {
  const candidates = [process.env.GO, 'go', '/usr/local/go/bin/go'].filter(Boolean);
  for (const go of candidates) {
    const r = spawnSync(go, ['version'], { encoding: 'utf8' });
    if (r.status === 0) return go;
  }
  return undefined;
}

function goEnv(extra = {}) {
  const env = { ...process.env, GOFLAGS: '-mod=mod', GOTOOLCHAIN: 'local', ...extra };
  delete env.GOWORK;
  // Without HOME the go command has no default module or build cache: predictable ones in tmp.
  if (!env.HOME) {
    env.GOPATH ??= join(tmpdir(), 'dcsgw-gopath');
    env.GOCACHE ??= join(tmpdir(), 'dcsgw-gocache');
  }
  return env;
}

function run(go, args, cwd, env) {
  const r = spawnSync(go, args, { cwd, env, encoding: 'utf8', maxBuffer: 64 << 20 });
  return { ok: r.status === 0, stdout: r.stdout ?? '', stderr: (r.stderr ?? '') + (r.error ? String(r.error) : '') };
}

/** The api version our go.mod requires (one place to change it). */
function requiredApiVersion() {
  const mod = readFileSync(join(GO_DIR, 'go.mod'), 'utf8');
  const m = mod.match(/github\.com\/hashicorp\/consul\/api (v[^\s]+)/);
  if (!m) throw new Error('go/go.mod does not require github.com/hashicorp/consul/api');
  return m[1];
}

/**
 * Fetches (or finds in the module cache) the api module and copies it into a writable work dir.
 * Returns { apiDir } or { skip: reason }.
 */
export function prepareModules(go, workDir) {
  const version = requiredApiVersion();
  const env = goEnv();
  const dl = run(go, ['mod', 'download', '-json', `${API_MODULE}@${version}`], GO_DIR, env);
  let info;
  try {
    info = JSON.parse(dl.stdout);
  } catch {
    info = undefined;
  }
  if (!dl.ok || !info?.Dir || info.Error) {
    return { skip: `${API_MODULE}@${version} is neither in the Go module cache nor reachable through the module proxy (${(info?.Error ?? dl.stderr).trim().split('\n')[0]})` };
  }
  // Our own module's dependencies too (sdk, testify), so the test binaries build.
  const own = run(go, ['mod', 'download'], GO_DIR, env);
  if (!own.ok) return { skip: `cannot download the modules of test/conformance/consul/go: ${own.stderr.trim().split('\n')[0]}` };
  const apiDir = join(workDir, `api@${version}`);
  if (!existsSync(join(apiDir, '.copied'))) {
    rmSync(apiDir, { recursive: true, force: true });
    cpSync(info.Dir, apiDir, { recursive: true });
    makeWritable(apiDir);
    writeFileSync(join(apiDir, '.copied'), info.Dir + '\n');
  }
  return { apiDir, version };
}

function makeWritable(dir) {
  chmodSync(dir, 0o755);
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) makeWritable(p);
    else chmodSync(p, 0o644);
  }
}

/**
 * A private copy of the built dcsgw (dist/, bin/, package.json; node_modules and proto/ linked) for
 * the agents of this run, so another `npm run build` in the same tree mid-run cannot hand an agent
 * half-written modules.
 */
function snapshotDcsgw(workDir) {
  const dir = join(workDir, 'dcsgw');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  cpSync(join(REPO, 'dist'), join(dir, 'dist'), { recursive: true });
  cpSync(join(REPO, 'bin'), join(dir, 'bin'), { recursive: true });
  cpSync(join(REPO, 'package.json'), join(dir, 'package.json'));
  symlinkSync(join(REPO, 'node_modules'), join(dir, 'node_modules'));
  symlinkSync(join(REPO, 'proto'), join(dir, 'proto'));
  return join(dir, 'bin', 'dcsgw');
}

/** A fresh dir for one run; run dirs older than a day are removed. */
function newRunDir(workDir) {
  const runs = join(workDir, 'runs');
  mkdirSync(runs, { recursive: true });
  for (const d of readdirSync(runs)) {
    try {
      if (Date.now() - statSync(join(runs, d)).mtimeMs > 86_400_000) rmSync(join(runs, d), { recursive: true, force: true });
    } catch {
      /* another run removed it */
    }
  }
  return mkdtempSync(join(runs, `${new Date().toISOString().replace(/[:.]/g, '-')}-`));
}

/** Compiles a package's test binary (go test -c). */
function buildTestBinary(go, pkgDir, out) {
  const r = run(go, ['test', '-c', '-o', out, '.'], pkgDir, goEnv());
  if (!r.ok) throw new Error(`go test -c in ${pkgDir} failed:\n${r.stderr}`);
}

/** Top-level Test functions of a package, with the file that declares each. */
function listTests(pkgDir, filePrefix = '') {
  const tests = [];
  for (const f of readdirSync(pkgDir).sort()) {
    if (!f.endsWith('_test.go')) continue;
    const src = readFileSync(join(pkgDir, f), 'utf8');
    for (const m of src.matchAll(/^func (Test\w+)\(\w+ \*testing\.T\)/gm)) tests.push({ file: filePrefix + f, test: m[1] });
  }
  return tests;
}

/** The packages of a run: the api module's own (api, api/watch) and ours (go/). */
function packagesOf(apiDir, binDir) {
  return [
    { pkg: API_MODULE, dir: apiDir, bin: join(binDir, 'api.test'), tests: listTests(apiDir), own: false },
    { pkg: `${API_MODULE}/watch`, dir: join(apiDir, 'watch'), bin: join(binDir, 'watch.test'), tests: listTests(join(apiDir, 'watch'), 'watch/'), own: false },
    { pkg: OWN_PACKAGE, dir: GO_DIR, bin: join(binDir, 'dcsgw-cli.test'), tests: listTests(GO_DIR, 'go/'), own: true },
  ];
}

/** Kills what a batch left behind: its whole process group (the test binary, shims and agents). */
function killGroup(pid) {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    /* already gone */
  }
}

/**
 * Runs one batch of tests of one package: the test binary through test2json, in its own process
 * group, bounded by Go's own -test.timeout and by a hard kill a little later.
 */
function runBatch(go, pkg, names, { parallel, timeoutSec, env, onEvent }) {
  return new Promise((resolve) => {
    const pattern = `^(${names.join('|')})$`;
    const child = spawn(
      go,
      ['tool', 'test2json', '-t', '-p', pkg.pkg, pkg.bin, '-test.v=test2json', '-test.run', pattern, '-test.parallel', String(parallel), '-test.timeout', `${timeoutSec}s`],
      { cwd: pkg.dir, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let buf = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      buf += chunk;
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (!line.startsWith('{')) continue;
        try {
          onEvent(JSON.parse(line));
        } catch {
          /* not an event */
        }
      }
    });
    child.stderr.on('data', (c) => (stderr += c));
    const hardKill = setTimeout(() => killGroup(child.pid), (timeoutSec + 20) * 1000);
    child.on('close', (code) => {
      clearTimeout(hardKill);
      killGroup(child.pid);
      resolve({ code, stderr });
    });
  });
}

/** Agents started by the shim during a run, keyed by the sanitized test name testutil gave their dir. */
function readAgentRecords(recordDir) {
  if (!existsSync(recordDir)) return [];
  const out = [];
  for (const f of readdirSync(recordDir)) {
    if (!/^agent-\d+\.json$/.test(f)) continue;
    try {
      const rec = JSON.parse(readFileSync(join(recordDir, f), 'utf8'));
      rec.logFile = join(recordDir, f.replace(/\.json$/, '.log'));
      out.push(rec);
    } catch {
      /* partial write */
    }
  }
  return out;
}

/** The top-level test an agent record belongs to (testutil replaces / in subtest names by _). */
function ownerOf(record, testNames) {
  let best = '';
  for (const t of testNames) {
    if ((record.test === t || record.test.startsWith(t + '_')) && t.length > best.length) best = t;
  }
  return best || undefined;
}

function classify(result, refused, agentErrors) {
  if (result.status !== 'fail') return undefined;
  const text = result.output.join('');
  let known;
  for (const c of FAILURE_CAUSES) {
    if (c.match.test(text)) {
      known = { cause: c.cause, owner: c.owner };
      break;
    }
  }
  // A harness-level cause (the agent did not start, the shim is missing) wins, with the agent's
  // own error line when it logged one.
  if (known && /harness|dcsgw agent \(src\/cli/.test(known.owner)) {
    return agentErrors.length ? { cause: `${known.cause}; the agent said: ${agentErrors[0].slice(0, 240)}`, owner: known.owner } : known;
  }
  // The answer the test failed on, when the client quotes it: the matching refused request.
  const quoted = /Unexpected response code: (\d{3}) \(([^)\n]{0,200})/.exec(text);
  if (quoted) {
    const r = refused.find((q) => String(q.status) === quoted[1] && (q.body ?? '').trim().startsWith(quoted[2].slice(0, 40)));
    if (r) {
      const body = (r.body ?? '').trim().split('\n')[0].slice(0, 160);
      return { cause: `${endpointOf(r.method, r.url)} answered ${r.status}${body ? ` "${body}"` : ''}`, owner: endpointOf(r.method, r.url) };
    }
    return { cause: `a request answered ${quoted[1]} (${quoted[2]})`, owner: 'see the refused requests' };
  }
  if (known) return known;
  const first = failureExcerpt(result.output, 1)[0]?.trim().replace(/^[\w./-]+\.go:\d+: /, '');
  return { cause: first ? `assertion: ${first.slice(0, 200)}` : 'failed without an error line (see the test output)', owner: 'the test\'s assertion on an answer (see the quoted lines and refused requests)' };
}

/** An agent's own error lines (a failed start names its reason there). */
function agentErrorsIn(logFile) {
  if (!existsSync(logFile)) return [];
  return readFileSync(logFile, 'utf8')
    .split('\n')
    .filter((l) => /\[ERROR\] agent: Error starting agent|^==> (?!Starting Consul agent|Log data)/.test(l))
    .slice(0, 3);
}

/** The lines of a failing test's output worth quoting: the test's own error lines, not the agent's log. */
export function failureExcerpt(output, max = 16) {
  const lines = output.join('').split('\n');
  const noise = (l) => /^\s*(=== |--- )|CONFIG JSON|test cmd args|freeport|^\s*\{"@level"|^\d{4}-\d\d-\d\dT|^\s*\[(DEBUG|INFO|WARN)\]/.test(l);
  const keep = lines.filter(
    (l) =>
      !noise(l) &&
      (/^\s*[\w./-]+\.go:\d+: /.test(l) ||
        /(Error|Unexpected|panic|timed out|Failed|missing|expected|actual|mismatch|should|want)/i.test(l) ||
        /^\s*[-+] /.test(l.replace(/^\s*\t\s*/, ''))),
  );
  return keep.slice(0, max).map((l) => l.trimEnd());
}

/** The requests an agent answered, as the shim's relay noted them (agent-<pid>.http.jsonl). */
function requestsOf(agentLog) {
  const file = agentLog.replace(/\.log$/, '.http.jsonl');
  if (!existsSync(file)) return [];
  const out = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line) continue;
    try {
      out.push(JSON.parse(line));
    } catch {
      /* torn last line */
    }
  }
  return out;
}

/** An endpoint's name without the test's own IDs and keys: method, path up to the variable part. */
export function endpointOf(method, url) {
  const path = url.split('?')[0];
  const fixed = [
    /^\/v1\/kv\//, /^\/v1\/session\/(info|renew|destroy|node)\//, /^\/v1\/catalog\/(node|node-services|service|connect)\//,
    /^\/v1\/health\/(node|checks|service|connect|ingress|state)\//, /^\/v1\/agent\/(service|check)\/[a-z-]+\//, /^\/v1\/agent\/service\//,
    /^\/v1\/agent\/(join|force-leave)\//, /^\/v1\/agent\/health\/service\/(id|name)\//, /^\/v1\/event\/fire\//, /^\/v1\/query\/[^/]+\//, /^\/v1\/query\//,
    /^\/v1\/config\/[^/]+\//, /^\/v1\/coordinate\/node\//, /^\/v1\/acl\/[a-z-]+\//, /^\/v1\/connect\/intentions\//, /^\/v1\/agent\/connect\/ca\/leaf\//,
    /^\/v1\/peering\//, /^\/v1\/internal\/ui\/[a-z-]+\//, /^\/v1\/agent\/token\//,
  ];
  for (const re of fixed) {
    const m = path.match(re);
    if (m) return `${method} ${m[0]}…`;
  }
  return `${method} ${path}`;
}

/** The refused requests of a test's agents: non-2xx answers except the 404s a client expects (KV misses). */
function failingRequests(agentLogs, madeBy) {
  const out = [];
  for (const log of agentLogs) {
    for (const r of requestsOf(log)) {
      if (!r.url || !(r.status >= 400)) continue;
      if (madeBy && !(r.test === madeBy || r.test?.startsWith(madeBy + '/'))) continue;
      const quiet404 = r.status === 404 && /^\/v1\/(kv\/|session\/renew\/)/.test(r.url) && !r.body?.startsWith('404 page not found');
      if (quiet404) continue;
      out.push(r);
    }
  }
  return out;
}

/**
 * Ties each test to the agents it started (the shim's records) and, for a failing test, to the
 * requests its agents refused, and names the cause. Returns the agents' start times.
 */
function analyzeRun(list, recordDir) {
  // Which tests started agents (the others exercised the client alone, e.g. against a mock server).
  const records = readAgentRecords(recordDir);
  // Our own tests share one agent started from TestMain.
  const shared = records.filter((rec) => rec.test === 'TestMain');
  for (const r of list) {
    const mine = records.filter((rec) => ownerOf(rec, [r.test]) === r.test);
    if (r.own && ['pass', 'fail'].includes(r.status)) mine.push(...shared);
    r.agents = mine.map((m) => m.logFile);
    r.usesAgent = mine.length > 0;
    // On the shared agent, the refusals of this test's own requests (our tests name themselves in
    // an X-Dcsgw-Test header, which the relay notes).
    const refused = [
      ...failingRequests(mine.filter((m) => m.test !== 'TestMain').map((m) => m.logFile)),
      ...failingRequests(mine.filter((m) => m.test === 'TestMain').map((m) => m.logFile), r.test),
    ];
    const agentErrors = mine.filter((m) => m.test !== 'TestMain').flatMap((m) => agentErrorsIn(m.logFile));
    const c = classify(r, refused, agentErrors);
    if (c) {
      r.cause = c.cause;
      r.owner = c.owner;
      r.excerpt = failureExcerpt(r.output);
      const seen = new Map();
      for (const q of refused) {
        const line = `${q.method} ${q.url} → ${q.status}${q.body ? ` ${JSON.stringify(q.body.trim().slice(0, 160))}` : ''}`;
        seen.set(line, (seen.get(line) ?? 0) + 1);
      }
      r.failingRequests = [...seen].slice(0, 8).map(([line, n]) => (n > 1 ? `${line} (×${n})` : line));
    }
  }
  // How long each agent took from exec to accepting HTTP connections (the relay's note).
  const startMs = records
    .map((rec) => requestsOf(rec.logFile).find((e) => e.event === 'agent-listening')?.afterMs)
    .filter((v) => typeof v === 'number')
    .sort((x, y) => x - y);
  return { count: startMs.length, medianMs: startMs[Math.floor(startMs.length / 2)] ?? 0, maxMs: startMs[startMs.length - 1] ?? 0, over2s: startMs.filter((v) => v > 2000).length };
}

/** Re-reads a finished run (its results.json and agent records) with the current classification. */
export function reanalyze(runDir) {
  const out = JSON.parse(readFileSync(join(runDir, 'results.json'), 'utf8'));
  for (const r of out.results) r.output = typeof r.output === 'string' ? [r.output] : [];
  out.agentStarts = analyzeRun(out.results, join(runDir, 'agents'));
  out.summary = summarize(out.results);
  return out;
}

/**
 * Runs the suite. Options:
 *   workDir   where the module copy and the run dirs (runs/<time>-x: binaries, agents' records and
 *             logs, results.json) go (default: <tmp>/dcsgw-go-client)
 *   only      RegExp on test names (default: every in-scope test)
 *   first     test names to run first (the baseline), the rest after them while budget remains
 *   budgetMs  time for running tests (compilation not counted): the `first` tests always run, the
 *             others start only while it lasts; those not started are "notrun"
 *   parallel  agents at once (default 2)
 *   log       progress lines
 */
export async function runGoClientSuite(opts = {}) {
  const log = opts.log ?? ((s) => process.stderr.write(s + '\n'));
  const go = opts.go ?? findGo();
  if (!go) return { skipped: 'no `go` command (set $GO or install Go)' };
  const workDir = opts.workDir ?? join(tmpdir(), 'dcsgw-go-client');
  mkdirSync(workDir, { recursive: true });
  const prep = prepareModules(go, workDir);
  if (prep.skip) return { skipped: prep.skip };
  // Everything a run writes lives in a run dir of its own: several people may run the suite in
  // one tree at once. The module copy is shared (it is only read after the first copy).
  const runDir = newRunDir(workDir);
  const binDir = join(runDir, 'bin');
  mkdirSync(binDir, { recursive: true });
  const packages = packagesOf(prep.apiDir, binDir);
  const t0 = Date.now();
  for (const p of packages) buildTestBinary(go, p.dir, p.bin);
  log(`go-client: compiled ${packages.length} test binaries in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  const parallel = opts.parallel ?? 2;
  const budgetMs = opts.budgetMs ?? 300_000;
  const first = new Set(opts.first ?? []);
  const results = new Map(); // key pkg|test
  const key = (pkg, test) => `${pkg}|${test}`;
  const queue = [];
  for (const p of packages) {
    for (const { file, test } of p.tests) {
      const r = { pkg: p.pkg, file, test, status: 'notrun', elapsed: 0, output: [], subtests: {}, agents: [], own: p.own };
      results.set(key(p.pkg, test), r);
      const reason = p.own ? undefined : outOfScopeReason(file, test);
      if (reason) {
        r.status = 'outofscope';
        r.reason = reason;
        continue;
      }
      if (opts.only && !opts.only.test(test)) {
        r.status = 'unselected';
        continue;
      }
      queue.push({ pkg: p, file, test, first: first.has(test) || p.own });
    }
  }
  // Baseline (and our own CLI tests) first, then the rest by file priority (core endpoints first).
  queue.sort((a, b) => Number(b.first) - Number(a.first) || filePriority(a.file) - filePriority(b.file));

  const recordDir = join(runDir, 'agents');
  mkdirSync(recordDir, { recursive: true });
  const testTmp = join(runDir, 'tmp');
  mkdirSync(testTmp, { recursive: true });
  if (!existsSync(join(REPO, 'dist', 'src', 'cli', 'main.js'))) return { skipped: 'dcsgw is not built (node scripts/ensure-ready.mjs)' };
  const dcsgwBin = snapshotDcsgw(runDir);
  const env = goEnv({
    PATH: `${SHIM_DIR}:${process.env.PATH ?? ''}`,
    DCSGW_REPO: REPO,
    DCSGW_BIN: dcsgwBin,
    DCSGW_SHIM_RECORD_DIR: recordDir,
    TMPDIR: testTmp,
    // testutil prints an agent's whole log after a failing test; keep it for failures only.
    TEST_LOGGING_ONLY_FAILED: '1',
  });

  const runStart = Date.now();
  while (queue.length > 0) {
    // The baseline always runs in full (CI judges it); the other tests only while budget remains.
    if (!queue[0].first && Date.now() - runStart > budgetMs) {
      log(`go-client: time budget (${budgetMs / 1000} s) spent; ${queue.length} tests not run`);
      break;
    }
    // A batch: up to 8 tests of the head's file (one test binary run), in the queue's order.
    const head = queue[0];
    const batch = [];
    for (let i = 0; i < queue.length && batch.length < 8; ) {
      if (queue[i].pkg === head.pkg && queue[i].first === head.first && queue[i].file === head.file) batch.push(queue.splice(i, 1)[0]);
      else i++;
    }
    const names = batch.map((b) => b.test);
    // Go has no per-test timeout; bound the batch: ~40 s per round of `parallel` tests.
    const timeoutSec = 40 * Math.ceil(batch.length / parallel) + 20;
    const started = new Set();
    const bStart = Date.now();
    const batchRun = await runBatch(go, head.pkg, names, {
      parallel,
      timeoutSec,
      env,
      onEvent: (ev) => {
        if (!ev.Test) return;
        const top = ev.Test.split('/')[0];
        const r = results.get(key(head.pkg.pkg, top));
        if (!r) return;
        const sub = ev.Test.includes('/') ? ev.Test : undefined;
        if (ev.Action === 'run' && !sub) {
          started.add(top);
          r.status = 'running';
          r.startedAt = Date.parse(ev.Time);
        }
        if (ev.Action === 'output' && r.output.length < 400) r.output.push(ev.Output);
        if (ev.Action === 'pass' || ev.Action === 'fail' || ev.Action === 'skip') {
          if (sub) r.subtests[sub] = ev.Action;
          else {
            r.status = ev.Action;
            r.elapsed = ev.Elapsed ?? 0;
            r.endedAt = Date.parse(ev.Time);
          }
        }
      },
    });
    for (const b of batch) {
      const r = results.get(key(head.pkg.pkg, b.test));
      if (r.status === 'running') {
        r.status = 'fail';
        r.output.push('panic: test timed out (batch time limit reached)\n');
      } else if (r.status === 'notrun' && !started.has(b.test)) {
        // The binary died before this test started (another test's timeout): run it again later.
        if (!b.retried) queue.push({ ...b, retried: true });
      }
    }
    if (batchRun.code !== 0 && started.size === 0) log(`go-client: the ${basename(head.pkg.pkg)} test binary ran no test (exit ${batchRun.code}): ${batchRun.stderr.trim().slice(0, 400)}`);
    const counts = names.map((n) => results.get(key(head.pkg.pkg, n)).status);
    log(
      `go-client: ${basename(head.pkg.pkg)} batch of ${names.length} in ${((Date.now() - bStart) / 1000).toFixed(1)} s: ` +
        `${counts.filter((s) => s === 'pass').length} pass, ${counts.filter((s) => s === 'fail').length} fail, ${counts.filter((s) => s === 'skip').length} skip`,
    );
  }

  const list = [...results.values()];
  const agentStarts = analyzeRun(list, recordDir);
  const summary = summarize(list);
  // The run dir keeps the agents' logs and records (for STATUS.md's references); the rest goes.
  rmSync(join(runDir, 'dcsgw'), { recursive: true, force: true });
  rmSync(testTmp, { recursive: true, force: true });
  rmSync(binDir, { recursive: true, force: true });
  const out = { go, apiVersion: prep.version, workDir: runDir, durationMs: Date.now() - runStart, results: list, summary, agentStarts };
  // The output of failing tests is kept (trimmed); passing tests' is not.
  writeFileSync(
    join(runDir, 'results.json'),
    JSON.stringify(out, function (k, v) {
      return k === 'output' ? (this.status === 'fail' ? v.join('').slice(-20000) : undefined) : v;
    }, 2),
  );
  return out;
}

export function summarize(list) {
  const s = { pass: 0, passAgent: 0, fail: 0, skip: 0, outofscope: 0, notrun: 0, unselected: 0 };
  for (const r of list) {
    if (r.status === 'pass') {
      s.pass++;
      if (r.usesAgent) s.passAgent++;
    } else if (r.status in s) s[r.status]++;
  }
  return s;
}

/** Per-file counts. */
export function perFile(list) {
  const files = new Map();
  for (const r of list) {
    const f = files.get(r.file) ?? { file: r.file, total: 0, pass: 0, passClientOnly: 0, fail: 0, skip: 0, outofscope: 0, notrun: 0, unselected: 0 };
    f.total++;
    if (r.status === 'pass') {
      f.pass++;
      if (!r.usesAgent) f.passClientOnly++;
    } else if (r.status === 'fail') f.fail++;
    else if (r.status === 'skip') f.skip++;
    else if (r.status === 'outofscope') f.outofscope++;
    else if (r.status === 'unselected') f.unselected++;
    else f.notrun++;
    files.set(r.file, f);
  }
  return [...files.values()];
}

export function readBaseline() {
  if (!existsSync(BASELINE_FILE)) return [];
  return JSON.parse(readFileSync(BASELINE_FILE, 'utf8')).expectedToPass ?? [];
}

/** STATUS.md: counts per file, then every failing test with its cause, then the out-of-scope list. */
export function renderStatus(out, baseline) {
  const list = out.results;
  const s = out.summary;
  const L = [];
  L.push('# Consul Go client suite against dcsgw — status');
  L.push('');
  L.push(`Generated by \`node test/conformance/consul/run-go-client.mjs --status\` on ${new Date().toISOString()}`);
  L.push(`(github.com/hashicorp/consul/api ${out.apiVersion}, the module's own tests + watch/, and dcsgw's go/cli_test.go; run time ${(out.durationMs / 1000).toFixed(0)} s).`);
  L.push('');
  L.push(
    `**${s.pass} passed** (${s.passAgent} of them against a \`dcsgw agent\`, ${s.pass - s.passAgent} exercise the client alone), ` +
      `**${s.fail} failed**, ${s.skip} skipped by the tests themselves, ${s.outofscope} out of scope (not run, reasons below)` +
      (s.notrun ? `, ${s.notrun} not run (time budget)` : '') +
      (s.unselected ? `, ${s.unselected} not selected by --run` : '') +
      `. Baseline (must pass in CI): ${baseline.length} tests.`,
  );
  L.push('');
  if (out.agentStarts?.count) {
    const a = out.agentStarts;
    L.push(
      `Agents started: ${a.count}; exec → HTTP listening: median ${a.medianMs} ms, max ${a.maxMs} ms; ${a.over2s} took longer than testutil's 2 s ` +
        '(the shim\'s relay held their first requests until they listened; genuine Consul answers well within 2 s).',
    );
    L.push('');
  }
  L.push('## What the agent as a whole must do for this suite (harness findings)');
  L.push('');
  for (const n of HARNESS_NOTES) L.push(`- ${n}`);
  L.push('');
  L.push('## Per file');
  L.push('');
  L.push('| file | tests | pass | (client-only) | fail | skip | out of scope | not run |');
  L.push('|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const f of perFile(list)) {
    L.push(`| ${f.file} | ${f.total} | ${f.pass} | ${f.passClientOnly} | ${f.fail} | ${f.skip} | ${f.outofscope} | ${f.notrun} |`);
  }
  L.push('');
  const failing = list.filter((r) => r.status === 'fail');
  // Top causes.
  const byCause = new Map();
  for (const r of failing) byCause.set(r.cause, [...(byCause.get(r.cause) ?? []), r]);
  L.push('## Failure causes (most tests first)');
  L.push('');
  for (const [cause, rs] of [...byCause.entries()].sort((a, b) => b[1].length - a[1].length)) {
    L.push(`- **${rs.length}** — ${cause} — owner: ${rs[0].owner}`);
  }
  L.push('');
  L.push('## Failing tests (class b: dcsgw bug or missing endpoint)');
  L.push('');
  for (const r of failing) {
    L.push(`### ${r.file} ${r.test}${baseline.includes(r.test) ? ' (IN BASELINE: regression)' : ''}`);
    L.push(`- cause: ${r.cause}`);
    if (TRIAGE[r.test]) L.push(`- triage: ${TRIAGE[r.test]}`);
    L.push(`- owner: ${r.owner}`);
    if (r.failingRequests?.length) {
      L.push('- requests the agent refused during the test (some may be the test\'s own negative checks):');
      for (const q of r.failingRequests) L.push(`  - \`${q.replace(/`/g, "'")}\``);
    }
    if (r.excerpt?.length) {
      L.push('```');
      for (const e of r.excerpt) L.push(e.slice(0, 400));
      L.push('```');
    }
    L.push('');
  }
  L.push('## Out of scope (class a: not run)');
  L.push('');
  const byReason = new Map();
  for (const r of list.filter((x) => x.status === 'outofscope')) byReason.set(r.reason, [...(byReason.get(r.reason) ?? []), r]);
  for (const [reason, rs] of byReason) {
    L.push(`- ${reason}: ${rs.map((r) => `${r.test} (${r.file})`).join(', ')}`);
  }
  L.push('');
  const skipped = list.filter((r) => r.status === 'skip');
  if (skipped.length) {
    L.push('## Skipped by the tests themselves');
    L.push('');
    for (const r of skipped) L.push(`- ${r.file} ${r.test}: ${failureExcerpt(r.output, 2).join(' ') || 'skipped'}`);
    L.push('');
  }
  if (s.notrun) {
    L.push('## Not run (time budget)');
    L.push('');
    L.push(list.filter((r) => r.status === 'notrun').map((r) => r.test).join(', '));
    L.push('');
  }
  return L.join('\n');
}

async function cli(argv) {
  const args = new Map();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--status' || a === '--all' || a === '--update-baseline') args.set(a, true);
    else args.set(a, argv[++i]);
  }
  const baseline = readBaseline();
  const out = args.get('--reanalyze') ? reanalyze(args.get('--reanalyze')) : await runGoClientSuite({
    only: args.get('--run') ? new RegExp(args.get('--run')) : undefined,
    budgetMs: args.get('--budget') ? Number(args.get('--budget')) * 1000 : args.has('--all') ? 3_600_000 : 300_000,
    first: baseline,
  });
  if (out.skipped) {
    console.log(`go-client: skipped: ${out.skipped}`);
    return;
  }
  if (args.has('--status')) writeFileSync(STATUS_FILE, renderStatus(out, baseline) + '\n');
  if (args.has('--update-baseline')) {
    // Grows only: a test once in the baseline stays (a regression must be seen, not forgotten).
    const passing = out.results.filter((r) => r.status === 'pass' && r.usesAgent).map((r) => r.test);
    const next = [...new Set([...baseline, ...passing])].sort();
    writeFileSync(BASELINE_FILE, JSON.stringify({ note: 'Tests of the Go client suite (and go/cli_test.go) that pass against dcsgw; CI fails when one of them fails. Grown by run-go-client.mjs --update-baseline.', expectedToPass: next }, null, 2) + '\n');
  }
  console.log(`go-client: records, agent logs and results.json of this run: ${out.workDir}`);
  const s = out.summary;
  for (const f of perFile(out.results)) console.log(`${f.file.padEnd(44)} ${String(f.pass).padStart(3)} pass ${String(f.fail).padStart(3)} fail ${String(f.outofscope).padStart(3)} out-of-scope ${String(f.notrun).padStart(3)} not-run`);
  console.log(`go-client: ${s.pass} passed, ${s.fail} failed (${s.outofscope} out of scope)`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await cli(process.argv.slice(2));
}
