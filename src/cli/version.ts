// What `dcsgw --version` and the startup lines report: the etcd version dcsgw is a drop-in for,
// then dcsgw's own version (from package.json).
import { readFileSync } from 'node:fs';
import { CONSUL_VERSION } from '../gateway/consul/context.js';

export const ETCD_VERSION = '3.4.23';
/** etcd's /version "etcdcluster" value for a 3.4 cluster. */
export const CLUSTER_VERSION = '3.4.0';
export const GIT_SHA_LINE = 'Git SHA: Not provided (dcsgw)';
export const GO_VERSION_LINE = `Go Version: none (dcsgw runs on Node.js ${process.version})`;

export function dcsgwVersion(): string {
  for (const rel of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'dcs-gateway' && pkg.version) return pkg.version;
    } catch {
      // try the next location (source tree vs dist/)
    }
  }
  return 'unknown';
}

/** etcd's --version block plus dcsgw's own line and the Consul release its Consul face answers as. */
export function versionText(): string {
  const arch = process.arch === 'x64' ? 'amd64' : process.arch;
  return [`etcd Version: ${ETCD_VERSION}`, GIT_SHA_LINE, GO_VERSION_LINE, `Go OS/Arch: ${process.platform}/${arch}`, `dcsgw Version: ${dcsgwVersion()}`, `Consul Version: ${CONSUL_VERSION} (emulated by dcsgw agent and the Consul face)`].join('\n') + '\n';
}
