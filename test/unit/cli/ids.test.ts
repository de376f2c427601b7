// Member and cluster IDs must be the ones genuine etcd derives from the same flags: the values
// below were printed by genuine etcd 3.4.23 (the failover lab's recording, and single-member runs).
import { describe, expect, test } from 'vitest';
import { deriveClusterId, deriveMemberId, idToHex } from '../../../src/cli/ids.js';

describe('etcd ID derivation', () => {
  test('the failover lab cluster (token etcd-baseline) gets the recorded member and cluster IDs', () => {
    const ids = [2391, 2392, 2393].map((p) => deriveMemberId([`http://127.0.0.1:${p}`], 'etcd-baseline'));
    expect(ids.map(idToHex)).toEqual(['bf912ccae49ece96', '24c3baea9b58b0dc', '2030088b71641d44']);
    expect(deriveClusterId(ids)).toBe(615806652817573518n);
    // the order the members are listed in does not matter
    expect(deriveClusterId([...ids].reverse())).toBe(615806652817573518n);
  });

  test('single members with etcd defaults and with explicit peer URLs', () => {
    const dflt = deriveMemberId(['http://localhost:2380'], 'etcd-cluster');
    expect(idToHex(dflt)).toBe('8e9e05c52164694d');
    expect(idToHex(deriveClusterId([dflt]))).toBe('cdf818194e3a8c32');
    const other = deriveMemberId(['http://127.0.0.1:28002'], 'etcd-cluster');
    expect(idToHex(other)).toBe('55c194aea2257fda');
    expect(idToHex(deriveClusterId([other]))).toBe('37fbeaf27f816257');
  });

  test('several peer URLs are sorted before hashing', () => {
    const a = deriveMemberId(['http://b:2380', 'http://a:2380'], 't');
    expect(a).toBe(deriveMemberId(['http://a:2380', 'http://b:2380'], 't'));
    expect(a).not.toBe(deriveMemberId(['http://a:2380', 'http://b:2380'], 'u'));
  });
});
