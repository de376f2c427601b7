// An agent's encryption set up from its configuration, in one place for servers and client
// agents: the TLS of the server port and of its dials (transport-tls.ts), the gossip key on the
// serf LAN port (transport-tls-gossip.ts), auto_encrypt (transport-tls-auto-encrypt.ts), and the
// reload that applies rotated files without a restart.
import type { AgentRuntimeConfig } from '../../cli/agent/runtime-config.js';
import type { RemoteBackend } from '../../adapters/remote.js';
import { InternalTls } from './transport-tls.js';
import { encryptSerfLan, resolveGossipKey } from './transport-tls-gossip.js';
import { autoEncryptSigner, keepIssuedCertificate, type KeeperOptions } from './transport-tls-auto-encrypt.js';

export interface AgentEncryption {
  tls: InternalTls;
  gossipKey: Buffer | undefined;
  /** A server's AutoEncrypt.Sign handler. */
  sign: (req: unknown) => Promise<unknown>;
  /** Client agents with auto_encrypt.tls: starts obtaining the certificate in the background (and renewing it); resolves once obtained. */
  obtainCertificate(remote: RemoteBackend, node: string, log: KeeperOptions['log']): Promise<void>;
  /** Loads the TLS files again (SIGHUP, `consul reload`); throws Consul's error and keeps the loaded ones on failure. */
  reload(next: AgentRuntimeConfig): void;
  close(): void;
}

type Obj = Record<string, unknown>;

function autoEncryptFlag(merged: Obj, key: 'tls' | 'allow_tls'): boolean {
  let block = merged.auto_encrypt;
  if (Array.isArray(block)) block = block.find((b) => typeof b === 'object' && b !== null);
  const v = block && typeof block === 'object' ? (block as Obj)[key] : undefined;
  return v === true || v === 'true' || v === 1;
}

export function setUpAgentEncryption(cfg: AgentRuntimeConfig, opts: { server: boolean; dataDir: string | undefined; warn: (text: string) => void }): AgentEncryption {
  const autoEncryptClient = !opts.server && autoEncryptFlag(cfg.merged as Obj, 'tls');
  const tls = new InternalTls({ settings: cfg.tls.internalRpc, datacenter: cfg.datacenter, domain: cfg.domain, server: opts.server, autoEncryptClient });
  const gossipKey = resolveGossipKey(cfg.encrypt, opts.dataDir, opts.warn);
  if (gossipKey) encryptSerfLan(gossipKey);
  let caFile = cfg.tls.internalRpc.caFile;
  let stopRenewing: (() => void) | undefined;
  return {
    tls,
    gossipKey,
    sign: autoEncryptSigner({ allowTls: opts.server && autoEncryptFlag(cfg.merged as Obj, 'allow_tls'), caFile: () => caFile, datacenter: cfg.datacenter, domain: cfg.domain, gossipKey }),
    async obtainCertificate(remote, node, log) {
      if (!autoEncryptClient || tls.hasCertificate) return;
      const keeper = keepIssuedCertificate({ remote, tls, node, datacenter: cfg.datacenter, gossipKey, log });
      stopRenewing = () => keeper.stop();
      await keeper.ready;
    },
    reload(next) {
      tls.reload(next.tls.internalRpc);
      caFile = next.tls.internalRpc.caFile;
    },
    close() {
      stopRenewing?.();
    },
  };
}
