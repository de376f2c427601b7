// A client agent's link to its servers (Consul's router manager + retry-join, seen from the agent
// runtime): whether the servers answer right now, and what to do when that changes. The seed's
// Kubernetes pain was a client agent that lost all servers and never came back without a restart;
// here the link keeps probing forever, and each time the servers answer again (or answer as a
// store that was wiped or replaced) the agent runs a full anti-entropy sync, which registers its
// node, services and checks again. The first node registration waits for the servers instead of
// failing the agent's start, so a client started before its servers serves its HTTP API, keeps
// what is registered on it locally, and syncs once they are up.
import type { AgentCatalog, RegisterRequest } from './agent-catalog.js';

export interface ServerProbe {
  /** Some server answered, with a leader; `storeId` names the replicated store (changes when it is replaced). */
  ok: boolean;
  storeId?: string;
  /** The store's revision as answered: going backwards means the servers restarted from less data. */
  revision?: number;
  error?: string;
}

export interface ServerLinkEvents {
  /** The first answer with a leader (the agent has "joined"). */
  onJoined(): void;
  /** No answer any more (logged once per outage). */
  onLost(error: string): void;
  /** Answering again after an outage, or answering as a different/wiped store: the agent must resync everything. */
  onRegained(reason: 'reconnected' | 'store-replaced'): void;
  /** A failed attempt while not joined yet (Consul's "Join cluster failed, will retry"). */
  onJoinFailed(error: string, attempt: number): void;
}

export interface ServerLinkOptions {
  probe: () => Promise<ServerProbe>;
  /** How often the servers are probed (also while they are down). */
  intervalMs: number;
  events: ServerLinkEvents;
}

export class ServerLink {
  private timer: NodeJS.Timeout | undefined;
  private started = false;
  private stopped = false;
  private joined = false;
  private isUp = false;
  private attempts = 0;
  private lastStoreId: string | undefined;
  private lastRevision = 0;
  private upWaiters: Array<() => void> = [];
  private probing: Promise<void> | undefined;

  constructor(private readonly opts: ServerLinkOptions) {}

  get up(): boolean {
    return this.isUp;
  }

  get hasJoined(): boolean {
    return this.joined;
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    this.tick();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    for (const w of this.upWaiters.splice(0)) w();
  }

  /** Resolves once the servers answer (at once when they do now; a link not started yet waits for its start); also when the link stops. */
  whenUp(): Promise<void> {
    if (this.isUp || this.stopped) return Promise.resolve();
    return new Promise((resolve) => this.upWaiters.push(resolve));
  }

  /** Probes now (a write just failed: the next probe need not wait for the timer). */
  probeNow(): Promise<void> {
    this.probing ??= this.probeOnce().finally(() => {
      this.probing = undefined;
    });
    return this.probing;
  }

  private tick(): void {
    if (this.stopped) return;
    void this.probeNow().finally(() => {
      if (this.stopped) return;
      this.timer = setTimeout(() => this.tick(), this.opts.intervalMs);
      this.timer.unref();
    });
  }

  private async probeOnce(): Promise<void> {
    let result: ServerProbe;
    try {
      result = await this.opts.probe();
    } catch (err) {
      result = { ok: false, error: err instanceof Error ? err.message : String(err) };
    }
    if (this.stopped) return;
    const ev = this.opts.events;
    if (!result.ok) {
      if (!this.joined) ev.onJoinFailed(result.error ?? 'no servers answered', ++this.attempts);
      else if (this.isUp) ev.onLost(result.error ?? 'no servers answered');
      this.isUp = false;
      return;
    }
    // another store, or one whose revisions started over (a server answering a little behind
    // another is not that: its revision lags by a few writes, not by half the history)
    const replaced =
      this.joined &&
      ((result.storeId !== undefined && this.lastStoreId !== undefined && result.storeId !== this.lastStoreId) ||
        (result.revision !== undefined && result.revision < this.lastRevision / 2));
    if (result.storeId !== undefined) this.lastStoreId = result.storeId;
    if (result.revision !== undefined) this.lastRevision = result.revision;
    const wasUp = this.isUp;
    this.isUp = true;
    for (const w of this.upWaiters.splice(0)) w();
    if (!this.joined) {
      this.joined = true;
      ev.onJoined();
      return;
    }
    if (replaced) ev.onRegained('store-replaced');
    else if (!wasUp) ev.onRegained('reconnected');
  }
}

/**
 * The catalog a client agent's runtime writes through: the node's first registration (the agent's
 * start) waits until the servers answer and is retried until it is written, instead of failing
 * the start. Every later call goes straight through while the link is up; a failure is logged by
 * anti-entropy and retried at the next sync, which the link triggers as soon as the servers are back.
 */
export function patientCatalog(catalog: AgentCatalog, link: ServerLink, retryMs: number): AgentCatalog {
  let nodeRegistered = false;
  const register = async (req: RegisterRequest): Promise<unknown> => {
    if (nodeRegistered) return catalog.register(req);
    for (;;) {
      await link.whenUp();
      try {
        const result = await catalog.register(req);
        nodeRegistered = true;
        return result;
      } catch (err) {
        if (link.isStopped) throw err;
        await link.probeNow();
        if (link.up) await new Promise((r) => setTimeout(r, retryMs).unref());
      }
    }
  };
  // While the link is down nothing goes through, even if the store is already back: the link's
  // probe must first tell a store that came back from one that was replaced (it lost everything),
  // and the resync it then triggers decides what to write. A sync that slipped in before the probe
  // wrote to the new store, and the resync after it undid a deregistration made in between.
  const whenLinked = <T>(call: () => Promise<T>): Promise<T> =>
    nodeRegistered && !link.up ? Promise.reject(new Error('No known Consul servers')) : call();
  return {
    register: (req) => whenLinked(() => register(req)),
    deregister: (req) => whenLinked(() => catalog.deregister(req)),
    getNode: (node) => whenLinked(() => catalog.getNode(node)),
    nodeServices: (node) => whenLinked(() => catalog.nodeServices(node)),
    nodeChecks: (node) => whenLinked(() => catalog.nodeChecks(node)),
  };
}
