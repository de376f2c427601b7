// The Consul face over one Backend, in one call: ConsulCore, the agent runtime, the HTTP API and
// the DNS server. The `dcsgw` binary (etcd mode and `dcsgw agent`) and the tests' in-process face
// (test/support/consul-face.ts) all start it here, so what a test sees is what the binary serves.
import { loggableUrl } from './log-url.js';
import { rmSync } from 'node:fs';
import type { Logger } from 'pino';
import type { Backend } from '../../adapters/backend.js';
import { ConsulCore } from '../../compat/consul-core.js';
import { AgentRuntime, type AgentRuntimeOptions } from '../../compat/agent/agent-runtime.js';
import { formatGoDuration } from '../../compat/agent/go-duration.js';
import type { AgentIdentity, ConsulContext } from './context.js';
import { buildConsulHttp, type ConsulHttpServer } from './http-server.js';
import { startConsulDns } from './dns/index.js';
import type { TlsProtocolSettings } from './tls/agent-tls-settings.js';
import { answerPlainHttpOnTls, applyProtocolTls, loadProtocolTls } from './tls/https-tls.js';

export type ConsulListenerName = 'http' | 'https' | 'dns';

export interface ListenAddress {
  host: string;
  port: number;
  /**
   * True when the address is a default nobody asked for: if it is taken, the face runs without
   * this listener (reported in `skipped`) instead of failing, because several members or agents
   * started on one host would otherwise all fight for 8500 / 8600.
   */
  skipIfTaken?: boolean;
}

export interface ConsulFaceOptions {
  /** undefined: no HTTP API (Consul's ports.http = -1). */
  http?: ListenAddress;
  /** undefined: no HTTPS API (Consul's ports.https = -1, its default); `tls`: the agent's tls.https settings. */
  https?: ListenAddress & { tls: TlsProtocolSettings; autoTls?: boolean };
  /** undefined: no DNS server (ports.dns = -1). */
  dns?: ListenAddress;
  /** Upstream DNS servers for names outside the Consul domain (-recursor / recursors). */
  recursors?: readonly string[];
  /** The agent runtime (local services, checks, anti-entropy); defaults: nothing persisted, no definitions. */
  runtime?: FaceRuntimeOptions;
}

/** What the face's caller may set of the agent runtime's options (AgentRuntimeOptions documents them), and when it starts. */
export interface FaceRuntimeOptions
  extends Pick<
    AgentRuntimeOptions,
    | 'dataDir'
    | 'enableScriptChecks'
    | 'enableLocalScriptChecks'
    | 'nodeMeta'
    | 'definitions'
    | 'onLeave'
    | 'onReload'
    | 'antiEntropyIntervalMs'
    | 'checkReapIntervalMs'
    | 'checkDeregisterIntervalMinMs'
  > {
  /**
   * 'now' (an agent: its node is in the catalog from the start, as Consul's) or 'first-request'
   * (etcd mode: a member whose Consul face is never used writes nothing to the store, so etcd
   * clients see exactly the revisions genuine etcd gives; the first Consul HTTP request registers
   * the node and waits for it).
   */
  start?: 'now' | 'first-request';
}

export interface SkippedListener {
  listener: ConsulListenerName;
  address: string;
  reason: string;
}

/** What a started DNS server gives back (UDP and TCP on one address). */
export interface ConsulDnsHandle {
  readonly address: { host: string; port: number };
  close(): Promise<void>;
}

export interface ConsulFaceHandle {
  readonly core: ConsulCore;
  readonly ctx: ConsulContext;
  readonly runtime: AgentRuntime;
  /**
   * Settles once the runtime has registered this node and its configured services (it needs a
   * leader, so the listeners do not wait for it: a member of a cluster still forming serves
   * meanwhile). Rejects if registration failed (also logged).
   */
  readonly runtimeStarted: Promise<void>;
  readonly http: ConsulHttpServer | undefined;
  readonly https: ConsulHttpServer | undefined;
  /** Consul's reload of the HTTPS TLS settings: files re-read, used from the next handshake. Throws Consul's error (the old settings stay). */
  reloadHttpsTls(settings: TlsProtocolSettings): void;
  readonly dns: ConsulDnsHandle | undefined;
  /** Default listeners left out because their port was taken. */
  readonly skipped: readonly SkippedListener[];
  /** Stops the listeners, then the core; the Backend stays open (its owner closes it). */
  stop(): Promise<void>;
}

