// Runs corpus scenarios against a live etcd cluster (genuine or not) for `dcsgw conformance`.
// Every key a run writes lies under one run prefix, `~conformance/<run id>/<scenario>/`: the run
// id grows with time (a crashed run's leftovers sort before a later run's keys, so from-key ranges
// and watches of the later run see none of them) and the prefix is 24 bytes (a multiple of 3, so its
// base64 is the same leading text in every key's base64). After each scenario its keys are deleted
// and the leases it granted revoked; after the run, the whole run prefix is deleted.
// Answers are normalised as the project's differential suite normalises them, plus what differs
// between any two clusters: the run prefix, the endpoint, member and cluster IDs, the raft term.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpcJs from '@grpc/grpc-js';
import { Etcd3 } from 'etcd3';
import { Agent, fetch as undiciFetch } from 'undici';
import { runEtcdctl } from './etcdctl-process.js';
import { GrpcTarget, plain } from './grpc.js';
import type { EtcdConformanceTarget } from './live-target.js';
import { normalise, registerLeases, registerNewMembers, type NormaliseContext } from './normalise.js';
import { renderCtl, resolve, sortLinesAfterFirst, template, templateDeep } from './templates.js';
import type { Scenario, Step, StepContext } from './types.js';

export interface LiveOutcome {
  name: string;
  /** One normalised text per step that reports something. */
  observations: string[];
}

const PREFIX_HEAD = '~conformance/';
let runCounter = 0;

/** A fresh run prefix: `~conformance/` + 10 characters that sort by time + `/` (24 bytes). */
export function newRunPrefix(now = Date.now()): string {
  const id = now.toString(36).padStart(8, '0').slice(-8) + (runCounter++ % 1296).toString(36).padStart(2, '0');
  return `${PREFIX_HEAD}${id}/`;
}

/** The first key after every key starting with `prefix` (etcd's range_end for a prefix). */
export function prefixEnd(prefix: string): Buffer {
  const b = Buffer.from(prefix);
  for (let i = b.length - 1; i >= 0; i--) {
    if (b[i]! < 0xff) {
      const out = Buffer.from(b.subarray(0, i + 1));
      out[i] = b[i]! + 1;
      return out;
    }
  }
  return Buffer.from([0]);
}

interface Background {
  done: Promise<string>;
  abort: AbortController;
  stdout(): string;
}

export interface LiveRunnerOptions {
  etcdctl: string;
  runPrefix?: string;
  /** Which of the target's endpoints every client talks to (default the first). */
  endpointIndex?: number;
}

export class LiveEtcdRunner {
  readonly runPrefix: string;
  private readonly endpoint: string;
  private readonly hostPort: string;
  private readonly grpc: GrpcTarget;
  private readonly client: Etcd3;
  private readonly tmp: string;
  private readonly ctlTls: string[];
  private readonly httpAgent: Agent | undefined;
  private idLabels: Array<[bigint, string]> = [];
  private readonly fixedIds = new Set<string>();
  private lastToken: string | undefined;

