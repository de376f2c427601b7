// The bytes of a ConfChange entry: [type: u8][nodeId: u64 big-endian][context...].
// A fixed, tiny layout: the core must decode it without depending on protobuf.

import { type ConfChange, ConfChangeType } from './api.js';

const HEADER = 9;

export function encodeConfChange(cc: ConfChange): Uint8Array {
  const out = new Uint8Array(HEADER + cc.context.length);
  out[0] = cc.type;
  new DataView(out.buffer, out.byteOffset, out.byteLength).setBigUint64(1, cc.nodeId);
  out.set(cc.context, HEADER);
  return out;
}

export function decodeConfChange(data: Uint8Array): ConfChange {
  if (data.length < HEADER) throw new Error(`conf change entry too short (${data.length} bytes)`);
  const type = data[0];
  if (
    type !== ConfChangeType.AddNode &&
    type !== ConfChangeType.RemoveNode &&
    type !== ConfChangeType.UpdateNode &&
    type !== ConfChangeType.AddLearnerNode
  ) {
    throw new Error(`unknown conf change type ${String(type)}`);
  }
  const nodeId = new DataView(data.buffer, data.byteOffset, data.byteLength).getBigUint64(1);
  return { type, nodeId, context: data.slice(HEADER) };
}
