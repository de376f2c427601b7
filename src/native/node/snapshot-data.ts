// The data of a raft snapshot of a native member: the member list beside the store's own copy,
// so a follower that receives a snapshot (or a member restarting from one) knows the cluster too.
// Layout: [membersJsonLength: u32 BE][members JSON][store snapshot bytes].
import type { MembersJson } from './members.js';

export function encodeSnapshotData(members: MembersJson, store: Uint8Array): Uint8Array {
  const json = Buffer.from(JSON.stringify(members));
  const out = Buffer.allocUnsafe(4 + json.length + store.length);
  out.writeUInt32BE(json.length, 0);
  json.copy(out, 4);
  out.set(store, 4 + json.length);
  return out;
}

export function decodeSnapshotData(data: Uint8Array): { members: MembersJson; store: Buffer } {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const len = buf.readUInt32BE(0);
  const members = JSON.parse(buf.subarray(4, 4 + len).toString('utf8')) as MembersJson;
  return { members, store: buf.subarray(4 + len) };
}
