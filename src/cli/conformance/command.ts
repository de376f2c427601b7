// `dcsgw conformance --target URL [--reference URL] [--format text|json|junit] [--output FILE]
//                    [--scenario GLOB[,GLOB]] [--etcdctl PATH] [--record FILE] [--show-skipped]`
// Runs the project's scenario corpus against any etcd (etcd://) or Consul (consul://) cluster and
// reports which answers differ from the reference cluster's, or from genuine etcd 3.4.23's /
// genuine Consul's recorded in the corpus when no reference is given.
// Exit status: 0 everything conforms, 1 something differs (or failed to run), 2 bad usage or an
// unreachable target.
import { writeFileSync } from 'node:fs';
import { runConsulCorpus } from '../../compat/conformance/consul/run-corpus.js';
import { parseConsulTarget } from '../../compat/conformance/consul/target.js';
import { etcdctlVersion } from '../../compat/conformance/etcd/etcdctl-process.js';
import { parseEtcdTarget, TargetUrlError } from '../../compat/conformance/etcd/live-target.js';
import { renderRecordedModule } from '../../compat/conformance/etcd/recorded.js';
import { runEtcdCorpus } from '../../compat/conformance/etcd/run-corpus.js';
import { conforms, renderJson, renderJunit, renderText, type ConformanceReport } from '../../compat/conformance/report.js';
import { scenarioFilter } from '../../compat/conformance/select.js';

export const CONFORMANCE_USAGE = `Usage: dcsgw conformance --target URL [options]

Runs dcsgw's scenario corpus against an etcd or Consul cluster (genuine or not) and reports every
answer that differs from the reference. Scenarios write only under a key prefix of their own
(~conformance/<run id>/ for etcd, conformance-<run id>/ and nodes of that name for Consul) and
delete them afterwards.

  --target URL       etcd://host:port[,host:port][?cacert=&cert=&key=], etcds://..., or
                     consul://host:port (consuls:// for HTTPS)
  --reference URL    compare with this cluster's answers (same kind as the target) instead of the
                     answers of genuine etcd 3.4.23 / genuine Consul recorded in the corpus
  --format FORMAT    text (default), json or junit
  --output FILE      write the report to FILE (a summary still goes to stdout)
  --scenario GLOB    only scenarios whose names match (* and ?, several separated by commas)
  --etcdctl PATH     the etcdctl 3.4 binary the etcd scenarios run (default: etcdctl on PATH)
  --show-skipped     list scenarios not run against a live cluster, with the reason (text format)
  --record FILE      (etcd) write the target's answers as the corpus's recorded expectations

Exit status: 0 conforms, 1 differs, 2 usage error or target unreachable.
`;

interface Options {
  target?: string;
  reference?: string;
  format: 'text' | 'json' | 'junit';
  output?: string;
  scenario?: string;
  etcdctl: string;
  record?: string;
  showSkipped: boolean;
}

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

const usageError = (msg: string): CommandResult => ({ code: 2, stdout: '', stderr: `dcsgw conformance: ${msg}\n\n${CONFORMANCE_USAGE}` });

function parseArgs(argv: readonly string[]): Options | CommandResult {
  const o: Options = { format: 'text', etcdctl: 'etcdctl', showSkipped: false };
  const valued = new Set(['--target', '--reference', '--format', '--output', '--scenario', '--etcdctl', '--record']);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '-h' || arg === '--help') return { code: 0, stdout: CONFORMANCE_USAGE, stderr: '' };
    if (arg === '--show-skipped') {
      o.showSkipped = true;
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    if (!valued.has(name)) return usageError(`unknown argument ${arg}`);
    const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined || value === '') return usageError(`${name} needs a value`);
    if (name === '--format') {
      if (value !== 'text' && value !== 'json' && value !== 'junit') return usageError(`--format ${value}: use text, json or junit`);
      o.format = value;
    } else if (name === '--target') o.target = value;
    else if (name === '--reference') o.reference = value;
    else if (name === '--output') o.output = value;
    else if (name === '--scenario') o.scenario = value;
    else if (name === '--etcdctl') o.etcdctl = value;
    else if (name === '--record') o.record = value;
  }
  if (!o.target) return usageError('--target is required');
  return o;
}

/** "etcd 3.4.23" from the server's /version (for the recording's header). */
async function describeEtcdServer(endpoint: string): Promise<string> {
  try {
    const v = (await (await fetch(`${endpoint}/version`)).json()) as { etcdserver?: string };
    return `etcd ${v.etcdserver ?? '(unknown version)'}`;
  } catch {
    return 'etcd (version not known)';
  }
}

