// etcd's auth settings beyond --auth-token-ttl, as the CLI resolved them (src/cli/config.ts).
import type { TokenProviderSpec } from './auth-flags.js';

export interface EtcdAuthOptions {
  /** --bcrypt-cost, already brought into Go's bounds (etcd falls back to 10 with a warning). */
  bcryptCost?: number;
  /** --auth-token as given ("simple", "jwt,..."); loaded at start-up into tokenProvider (tokenProviderOf). */
  authToken?: string;
  /** The loaded token provider (absent: simple tokens). */
  tokenProvider?: TokenProviderSpec;
}
