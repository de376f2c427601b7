// The auth store's part of an etcd 3.4 bbolt snapshot: the auth, authUsers and authRoles buckets
// as etcd's auth/store.go writes them, from the auth section of the MVCC store's dump.
//   auth       authRevision (u64 BE, always there), authEnabled (once ever switched; always written [0], below)
//   authUsers  name -> authpb.User {name=1 bytes, password=2 bytes, roles=3 repeated string, options=4 {no_password=1}}
//   authRoles  name -> authpb.Role {name=1 bytes, keyPermission=2 repeated authpb.Permission {permType=1, key=2, range_end=3}}
// Passwords are bcrypt hashes as Go writes them, so genuine etcd restored from the snapshot lets
// the users in with auth as it was. One exception: a data dir from before bcrypt may still hold
// dcsgw's old scrypt hashes, which genuine etcd cannot check; with auth enabled nobody could then
// log in to fix that, so such a snapshot says auth is disabled (users, roles and permissions kept;
// set the passwords again with `user passwd` and run `auth enable`). The key count stays etcd's.
import { decodeRole, decodeUser } from '../mvcc/auth-store.js';
import { isEtcdCompatibleHash } from '../mvcc/password-hash.js';
import type { BoltItems } from './bbolt-writer.js';

function varint(n: number): Buffer {
  const out: number[] = [];
  let v = n;
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return Buffer.from(out);
}

const field = (no: number, payload: Buffer) => Buffer.concat([varint((no << 3) | 2), varint(payload.length), payload]);
const intField = (no: number, v: number) => (v === 0 ? Buffer.alloc(0) : Buffer.concat([varint(no << 3), varint(v)]));

export interface EtcdAuthBuckets {
  auth: BoltItems;
  authUsers: BoltItems;
  authRoles: BoltItems;
}

export function etcdAuthBuckets(section: BoltItems): EtcdAuthBuckets {
  const out: EtcdAuthBuckets = { auth: [], authUsers: [], authRoles: [] };
  const genuineCanCheckPasswords = section.every(([k, v]) => {
    if (k[0] !== 0x75 /* u */) return true;
    const u = decodeUser(k.subarray(1).toString(), v);
    return u.noPassword || u.hashedPassword.length === 0 || isEtcdCompatibleHash(u.hashedPassword);
  });
  for (const [k, v] of section) {
    const key = k.toString('latin1');
    if (key === 'enabled') out.auth.push([Buffer.from('authEnabled'), Buffer.from([genuineCanCheckPasswords && v[0] === 1 ? 1 : 0])]);
    else if (key === 'revision') {
      const rev = Buffer.alloc(8);
      rev.writeBigUInt64BE(BigInt(Math.round(v.readDoubleLE(0))));
      out.auth.push([Buffer.from('authRevision'), rev]);
    } else if (k[0] === 0x75 /* u */) {
      const name = k.subarray(1);
      const u = decodeUser(name.toString(), v);
      const parts = [field(1, name)];
      if (u.hashedPassword.length > 0) parts.push(field(2, u.hashedPassword));
      for (const r of u.roles) parts.push(field(3, Buffer.from(r)));
      if (u.noPassword) parts.push(field(4, intField(1, 1)));
      out.authUsers.push([Buffer.from(name), Buffer.concat(parts)]);
    } else if (k[0] === 0x72 /* r */) {
      const name = k.subarray(1);
      const parts = [field(1, name)];
      for (const p of decodeRole(v)) {
        const perm = [intField(1, p.permType)];
        if (p.key.length > 0) perm.push(field(2, p.key));
        if (p.rangeEnd.length > 0) perm.push(field(3, p.rangeEnd));
        parts.push(field(2, Buffer.concat(perm)));
      }
      out.authRoles.push([Buffer.from(name), Buffer.concat(parts)]);
    }
  }
  return out;
}
