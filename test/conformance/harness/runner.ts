// Runs scenarios against one target (a running member) and records the normalised answers.
// Scenarios run one after another on a target, so revisions advance identically on both targets;
// the two targets run side by side.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import * as grpcJs from '@grpc/grpc-js';
import { Etcd3 } from 'etcd3';
import { Agent, fetch as undiciFetch } from 'undici';
import { etcdctl, startMemberOfKind, waitHealthy, type RunningMember } from '../../support/index.js';
import { renderCtl, resolve, sortLinesAfterFirst, template, templateDeep } from '../../../src/compat/conformance/etcd/templates.js';
import { GrpcTarget, plain } from './grpc.js';
import { normalise, registerLeases, registerNewMembers, type NormaliseContext } from './normalise.js';
import type { Scenario, Step, StepContext } from './types.js';

export interface ScenarioOutcome {
  name: string;
  /** One normalised text per step. */
  observations: string[];
}

export interface ClusterOptions {
  /** Spare loopback ports of this target for scenarios (`{X1}`...; labelled <X1>...), e.g. member add URLs. */
  sparePorts?: number[];
  /** The target serves https with client-certificate auth: every client (etcdctl, gRPC, etcd3, HTTP) uses these files. */
  tls?: TargetTls;
}

export interface TargetTls {
  ca: string;
  cert: string;
  key: string;
}

export class TargetRunner {
  readonly grpc: GrpcTarget;
  readonly client: Etcd3;
  readonly tmp: string;
  readonly member: RunningMember;
  /** Cluster mode (more than one member): IDs and ports are labelled by member name. */
  readonly members: RunningMember[];
  private fixedIds = new Set<string>();
  private lastToken: string | undefined;
  private idLabels: Array<[bigint, string]> | undefined;
  private readonly sparePorts: number[];
  /** etcdctl's TLS flags (empty for plaintext). */
  private readonly ctlTls: string[];
  private readonly httpAgent: Agent | undefined;

  constructor(members: RunningMember | RunningMember[], opts: ClusterOptions = {}) {
    this.members = Array.isArray(members) ? [...members] : [members];
    const first = this.members[0];
    if (!first) throw new Error('TargetRunner needs a member');
    this.member = first;
    this.sparePorts = opts.sparePorts ?? [];
    const t = opts.tls;
    const files = t ? { ca: readFileSync(t.ca), cert: readFileSync(t.cert), key: readFileSync(t.key) } : undefined;
    this.ctlTls = t ? [`--cacert=${t.ca}`, `--cert=${t.cert}`, `--key=${t.key}`] : [];
    this.httpAgent = files ? new Agent({ connect: { ca: files.ca, cert: files.cert, key: files.key } }) : undefined;
    this.grpc = new GrpcTarget(`127.0.0.1:${first.clientPort}`, files ? grpcJs.credentials.createSsl(files.ca, files.key, files.cert) : undefined);
    this.client = new Etcd3({
      hosts: first.clientUrl,
      dialTimeout: 3_000,
      ...(files ? { credentials: { rootCertificate: files.ca, privateKey: files.key, certChain: files.cert } } : {}),
    });
    this.tmp = mkdtempSync(join(tmpdir(), `conf-${first.kind}-`));
  }

  private get clusterMode(): boolean {
    return this.members.length > 1;
  }

  /** Cluster mode: label every member ID by name and the cluster ID, from the member list. */
  private async labelIds(): Promise<Array<[bigint, string]>> {
    if (this.idLabels) return this.idLabels;
    const res = await this.grpc.unary('Cluster.MemberList', {});
    if (res.error) throw new Error(`member list for ID labels: ${res.text}`);
    const v = res.value as { header: { cluster_id: string }; members: { ID: string; name: string }[] };
    this.idLabels = [[BigInt(v.header.cluster_id), '<CLUSTER>'], ...v.members.map((m): [bigint, string] => [BigInt(m.ID), `<M:${m.name}>`])];
    for (const [id] of this.idLabels) this.fixedIds.add(id.toString(10));
    return this.idLabels;
  }

  private portLabels(): Array<[number, string]> {
    const out: Array<[number, string]> = [];
    for (const m of this.members) out.push([m.clientPort, `<C:${m.name}>`], [m.peerPort, `<P:${m.name}>`]);
    this.sparePorts.forEach((p, i) => out.push([p, `<X${i + 1}>`]));
    return out;
  }

