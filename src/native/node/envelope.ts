// The bytes of a normal raft entry: [kind: u8][proposer member id: u64 BE][request id: u64 BE, < 2^53][payload].
// The proposer and request ID let exactly the member that proposed an entry wake the client waiting
// for it. The kind lets the node carry its own replicated commands beside the MVCC store's (whose
// bytes are encodeCommand's, untouched) without changing the store's Command union.
// An entry with no data is the no-op a new leader appends.

export const EnvelopeKind = {
  /** payload: encodeCommand(Command) of src/native/mvcc. */
  Store: 1,
  /** payload: JSON MemberAttributes — a member publishing its name and client URLs after start. */
  MemberAttributes: 2,
  /** payload: UTF-8 cluster version ("3.4.0"), set by the first leader as etcd does. */
  ClusterVersion: 3,
} as const;
export type EnvelopeKind = (typeof EnvelopeKind)[keyof typeof EnvelopeKind];

export const ENVELOPE_HEADER = 17;

export interface Envelope {
  kind: EnvelopeKind;
  proposer: bigint;
  requestId: number;
  payload: Uint8Array;
}

export function encodeEnvelope(kind: EnvelopeKind, proposer: bigint, requestId: number, payload: Uint8Array): Uint8Array {
  const out = Buffer.allocUnsafe(ENVELOPE_HEADER + payload.length);
  out.set(payload, ENVELOPE_HEADER);
  return sealEnvelope(out, kind, proposer, requestId);
}

/** Writes the header into the first ENVELOPE_HEADER bytes of `framed`, whose payload follows them (encodeCommand's headroom). */
export function sealEnvelope(framed: Uint8Array, kind: EnvelopeKind, proposer: bigint, requestId: number): Uint8Array {
  const out = Buffer.isBuffer(framed) ? framed : Buffer.from(framed.buffer, framed.byteOffset, framed.byteLength);
  out[0] = kind;
  out.writeBigUInt64BE(proposer, 1);
  out.writeUInt32BE(Math.floor(requestId / 0x1_0000_0000), 9);
  out.writeUInt32BE(requestId >>> 0, 13);
  return out;
}

/** Returns undefined for the leader's empty no-op entry. */
export function decodeEnvelope(data: Uint8Array): Envelope | undefined {
  if (data.length === 0) return undefined;
  if (data.length < ENVELOPE_HEADER) throw new Error(`entry too short for an envelope (${data.length} bytes)`);
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const kind = buf[0] as EnvelopeKind;
  if (kind !== EnvelopeKind.Store && kind !== EnvelopeKind.MemberAttributes && kind !== EnvelopeKind.ClusterVersion) {
    throw new Error(`unknown entry envelope kind ${String(kind)}`);
  }
  return {
    kind,
    proposer: envelopeProposer(data),
    requestId: envelopeRequestId(data),
    payload: buf.subarray(ENVELOPE_HEADER),
  };
}

// Allocation-free readers for the apply loop's common case: this member's own proposals.

/** The proposer ID as 8 big-endian bytes, for isFrom(). */
export function proposerBytes(id: bigint): Uint8Array {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(id);
  return b;
}
export function isFrom(data: Uint8Array, proposer: Uint8Array): boolean {
  for (let i = 0; i < 8; i++) if (data[1 + i] !== proposer[i]) return false;
  return data.length >= ENVELOPE_HEADER;
}
export function envelopeProposer(data: Uint8Array): bigint {
  let proposer = 0n;
  for (let i = 1; i <= 8; i++) proposer = (proposer << 8n) | BigInt(data[i]!);
  return proposer;
}
export function envelopeRequestId(data: Uint8Array): number {
  const hi = ((data[9]! << 24) | (data[10]! << 16) | (data[11]! << 8) | data[12]!) >>> 0;
  const lo = ((data[13]! << 24) | (data[14]! << 16) | (data[15]! << 8) | data[16]!) >>> 0;
  return hi * 0x1_0000_0000 + lo;
}