const kindOf = (url: string): 'etcd' | 'consul' | undefined => {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase();
  if (scheme === 'etcd' || scheme === 'etcds') return 'etcd';
  if (scheme === 'consul' || scheme === 'consuls') return 'consul';
  return undefined;
};

/** Progress on stderr every 25 scenarios (a full etcd run is a few hundred). */
function progressReporter(suite: string): (done: number, total: number) => void {
  return (done, total) => {
    if (done % 25 === 0 || done === total) process.stderr.write(`conformance ${suite}: ${done}/${total} scenarios\n`);
  };
}

export async function runConformanceCommand(argv: readonly string[]): Promise<CommandResult> {
  const parsed = parseArgs(argv);
  if ('code' in parsed) return parsed;
  const o = parsed;
  const kind = kindOf(o.target!);
  if (!kind) return usageError(`--target ${o.target}: use etcd://host:port or consul://host:port`);
  if (o.reference && kindOf(o.reference) !== kind) return usageError(`--reference ${o.reference}: must be a ${kind}:// URL like the target`);
  if (o.record && (kind !== 'etcd' || o.reference)) return usageError('--record takes an etcd:// target and no --reference');
  const select = scenarioFilter(o.scenario);
  const started = new Date();
  const t0 = performance.now();
  let report: ConformanceReport;
  try {
    if (kind === 'etcd') {
      const target = parseEtcdTarget(o.target!, '--target');
      const reference = o.reference ? parseEtcdTarget(o.reference, '--reference') : undefined;
      const version = await etcdctlVersion(o.etcdctl);
      if (!version) return { code: 2, stdout: '', stderr: `dcsgw conformance: cannot run ${o.etcdctl} (the etcd scenarios need genuine etcdctl 3.4; give --etcdctl PATH)\n` };
      // the recorded answers are etcdctl 3.4's output: another etcdctl prints differently
      if (!reference && !/ 3\.4\./.test(version)) process.stderr.write(`dcsgw conformance: warning: ${version}; the corpus's answers were recorded with etcdctl 3.4, so its output may differ (give --etcdctl PATH)\n`);
      const run = await runEtcdCorpus({ target, ...(reference ? { reference } : {}), etcdctl: o.etcdctl, select, progress: progressReporter('etcd') });
      if (o.record) {
        writeFileSync(o.record, renderRecordedModule({ server: await describeEtcdServer(target.endpoints[0]!), etcdctl: version, recordedAt: started.toISOString().slice(0, 10), scenarios: run.transcripts }, 'genuineEtcd'));
      }
      report = { target: target.display, reference: run.referenceLabel, tool: version, startedAt: started.toISOString(), seconds: 0, results: run.results };
    } else {
      const target = parseConsulTarget(o.target!, '--target');
      const reference = o.reference ? parseConsulTarget(o.reference, '--reference') : undefined;
      const run = await runConsulCorpus({ target, ...(reference ? { reference } : {}), select, progress: progressReporter('consul') });
      report = { target: target.display, reference: run.referenceLabel, startedAt: started.toISOString(), seconds: 0, results: run.results };
    }
  } catch (err) {
    if (err instanceof TargetUrlError) return usageError(err.message);
    return { code: 2, stdout: '', stderr: `dcsgw conformance: ${(err as Error).message}\n` };
  }
  report.seconds = (performance.now() - t0) / 1000;
  if (!report.results.some((r) => r.status !== 'skipped')) return usageError(`--scenario ${o.scenario ?? ''}: no scenario to run`);
  const rendered = o.format === 'json' ? renderJson(report) : o.format === 'junit' ? renderJunit(report) : renderText(report, { showSkipped: o.showSkipped });
  const ok = conforms(report);
  if (o.output) {
    writeFileSync(o.output, rendered);
    const text = renderText(report, { showSkipped: o.showSkipped });
    return { code: ok ? 0 : 1, stdout: o.format === 'text' ? text : text + `report: ${o.output}\n`, stderr: '' };
  }
  return { code: ok ? 0 : 1, stdout: rendered, stderr: '' };
}

const writeAll = (stream: NodeJS.WriteStream, text: string): Promise<void> =>
  new Promise((done) => (text ? stream.write(text, () => done()) : done()));

/** `dcsgw conformance ...`: runs, prints (a report can be large: written without blocking), exits. */
export async function conformanceMain(argv: readonly string[]): Promise<never> {
  const result = await runConformanceCommand(argv);
  await writeAll(process.stdout, result.stdout);
  await writeAll(process.stderr, result.stderr);
  process.exit(result.code);
}
