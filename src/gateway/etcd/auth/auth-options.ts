// etcd's auth settings beyond --auth-token-ttl, as the CLI resolved them (src/cli/config.ts).
export interface EtcdAuthOptions {
  /** --bcrypt-cost, already brought into Go's bounds (etcd falls back to 10 with a warning). */
  bcryptCost?: number;
}