/** "127.0.0.1:8500", "[::1]:8500". */
export function formatHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

export function isAddressInUse(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === 'EADDRINUSE';
}

/** A listener that could not bind: which one and where, with the system's reason. */
export class ConsulListenError extends Error {
  constructor(
    readonly listener: ConsulListenerName,
    readonly address: string,
    readonly reason: unknown,
  ) {
    super(`listen ${listener === 'dns' ? 'udp' : 'tcp'} ${address}: ${listenReason(reason)}`);
    this.name = 'ConsulListenError';
  }
}

/** Go's net error text for a failed listen ("listen tcp 127.0.0.1:8500: bind: address already in use"). */
function listenReason(err: unknown): string {
  const e = err as NodeJS.ErrnoException | undefined;
  if (e?.code === 'EADDRINUSE') return 'bind: address already in use';
  if (e?.code === 'EADDRNOTAVAIL') return 'bind: cannot assign requested address';
  if (e?.code === 'EACCES') return 'bind: permission denied';
  return e?.message ?? String(err);
}

/** How long a request waits for the runtime's start (the node's registration) in 'first-request' mode. */
const FIRST_REQUEST_WAIT_MS = 2000;

/** The HTTP API on host:port; `beforeFirst` (if any) runs before any request is handled, once. */
async function listenHttp(ctx: ConsulContext, at: ListenAddress, beforeFirst: (() => Promise<void>) | undefined, tlsOptions?: import('node:tls').TlsOptions): Promise<ConsulHttpServer> {
  const app = buildConsulHttp(ctx, tlsOptions);
  if (ctx.logger.isLevelEnabled('debug')) {
    // Consul's agent.http debug line for every request (query strings with a token are not logged by Consul either; none here)
    app.addHook('onResponse', async (req, reply) => {
      const from = `${req.socket.remoteAddress ?? ''}:${req.socket.remotePort ?? ''}`;
      ctx.logger.debug({ module: 'agent.http', method: req.method, url: loggableUrl(req.url), from, latency: formatGoDuration(reply.elapsedTime * 1e6) }, 'Request finished');
    });
  }
  if (beforeFirst) {
    let done = false;
    app.addHook('onRequest', async () => {
      if (done) return;
      // without a leader the registration cannot finish: after a short wait the request goes on
      // and answers as the store lets it (stale reads work, writes say there is no leader)
      let timer: NodeJS.Timeout | undefined;
      const wait = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, FIRST_REQUEST_WAIT_MS);
      });
      await Promise.race([
        beforeFirst().then(
          () => {
            done = true;
          },
          () => undefined,
        ),
        wait,
      ]);
      clearTimeout(timer);
    });
  }
  // addresses.http = "unix:///path/to.sock": Consul serves HTTP on a Unix socket there, replacing a
  // socket file left by an earlier run.
  const socketPath = at.host.startsWith('unix://') ? at.host.slice('unix://'.length) : undefined;
  try {
    if (socketPath !== undefined) {
      rmSync(socketPath, { force: true });
      await app.listen({ path: socketPath });
    } else {
      await app.listen({ host: at.host, port: at.port });
    }
  } catch (err) {
    await app.close().catch(() => undefined);
    throw err;
  }
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : at.port;
  return { app, address: { host: at.host, port }, close: () => app.close() };
}

