// Password hashes as etcd stores them (Go's bcrypt, "$2a$"), the worker-thread hashing, the legacy
// scrypt hashes of older dcsgw data dirs, --bcrypt-cost's bounds, and what the bbolt snapshot says.
import { describe, expect, it } from 'vitest';
import { resolveCli, type CliRequest } from '../../../src/cli/config.js';
import { AuthStore, decodeUser } from '../../../src/native/mvcc/auth-store.js';
import {
  hashPasswordAsync,
  hashPasswordSync,
  legacyScryptHash,
  verifyPasswordAsync,
  verifyPasswordSync,
} from '../../../src/native/mvcc/password-hash.js';
import { etcdAuthBuckets } from '../../../src/native/node/etcd-auth-buckets.js';

// The OpenBSD bcrypt test vector (also in Go's x/crypto/bcrypt tests): a hash made elsewhere verifies.
const FOREIGN = Buffer.from('$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW');

describe('bcrypt hashes', () => {
  it('writes $2a$ hashes at the given cost, off the event loop', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    const h = await hashPasswordAsync('secret', 10);
    clearInterval(timer);
    expect(h.toString()).toMatch(/^\$2a\$10\$[./A-Za-z0-9]{53}$/);
    // the event loop kept turning while the hash was computed (hundreds of ms at cost 10)
    expect(ticks).toBeGreaterThan(3);
    expect(await verifyPasswordAsync(h, 'secret')).toBe(true);
    expect(await verifyPasswordAsync(h, 'Secret')).toBe(false);
    expect(hashPasswordSync('x', 4).toString()).toMatch(/^\$2a\$04\$/);
  });

  it('checks hashes made by other bcrypt implementations', async () => {
    expect(await verifyPasswordAsync(FOREIGN, 'U*U')).toBe(true);
    expect(verifyPasswordSync(FOREIGN, 'U*U')).toBe(true);
    expect(await verifyPasswordAsync(FOREIGN, 'U*V')).toBe(false);
  });

  it('still checks the scrypt hashes of data dirs written before bcrypt', async () => {
    const old = legacyScryptHash('pw');
    expect(old.subarray(0, 8).toString()).toBe('scrypt1:');
    expect(await verifyPasswordAsync(old, 'pw')).toBe(true);
    expect(await verifyPasswordAsync(old, 'px')).toBe(false);
    expect(verifyPasswordSync(old, 'pw')).toBe(true);
    // and garbage never verifies
    expect(await verifyPasswordAsync(Buffer.from('junk'), 'junk')).toBe(false);
  });

  it('concurrent hashes on the one worker each get their own answer', async () => {
    const pws = ['a', 'b', 'c', 'd'];
    const hashes = await Promise.all(pws.map((p) => hashPasswordAsync(p, 4)));
    const checks = await Promise.all(hashes.map((h, i) => verifyPasswordAsync(h, pws[i]!)));
    expect(checks).toEqual([true, true, true, true]);
    expect(await verifyPasswordAsync(hashes[0]!, 'b')).toBe(false);
  });
});

describe('the auth section of a bbolt snapshot', () => {
  const sectionWith = (hash: Buffer) => {
    const items: [Buffer, Buffer][] = [];
    const store = new AuthStore((k, v) => {
      const i = items.findIndex(([key]) => key.equals(k));
      if (i >= 0) items.splice(i, 1);
      if (v) items.push([k, v]);
    });
    store.initialize();
    store.apply({ op: 'userAdd', name: 'root', hashedPassword: hash, noPassword: false });
    store.apply({ op: 'userGrantRole', user: 'root', role: 'root' });
    store.apply({ op: 'authEnable' });
    return items;
  };
  const enabledOf = (items: [Buffer, Buffer][]) => etcdAuthBuckets(items).auth.find(([k]) => k.toString() === 'authEnabled')?.[1];

  it('keeps auth enabled when every password is bcrypt; the hash bytes go as they are', () => {
    const h = hashPasswordSync('pw', 4);
    const items = sectionWith(h);
    expect(enabledOf(items)).toEqual(Buffer.from([1]));
    const user = etcdAuthBuckets(items).authUsers[0]![1];
    expect(user.includes(h)).toBe(true);
    expect(decodeUser('root', items.find(([k]) => k.toString() === 'uroot')![1]).hashedPassword).toEqual(h);
  });

  it('says disabled when a legacy scrypt hash is left (genuine etcd could not check it)', () => {
    expect(enabledOf(sectionWith(legacyScryptHash('pw')))).toEqual(Buffer.from([0]));
  });
});

describe('--bcrypt-cost', () => {
  const serve = (argv: string[]) => {
    const lines: { level: string; pkg: string; text: string }[] = [];
    const req = resolveCli(argv, {}, (level, pkg, text) => lines.push({ level, pkg, text })) as Extract<CliRequest, { kind: 'serve' }>;
    return req;
  };
  it('defaults to 10 and takes 4..31', () => {
    expect(serve([]).config.authOptions?.bcryptCost).toBe(10);
    expect(serve(['--bcrypt-cost', '4']).config.authOptions?.bcryptCost).toBe(4);
    expect(serve(['--bcrypt-cost=31']).config.authOptions?.bcryptCost).toBe(31);
    expect(serve(['--bcrypt-cost', '12']).notes.some((n) => n.msg.includes('ignored'))).toBe(false);
  });
  it('outside the bounds: etcd\'s warning and the default', () => {
    for (const given of [3, 32]) {
      const r = serve(['--bcrypt-cost', String(given)]);
      expect(r.config.authOptions?.bcryptCost).toBe(10);
      const n = r.notes.find((x) => x.pkg === 'auth')!;
      expect(n.text).toBe(`Use default bcrypt-cost 10 instead of the invalid value ${given}`);
      expect(n.msg).toBe('use default bcrypt cost instead of the invalid given cost');
      expect(n.fields).toEqual({ 'min-cost': 4, 'max-cost': 31, 'default-cost': 10, 'given-cost': given });
    }
  });
  it('a value that is not a number is a flag error, as Go\'s flag package says', () => {
    expect(() => serve(['--bcrypt-cost', 'abc'])).toThrow(/invalid value "abc" for flag -bcrypt-cost: parse error/);
  });
});