  close(): void {
    this.grpc.close();
    this.client.close();
    void this.httpAgent?.close();
    rmSync(this.tmp, { recursive: true, force: true });
  }

  /** Revision and raft index now (via Maintenance.Status; a KV range when Status is not served). */
  private async position(): Promise<{ revision: number; raftIndex: number; term: number }> {
    // Status is answered from what this member has applied: a write the previous scenario sent
    // through another member may not be applied here yet (genuine etcd applies asynchronously and
    // lags under load). A linearizable read first waits until this member has applied everything
    // committed so far (ReadIndex: no log entry, so revision and raft index stay as they are).
    if (this.clusterMode) await this.grpc.unary('KV.Range', { key: Buffer.from('\0') });
    const st = await this.grpc.unary('Maintenance.Status', {});
    if (!st.error) {
      const v = st.value as { header: { revision: string; member_id: string; cluster_id: string; raft_term: string }; raftIndex: string };
      this.fixedIds.add(v.header.member_id).add(v.header.cluster_id);
      return { revision: Number(v.header.revision), raftIndex: Number(v.raftIndex), term: Number(v.header.raft_term) };
    }
    const r = await this.grpc.unary('KV.Range', { key: Buffer.from('\0') });
    const v = r.value as { header?: { revision: string; raft_term: string } } | undefined;
    return { revision: Number(v?.header?.revision ?? 0), raftIndex: 0, term: Number(v?.header?.raft_term ?? 0) };
  }