  constructor(
    private readonly target: EtcdConformanceTarget,
    private readonly opts: LiveRunnerOptions,
  ) {
    this.runPrefix = opts.runPrefix ?? newRunPrefix();
    const first = target.endpoints[opts.endpointIndex ?? 0];
    if (!first) throw new Error('a conformance target needs an endpoint');
    this.endpoint = first;
    this.hostPort = first.replace(/^https?:\/\//, '');
    const t = target.tls;
    const ca = t?.caFile ? readFileSync(t.caFile) : undefined;
    const cert = t?.certFile ? readFileSync(t.certFile) : undefined;
    const key = t?.keyFile ? readFileSync(t.keyFile) : undefined;
    this.ctlTls = t ? [...(t.caFile ? [`--cacert=${t.caFile}`] : []), ...(t.certFile ? [`--cert=${t.certFile}`, `--key=${t.keyFile}`] : [])] : [];
    this.httpAgent = t ? new Agent({ connect: { ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}) } }) : undefined;
    this.grpc = new GrpcTarget(this.hostPort, t ? grpcJs.credentials.createSsl(ca ?? null, key ?? null, cert ?? null) : undefined);
    this.client = new Etcd3({
      hosts: first,
      dialTimeout: 3_000,
      ...(t ? { credentials: { rootCertificate: ca ?? Buffer.alloc(0), ...(key ? { privateKey: key } : {}), ...(cert ? { certChain: cert } : {}) } } : {}),
    });
    this.tmp = mkdtempSync(join(tmpdir(), 'dcsgw-conformance-'));
  }

  /** A runner on the first of the target's endpoints that answers (every client of a run talks to
   * that one member: answers then do not depend on which member a client picked). */
  static async open(target: EtcdConformanceTarget, opts: LiveRunnerOptions): Promise<LiveEtcdRunner> {
    const failures: string[] = [];
    for (let i = 0; i < target.endpoints.length; i++) {
      const runner = new LiveEtcdRunner(target, { ...opts, endpointIndex: i });
      try {
        await runner.connect();
        return runner;
      } catch (err) {
        runner.close();
        failures.push((err as Error).message);
      }
    }
    throw new Error(failures.join('; '));
  }

  /** Checks the target answers and learns its member and cluster IDs (labelled in every answer). */
  async connect(): Promise<void> {
    const res = await this.grpc.unary('Cluster.MemberList', {}, 5_000);
    if (res.error) throw new Error(`${this.target.display} does not answer as etcd at ${this.endpoint}: ${res.text}`);
    const v = res.value as { header: { cluster_id: string }; members: { ID: string }[] };
    this.idLabels = [[BigInt(v.header.cluster_id), '<CLUSTER>'], ...v.members.map((m): [bigint, string] => [BigInt(m.ID), '<MEMBER>'])];
    for (const [id] of this.idLabels) this.fixedIds.add(id.toString(10));
  }

  close(): void {
    this.grpc.close();
    this.client.close();
    void this.httpAgent?.close();
    rmSync(this.tmp, { recursive: true, force: true });
  }

  /** Deletes everything the run wrote (its whole prefix); answers how many keys were left. */
  async cleanupRun(): Promise<number> {
    const res = await this.grpc.unary('KV.DeleteRange', { key: Buffer.from(this.runPrefix), range_end: prefixEnd(this.runPrefix) });
    return Number((res.value as { deleted?: string } | undefined)?.deleted ?? 0);
  }

  async run(scenario: Scenario): Promise<LiveOutcome> {
    const prefix = `${this.runPrefix}${scenario.name}/`;
    // a linearizable read: the revision and term every later answer is relative to
    const head = await this.grpc.unary('KV.Range', { key: Buffer.from(prefix), limit: 1 });
    if (head.error) throw new Error(`${this.target.display}: ${head.text}`);
    const header = (head.value as { header: { revision: string; raft_term: string } }).header;
    const baseRevision = Number(header.revision);
    const nctx: NormaliseContext = {
      clientPort: -1,
      peerPort: -1,
      tmp: this.tmp,
      baseRevision,
      baseRaftIndex: 0,
      fixedIds: this.fixedIds,
      leases: [],
      prefix,
      idLabels: [...this.idLabels],
      baseTerm: Number(header.raft_term),
    };
    const ctx: StepContext = {
      p: prefix,
      baseRevision,
      rev: (n) => baseRevision + n,
      leases: nctx.leases,
      tmp: this.tmp,
      clientUrl: this.endpoint,
      ports: [],
      peerPorts: [],
      memberIds: [],
      newMemberIds: () => [],
    };
    const background = new Map<string, Background>();
    const observations: string[] = [];
    try {
      for (const step of scenario.steps) {
        let raw: string;
        try {
          raw = await this.step(step, ctx, background);
        } catch (err) {
          raw = `HARNESS ERROR ${(err as Error).message}`;
        }
        if (raw === '') continue;
        registerNewMembers(raw, nctx);
        registerLeases(raw, nctx);
        const text = normalise(this.relabel(raw), nctx);
        observations.push('ctl' in step && step.sortLines ? sortLinesAfterFirst(text) : text);
      }
    } finally {
      for (const bg of background.values()) {
        bg.abort.abort();
        await bg.done.catch(() => undefined);
      }
      await this.grpc.unary('KV.DeleteRange', { key: Buffer.from(prefix), range_end: prefixEnd(prefix) });
      for (const id of nctx.leases) await this.grpc.unary('Lease.LeaseRevoke', { ID: id.toString(10) });
    }
    return { name: scenario.name, observations };
  }

  /** What differs between any two clusters running the same scenario: the run prefix (as text,
   * base64, hex and etcdctl's \x escapes) and the endpoint. */
  private relabel(raw: string): string {
    const p = Buffer.from(this.runPrefix);
    let t = raw;
    t = t.split(this.runPrefix).join('<RUN>/');
    t = t.split(p.toString('base64')).join('<RUN64>');
    t = t.split(p.toString('hex')).join('<RUNHEX>');
    t = t.split([...p].map((c) => `\\x${c.toString(16).padStart(2, '0')}`).join('')).join('<RUNX>');
    t = t.split(this.endpoint).join('<ENDPOINT-URL>');
    t = t.split(this.hostPort).join('<ENDPOINT>');
    return t;
  }

  private async step(step: Step, ctx: StepContext, background: Map<string, Background>): Promise<string> {
    if ('sleep' in step) {
      await new Promise((r) => setTimeout(r, step.sleep));
      return '';
    }
    if ('await' in step) {
      const bg = background.get(step.await);
      if (!bg) throw new Error(`no background step ${step.await}`);
      return bg.done;
    }
    if ('interrupt' in step) {
      const bg = background.get(step.interrupt);
      if (!bg) throw new Error(`no background step ${step.interrupt}`);
      if (step.after) {
        const re = new RegExp(template(step.after, ctx), 'm');
        const deadline = Date.now() + 10_000;
        while (!re.test(bg.stdout()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      }
      bg.abort.abort();
      return '';
    }
    if ('seed' in step) {
      const lines: string[] = [];
      for (const [k, v] of step.seed) {
        const res = await this.grpc.unary('KV.Put', { key: Buffer.from(template(k, ctx)), value: Buffer.from(template(v, ctx)) });
        lines.push(res.error ? res.text : `put ${k}`);
      }
      if (lines.length > 10) return `seed: ${lines.filter((l) => l.startsWith('put ')).length} puts\n${lines.filter((l) => !l.startsWith('put ')).join('\n')}`;
      return `seed\n${lines.join('\n')}`;
    }
    if ('ctl' in step) {
      const args = [...this.ctlTls, ...step.ctl.map((a) => template(a, ctx))];
      const until = step.until === undefined ? undefined : new RegExp(template(step.until, ctx), 'm');
      const abort = new AbortController();
      let stdout = '';
      if (step.retryUntil) {
        const want = new RegExp(template(step.retryUntil, ctx), 'm');
        const deadline = Date.now() + (step.retryMs ?? 15_000);
        const once = () => runEtcdctl([this.endpoint], args, { binary: this.opts.etcdctl, timeoutMs: 15_000, interruptAtTimeout: false });
        let r = await once();
        while (!want.test(r.stdout) && Date.now() < deadline) {
          await new Promise((res) => setTimeout(res, 500));
          r = await once();
        }
        return renderCtl(step.ctl, r, step.stdoutOnly ?? false);
      }
      const run = runEtcdctl([this.endpoint], args, {
        binary: this.opts.etcdctl,
        input: step.input === undefined ? undefined : template(step.input, ctx),
        keepStdinOpen: step.keepStdinOpen,
        timeoutMs: step.interruptAfterMs ?? (until || step.background ? 10_000 : 15_000),
        interruptAtTimeout: step.interruptAfterMs !== undefined || until !== undefined || step.background !== undefined,
        interruptWhen: until ? (out) => until.test(out) : undefined,
        graceMs: 200,
        signal: abort.signal,
        onStdout: (out) => void (stdout = out),
      }).then((r) => renderCtl(step.ctl, r, step.stdoutOnly ?? false));
      if (step.background) {
        background.set(step.background, { done: run, abort, stdout: () => stdout });
        return '';
      }
      return run;
    }
    if ('grpc' in step) {
      const req = templateDeep(resolve(step.req ?? {}, ctx), ctx);
      const token = step.token === 'last' ? (this.lastToken ?? 'no-token-yet') : step.token;
      const res = await this.grpc.unary(step.grpc, req, 5_000, token);
      const got = (res.value as { token?: string } | undefined)?.token;
      if (step.grpc === 'Auth.Authenticate' && got) this.lastToken = got;
      return `grpc ${step.grpc}${step.token ? ` (token ${step.token})` : ''}\n${res.text}`;
    }
    if ('grpcRaw' in step) return `grpc raw ${step.grpcRaw}\n${await this.grpc.raw(step.grpcRaw, Buffer.from(step.hex ?? '', 'hex'))}`;
    if ('grpcStream' in step) {
      const send = templateDeep(resolve(step.send, ctx), ctx) as Record<string, unknown>[];
      return `grpc stream ${step.grpcStream}\n${await this.grpc.stream(step.grpcStream, send, step.count, step.ms)}`;
    }
    if ('http' in step) {
      const until = step.until === undefined ? undefined : new RegExp(template(step.until, ctx), 'm');
      return this.http(step.http, step.body === undefined ? undefined : templateDeep(resolve(step.body, ctx), ctx), step.streamMs, step.pick, until);
    }
    if ('client' in step) {
      try {
        const value = await step.client(this.client, ctx);
        return `etcd3 ${step.label}\n${JSON.stringify(plain(value ?? null))}`;
      } catch (err) {
        const e = err as Error;
        return `etcd3 ${step.label}\nERROR ${e.constructor.name}: ${e.message}`;
      }
    }
    // member, lease-wide and other steps are refused by liveExclusion before a run
    throw new Error(`step not run against a live cluster: ${JSON.stringify(step)}`);
  }

  private async http(spec: string, body: unknown, streamMs: number | undefined, pick: ((b: string) => string) | undefined, until: RegExp | undefined): Promise<string> {
    const [method, path] = spec.split(' ') as [string, string];
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(), streamMs ?? 5_000);
    let text = '';
    let status = 0;
    let type = '';
    try {
      const init = { method, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body), signal: ac.signal };
      const res = this.httpAgent ? await undiciFetch(`${this.endpoint}${path}`, { ...init, dispatcher: this.httpAgent }) : await fetch(`${this.endpoint}${path}`, init);
      status = res.status;
      type = (res.headers.get('content-type') ?? '').split(';')[0] ?? '';
      const reader = res.body?.getReader();
      const dec = new TextDecoder();
      if (reader) {
        try {
          for (;;) {
            const { done, value } = await reader.read();
            if (done) break;
            text += dec.decode(value, { stream: true });
            if (until?.test(text)) {
              until = undefined;
              setTimeout(() => ac.abort(), 200);
            }
          }
        } catch {
          text += '\n(stream cut at the end of the window)';
        }
      }
    } catch (err) {
      if (status === 0) text = `FETCH ERROR ${(err as Error).name}`;
    } finally {
      clearTimeout(timer);
    }
    return `${spec}\nHTTP ${status} ${type}\n${pick ? pick(text) : text}`;
  }
}
