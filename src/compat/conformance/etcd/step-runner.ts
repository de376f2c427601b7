// The steps of a conformance scenario run against one etcd endpoint, and their answers recorded
// as normalised text: the one implementation behind `dcsgw conformance` (live-runner.ts, against a
// user's cluster) and the project's differential suite (test/conformance/harness/runner.ts, against
// members it starts, where member steps are added).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpcJs from '@grpc/grpc-js';
import { Etcd3 } from 'etcd3';
import { Agent, fetch as undiciFetch } from 'undici';
import { runEtcdctl } from './etcdctl-process.js';
import { GrpcTarget, plain } from './grpc.js';
import { normalise, registerLeases, registerNewMembers, type NormaliseContext } from './normalise.js';
import { renderCtl, resolve, sortLinesAfterFirst, template, templateDeep } from './templates.js';
import type { CtlStep, Scenario, Step, StepContext } from './types.js';

/** Client TLS files (as etcdctl's --cacert, --cert, --key name them). */
export interface ClientTlsFiles {
  caFile?: string;
  certFile?: string;
  keyFile?: string;
}

export interface StepRunnerOptions {
  /** `http(s)://host:port` every client (etcdctl, gRPC, etcd3, HTTP) talks to. */
  endpoint: string;
  tls?: ClientTlsFiles | undefined;
  /** The etcdctl binary. */
  etcdctl: string;
  /** Name prefix of the scratch dir (removed by close()). */
  tmpPrefix: string;
}

/** A background step (a watch, lock, elect started by one step and awaited or interrupted by a later one). */
export interface BackgroundStep {
  done: Promise<string>;
  abort: AbortController;
  stdout(): string;
}

export abstract class ScenarioStepRunner {
  readonly grpc: GrpcTarget;
  readonly client: Etcd3;
  /** Scratch dir of the scenarios (snapshot files, certificates placed by a test). */
  readonly tmp: string;
  protected readonly endpoint: string;
  protected readonly hostPort: string;
  /** etcdctl's TLS flags (empty for plaintext). */
  protected readonly ctlTls: string[];
  private readonly httpAgent: Agent | undefined;
  private readonly etcdctlBinary: string;
  private lastToken: string | undefined;

  constructor(opts: StepRunnerOptions) {
    this.endpoint = opts.endpoint;
    this.hostPort = opts.endpoint.replace(/^https?:\/\//, '');
    this.etcdctlBinary = opts.etcdctl;
    const t = opts.tls;
    const ca = t?.caFile ? readFileSync(t.caFile) : undefined;
    const cert = t?.certFile ? readFileSync(t.certFile) : undefined;
    const key = t?.keyFile ? readFileSync(t.keyFile) : undefined;
    this.ctlTls = t ? [...(t.caFile ? [`--cacert=${t.caFile}`] : []), ...(t.certFile ? [`--cert=${t.certFile}`, `--key=${t.keyFile}`] : [])] : [];
    this.httpAgent = t ? new Agent({ connect: { ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}) } }) : undefined;
    this.grpc = new GrpcTarget(this.hostPort, t ? grpcJs.credentials.createSsl(ca ?? null, key ?? null, cert ?? null) : undefined);
    this.client = new Etcd3({
      hosts: opts.endpoint,
      dialTimeout: 3_000,
      ...(t ? { credentials: { rootCertificate: ca ?? Buffer.alloc(0), ...(key ? { privateKey: key } : {}), ...(cert ? { certChain: cert } : {}) } } : {}),
    });
    this.tmp = mkdtempSync(join(tmpdir(), opts.tmpPrefix));
  }

  close(): void {
    this.grpc.close();
    this.client.close();
    void this.httpAgent?.close();
    rmSync(this.tmp, { recursive: true, force: true });
  }

  /** A step only this kind of runner knows (member steps); undefined when it is not one. */
  protected extraStep(_step: Step, _ctx: StepContext): Promise<string> | undefined {
    return undefined;
  }

  /** The endpoints an etcdctl step talks to. */
  protected ctlEndpoints(_step: CtlStep): string[] {
    return [this.endpoint];
  }

  /** What differs between two targets and normalisation does not label (default: nothing). */
  protected relabel(raw: string): string {
    return raw;
  }

  /** A step that is none of the known ones. */
  protected refuse(step: Step): never {
    throw new Error(`unknown step ${JSON.stringify(step)}`);
  }

  /** Runs the scenario's steps in order: one normalised text per step that reports something. */
  protected async observe(scenario: Scenario, ctx: StepContext, nctx: NormaliseContext, background: Map<string, BackgroundStep>): Promise<string[]> {
    const observations: string[] = [];
    for (const step of scenario.steps) {
      let raw: string;
      try {
        raw = await this.step(step, ctx, background);
      } catch (err) {
        raw = `HARNESS ERROR ${(err as Error).message}`;
      }
      if (raw === '') continue; // a step with nothing to report (sleep, background start)
      registerNewMembers(raw, nctx);
      registerLeases(raw, nctx);
      const text = normalise(this.relabel(raw), nctx);
      // order left to chance by etcd: compare the lines (after normalisation, as IDs differ) sorted
      observations.push('ctl' in step && step.sortLines ? sortLinesAfterFirst(text) : text);
    }
    return observations;
  }

  private async step(step: Step, ctx: StepContext, background: Map<string, BackgroundStep>): Promise<string> {
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
    const extra = this.extraStep(step, ctx);
    if (extra) return extra;
    if ('seed' in step) {
      const lines: string[] = [];
      for (const [k, v] of step.seed) {
        const res = await this.grpc.unary('KV.Put', { key: Buffer.from(template(k, ctx)), value: Buffer.from(template(v, ctx)) });
        lines.push(res.error ? res.text : `put ${k}`);
      }
      // a long seed reads as its count (and whatever failed)
      if (lines.length > 10) return `seed: ${lines.filter((l) => l.startsWith('put ')).length} puts\n${lines.filter((l) => !l.startsWith('put ')).join('\n')}`;
      return `seed\n${lines.join('\n')}`;
    }
    if ('ctl' in step) {
      const args = [...this.ctlTls, ...step.ctl.map((a) => template(a, ctx))];
      const endpoints = this.ctlEndpoints(step);
      const until = step.until === undefined ? undefined : new RegExp(template(step.until, ctx), 'm');
      const abort = new AbortController();
      let stdout = '';
      if (step.retryUntil) {
        const want = new RegExp(template(step.retryUntil, ctx), 'm');
        const deadline = Date.now() + (step.retryMs ?? 15_000);
        const once = () => runEtcdctl(endpoints, args, { binary: this.etcdctlBinary, timeoutMs: 15_000, interruptAtTimeout: false });
        let r = await once();
        while (!want.test(r.stdout) && Date.now() < deadline) {
          await new Promise((res) => setTimeout(res, 500));
          r = await once();
        }
        return renderCtl(step.ctl, r, step.stdoutOnly ?? false);
      }
      const run = runEtcdctl(endpoints, args, {
        binary: this.etcdctlBinary,
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
    return this.refuse(step);
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
      // over TLS: undici's own fetch, which takes the client certificate through its Agent
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
