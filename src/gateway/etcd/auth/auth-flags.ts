// etcd 3.4's auth flags as its server reads them: --bcrypt-cost (auth.NewAuthStore) and, below,
// --auth-token (auth.NewTokenProvider).
import type { EtcdLogEvent } from '../../../cli/etcd-log.js';
import { BCRYPT_DEFAULT_COST, BCRYPT_MAX_COST, BCRYPT_MIN_COST } from '../../../native/mvcc/password-hash.js';

/** A cost outside Go's bounds is not an error in etcd: its auth store warns and uses the default. */
export function bcryptCostOf(given: number, notes: EtcdLogEvent[]): number {
  if (given >= BCRYPT_MIN_COST && given <= BCRYPT_MAX_COST) return given;
  notes.push({
    level: 'warn',
    pkg: 'auth',
    text: `Use default bcrypt-cost ${BCRYPT_DEFAULT_COST} instead of the invalid value ${given}`,
    caller: 'auth/store.go:1158',
    msg: 'use default bcrypt cost instead of the invalid given cost',
    fields: { 'min-cost': BCRYPT_MIN_COST, 'max-cost': BCRYPT_MAX_COST, 'default-cost': BCRYPT_DEFAULT_COST, 'given-cost': given },
  });
  return BCRYPT_DEFAULT_COST;
}