  async run(scenario: Scenario): Promise<ScenarioOutcome> {
    const pos = await this.position();
    const prefix = `${scenario.name}/`;
    const nctx: NormaliseContext = {
      clientPort: this.member.clientPort,
      peerPort: this.member.peerPort,
      tmp: this.tmp,
      baseRevision: pos.revision,
      baseRaftIndex: pos.raftIndex,
      fixedIds: this.fixedIds,
      leases: [],
      prefix,
      ...(this.clusterMode ? { portLabels: this.portLabels(), idLabels: [...(await this.labelIds())], baseTerm: pos.term } : {}),
    };
    const ctx: StepContext = {
      p: prefix,
      baseRevision: pos.revision,
      rev: (n) => pos.revision + n,
      leases: nctx.leases,
      tmp: this.tmp,
      clientUrl: this.member.clientUrl,
      ports: this.sparePorts,
      peerPorts: this.members.map((m) => m.peerPort),
      memberIds: (nctx.idLabels ?? [])
        .filter(([, l]) => l.startsWith('<M:'))
        .sort(([, a], [, b]) => a.localeCompare(b))
        .map(([id]) => id),
      newMemberIds: () => (nctx.idLabels ?? []).filter(([, l]) => l.startsWith('<NEW')).map(([id]) => id),
    };
    const background = new Map<string, Background>();
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
      const text = normalise(raw, nctx);
      // order left to chance by etcd: compare the lines (after normalisation, as IDs differ) sorted
      observations.push('ctl' in step && step.sortLines ? sortLinesAfterFirst(text) : text);
    }
    return { name: scenario.name, observations };
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
    if ('revokeAllLeases' in step) {
      // report what the leases held (keys carry scenario prefixes): a leaked lease names its scenario
      const list = await this.grpc.unary('Lease.LeaseLeases', {});
      const leases = (list.value as { leases?: { ID: string }[] } | undefined)?.leases ?? [];
      const held: string[] = [];
      let keyless = 0;
      for (const l of leases) {
        const ttl = await this.grpc.unary('Lease.LeaseTimeToLive', { ID: l.ID, keys: true });
        const keys = ((ttl.value as { keys?: Buffer[] } | undefined)?.keys ?? []).map((k) => k.toString());
        if (keys.length === 0) keyless++;
        held.push(...keys);
        await this.grpc.unary('Lease.LeaseRevoke', { ID: l.ID });
      }
      // how many leases exist (and how many hold no key) depends on timing: etcdctl lock/elect
      // sessions interrupted by SIGINT linger until their TTL runs out; only the held keys are stable
      void keyless;
      return `revoked all leases${list.error ? ` (${list.text})` : ''}; they held keys:\n${held.sort().join('\n')}`;
    }
    if ('stopMember' in step) {
      const m = this.members[step.stopMember];
      if (!m) throw new Error(`no member ${step.stopMember}`);
      await m.stop({ keepDataDir: true });
      return `stopped member ${m.name}`;
    }
    if ('startMember' in step) {
      const m = this.members[step.startMember];
      if (!m) throw new Error(`no member ${step.startMember}`);
      this.members[step.startMember] = await m.restart({ initialClusterState: 'existing', waitReady: false });
      return `started member ${m.name}`;
    }
    if ('startNewMember' in step) {
      const first = this.member;
      const name = step.startNewMember.name;
      const peerPort = Number(template(step.startNewMember.peerPort, ctx));
      const clientPort = Number(template(step.startNewMember.clientPort, ctx));
      const initialCluster = [...this.members.map((m) => `${m.name}=${m.peerUrl}`), `${name}=http://127.0.0.1:${peerPort}`].join(',');
      const m = await startMemberOfKind(first.kind, {
        name,
        clientPort,
        peerPort,
        initialCluster,
        initialClusterState: 'existing',
        initialClusterToken: first.options.initialClusterToken,
        waitReady: false,
      });
      this.members.push(m);
      return `started new member ${name}`;
    }
    if ('dropMember' in step) {
      const m = this.members[step.dropMember];
      if (!m) throw new Error(`no member ${step.dropMember}`);
      await m.stop();
      this.members.splice(step.dropMember, 1);
      return `dropped member ${m.name}`;
    }
    if ('waitHealthy' in step) {
      for (const i of step.waitHealthy) {
        const m = this.members[i];
        if (!m) throw new Error(`no member ${i}`);
        await waitHealthy(m.clientUrl, 30_000, m.process);
      }
      return '';
    }
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
      const endpoint = step.hostPort
        ? `127.0.0.1:${this.member.clientPort}`
        : step.endpoints === 'all'
          ? this.members.flatMap((m) => m.endpoints)
          : typeof step.endpoints === 'number'
            ? (this.members[step.endpoints]?.endpoints ?? [])
            : this.member.endpoints;
      const until = step.until === undefined ? undefined : new RegExp(template(step.until, ctx), 'm');
      const abort = new AbortController();
      let stdout = '';
      if (step.retryUntil) {
        const want = new RegExp(template(step.retryUntil, ctx), 'm');
        const deadline = Date.now() + (step.retryMs ?? 15_000);
        let r = await etcdctl(endpoint, args, { timeoutMs: 15_000 });
        while (!want.test(r.stdout) && Date.now() < deadline) {
          await new Promise((res) => setTimeout(res, 500));
          r = await etcdctl(endpoint, args, { timeoutMs: 15_000 });
        }
        return renderCtl(step.ctl, r, step.stdoutOnly ?? false);
      }
      const run = etcdctl(endpoint, args, {
        input: step.input === undefined ? undefined : template(step.input, ctx),
        keepStdinOpen: step.keepStdinOpen,
        timeoutMs: step.interruptAfterMs ?? (until || step.background ? 10_000 : 15_000),
        interruptAtTimeout: step.interruptAfterMs !== undefined || until !== undefined || step.background !== undefined,
        interruptWhen: until ? (out) => until.test(out) : undefined,
        interruptGraceMs: 200,
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
    if ('grpcRaw' in step) {
      return `grpc raw ${step.grpcRaw}\n${await this.grpc.raw(step.grpcRaw, Buffer.from(step.hex ?? '', 'hex'))}`;
    }
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
    throw new Error(`unknown step ${JSON.stringify(step)}`);
  }

  private async http(
    spec: string,
    body: unknown,
    streamMs: number | undefined,
    pick: ((b: string) => string) | undefined,
    until: RegExp | undefined,
  ): Promise<string> {
    const [method, path] = spec.split(' ') as [string, string];
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(), streamMs ?? 5_000);
    let text = '';
    let status = 0;
    let type = '';
    try {
      // over TLS: undici's own fetch, which takes the client certificate through its Agent
      const doFetch = (this.httpAgent ? (url: string, init: RequestInit) => undiciFetch(url, { ...(init as object), dispatcher: this.httpAgent }) : fetch) as typeof fetch;
      const res = await doFetch(`${this.member.clientUrl}${path}`, {
        method,
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
        signal: ac.signal,
      });
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

interface Background {
  done: Promise<string>;
  abort: AbortController;
  stdout(): string;
}
