// The server RPC's wire format (port 8300, beside raft): after a one-time preface, both directions
// carry frames of the peer transport's framing (u32 length, u8 kind, payload) whose payload is one
// JSON message. The Backend's types hold Buffers and bigints, which JSON cannot: they travel as
// {"$b": base64} and {"$n": decimal}, and are turned back on arrival, so both ends see exactly the
// Backend interface's shapes.
import { EtcdError, type GrpcCode } from '../../adapters/errors.js';
import { FrameReader, frame } from '../../native/transport/framing.js';

/**
 * The first bytes a client writes on a server port connection. The first byte (0x01) is what the
 * port's multiplexer looks at: raft's connections open with an HTTP request line or a TLS
 * ClientHello (0x16), never with 0x01 (Consul's 8300 multiplexes on a first byte the same way).
 */
export const RPC_PREFACE = Buffer.from('\x01DCSGWRPC1', 'latin1');
export const RPC_FIRST_BYTE = 0x01;
const JSON_FRAME = 1;

/** Client -> server. */
export type RpcRequest =
  | { t: 'call'; id: number; m: string; a: unknown[] }
  | { t: 'watch'; id: number; o: unknown }
  | { t: 'unwatch'; id: number }
  | { t: 'snapshot'; id: number };

/** Server -> client. */
export type RpcReply =
  | { t: 'ok'; id: number; r?: unknown }
  | { t: 'err'; id: number; e: WireError }
  | { t: 'watching'; id: number; rev: number; synced: boolean }
  | { t: 'events'; id: number; ev: unknown[]; rev: number; synced: boolean }
  | { t: 'compacted'; id: number; compactRev: number; rev: number }
  | { t: 'canceled'; id: number; reason: string }
  | { t: 'chunk'; id: number; r: unknown };

export interface WireError {
  /** gRPC code of an EtcdError; absent for any other error. */
  code?: number;
  message: string;
}

function toWire(v: unknown): unknown {
  if (v === null || v === undefined) return v;
  if (typeof v === 'bigint') return { $n: v.toString() };
  if (Buffer.isBuffer(v)) return { $b: v.toString('base64') };
  if (v instanceof Uint8Array) return { $b: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') };
  if (Array.isArray(v)) return v.map(toWire);
  if (typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) if (x !== undefined) out[k] = toWire(x);
    return out;
  }
  return v;
}

function fromWire(_key: string, v: unknown): unknown {
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    if (typeof o.$b === 'string' && Object.keys(o).length === 1) return Buffer.from(o.$b, 'base64');
    if (typeof o.$n === 'string' && Object.keys(o).length === 1) return BigInt(o.$n);
  }
  return v;
}

export function encodeMessage(msg: RpcRequest | RpcReply): Buffer {
  return frame(JSON_FRAME as never, Buffer.from(JSON.stringify(toWire(msg))));
}

/** Feeds socket chunks; calls onMessage with each decoded message. Throws on a malformed frame. */
export function messageReader<T>(onMessage: (msg: T) => void): (chunk: Buffer) => void {
  const reader = new FrameReader((kind, payload) => {
    if ((kind as number) !== JSON_FRAME) throw new Error(`server rpc: unknown frame kind ${kind as number}`);
    onMessage(JSON.parse(payload.toString('utf8'), fromWire) as T);
  });
  return (chunk) => reader.push(chunk);
}

export function errorToWire(err: unknown): WireError {
  if (err instanceof EtcdError) return { code: err.code, message: err.message };
  return { message: err instanceof Error ? err.message : String(err) };
}

/** EtcdErrors come back as EtcdErrors (the front ends translate them as for a local store). */
export function errorFromWire(e: WireError): Error {
  return e.code !== undefined ? new EtcdError(e.code as GrpcCode, e.message) : new Error(e.message);
}