export async function startConsulFace(backend: Backend, agent: AgentIdentity, opts: ConsulFaceOptions, logger: Logger): Promise<ConsulFaceHandle> {
  const core = new ConsulCore(backend, { datacenter: agent.datacenter });
  const r = opts.runtime ?? {};
  // Every runtime option but `start` goes to the runtime as given (it reads each with ?? or as a flag).
  const { start: _when, ...runtimeOptions } = r;
  const runtime = new AgentRuntime(core, agent, { logger: logger.child({ module: 'agent' }), ...runtimeOptions });
  const ctx: ConsulContext = { core, agent, logger, runtime };
  const skipped: SkippedListener[] = [];
  let http: ConsulHttpServer | undefined;
  let https: ConsulHttpServer | undefined;
  let dns: ConsulDnsHandle | undefined;

  let runtimeStarted: Promise<void> | undefined;
  let startRuntime = (): Promise<void> => {
    runtimeStarted = runtime.start();
    runtimeStarted.catch((err: unknown) => logger.error({ err, module: 'agent' }, 'failed to register this node and its services'));
    startRuntime = () => runtimeStarted!;
    return runtimeStarted;
  };
  const closeAll = async (): Promise<void> => {
    await dns?.close().catch(() => undefined);
    await http?.close().catch(() => undefined);
    await https?.close().catch(() => undefined);
    // a start still waiting for a leader is not waited for long: stopping must not hang without quorum
    if (runtimeStarted) await Promise.race([runtimeStarted.catch(() => undefined), new Promise((res) => setTimeout(res, 1000).unref())]);
    await runtime.stop().catch(() => undefined);
    core.close();
  };

  try {
    if (opts.http) {
      const where = formatHostPort(opts.http.host, opts.http.port);
      try {
        http = await listenHttp(ctx, opts.http, r.start === 'first-request' ? () => startRuntime() : undefined);
      } catch (err) {
        if (opts.http.skipIfTaken && isAddressInUse(err)) skipped.push({ listener: 'http', address: where, reason: listenReason(err) });
        else throw new ConsulListenError('http', where, err);
      }
    }
    if (opts.https) {
      const where = formatHostPort(opts.https.host, opts.https.port);
      // the files were checked with the configuration; a failure here is a file changed since
      const loaded = loadProtocolTls(opts.https.tls, opts.https.autoTls);
      try {
        https = await listenHttp(ctx, opts.https, r.start === 'first-request' ? () => startRuntime() : undefined, { ...loaded.server, ALPNProtocols: ['http/1.1'] });
        answerPlainHttpOnTls(https.app.server as unknown as import('node:tls').Server);
      } catch (err) {
        throw new ConsulListenError('https', where, err);
      }
    }
    if (opts.dns) {
      const where = formatHostPort(opts.dns.host, opts.dns.port);
      try {
        // the DNS settings (dns_config, alt_domain) are read from the agent's configuration (ctx.agent.config)
        dns = await startConsulDns(ctx, { host: opts.dns.host, port: opts.dns.port, recursors: [...(opts.recursors ?? [])] });
      } catch (err) {
        if (opts.dns.skipIfTaken && isAddressInUse(err)) skipped.push({ listener: 'dns', address: where, reason: listenReason(err) });
        else throw new ConsulListenError('dns', where, err);
      }
    }
  } catch (err) {
    await closeAll();
    throw err;
  }

  if (r.start !== 'first-request') startRuntime();
  const started = new Promise<void>((resolve, reject) => {
    const poll = (): void => {
      if (runtimeStarted) runtimeStarted.then(resolve, reject);
      else setTimeout(poll, 50).unref();
    };
    poll();
  });
  started.catch(() => undefined);
  let stopped = false;
  return {
    core,
    ctx,
    runtime,
    runtimeStarted: started,
    http,
    https,
    reloadHttpsTls(settings) {
      const loaded = loadProtocolTls(settings, opts.https?.autoTls);
      if (https) applyProtocolTls(https.app.server as unknown as import('node:tls').Server, loaded);
    },
    dns,
    skipped,
    async stop() {
      if (stopped) return;
      stopped = true;
      await closeAll();
    },
  };
}
