// The general binary codec: protobufjs does the wire work, ./schema.ts maps between its objects
// (proto names, Long for 64-bit, Buffers) and the internal model (camelCase, number/bigint, empty
// Buffers for unset bytes, `undefined` for unset messages). Used for every message that is not on
// the hot path; the hot ones have hand-written codecs in ./fast-kv.ts.
import Long from 'long';
import { EMPTY_BYTES } from '../../../adapters/requests.js';
import type { MessageCodec } from '../../grpc/api.js';
import { proto3DefaultOf, writtenFieldsByProtoName } from './proto3-presence.js';
import type { FieldInfo, MessageSchema } from './schema.js';
import { messageSchema } from './schema.js';

// Re-exported so the codecs keep one import site for it; it lives with the request defaults.
export { EMPTY_BYTES };

type ProtoObject = Record<string, unknown>;

function valueIn(f: FieldInfo, v: unknown): unknown {
  switch (f.kind) {
    case 'bytes': {
      // protobufjs leaves a shared empty array (not a Buffer) on the prototype for unset bytes
      const u = v as Uint8Array;
      if (u.length === 0) return EMPTY_BYTES;
      return Buffer.isBuffer(u) ? u : Buffer.from(u.buffer, u.byteOffset, u.byteLength);
    }
    case 'long':
      return typeof v === 'number' ? v : (v as Long).toNumber();
    case 'bigint':
      return typeof v === 'number' ? BigInt(v) : BigInt((v as Long).toString());
    case 'message':
      return toInternal(f.messageType as MessageSchema, v as ProtoObject);
    default:
      return v;
  }
}

function valueOut(f: FieldInfo, v: unknown): unknown {
  switch (f.kind) {
    case 'bigint': {
      const b = v as bigint;
      const wrapped = f.unsigned ? BigInt.asUintN(64, b) : BigInt.asIntN(64, b);
      return Long.fromString(wrapped.toString(), f.unsigned);
    }
    case 'message':
      return toProto(f.messageType as MessageSchema, v as Record<string, unknown>);
    default:
      return v;
  }
}

/** protobufjs message -> internal object. */
export function toInternal(schema: MessageSchema, msg: ProtoObject): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of schema.fields) {
    const v = msg[f.protoName];
    if (f.oneof !== undefined) {
      if (v != null && Object.prototype.hasOwnProperty.call(msg, f.protoName)) out[f.name] = valueIn(f, v);
    } else if (f.repeated) {
      const arr = (v as unknown[] | undefined) ?? [];
      out[f.name] = arr.map((x) => valueIn(f, x));
    } else if (v == null) {
      if (f.kind !== 'message') out[f.name] = proto3DefaultOf(f);
    } else {
      out[f.name] = valueIn(f, v);
    }
  }
  return out;
}

/** internal object -> plain object protobufjs can encode (defaults left out, as proto3 does). */
export function toProto(schema: MessageSchema, obj: Record<string, unknown>): ProtoObject {
  return writtenFieldsByProtoName(schema, obj, valueOut);
}

/** protobufjs' reader errors, in the words of Go's proto package that etcd clients see. */
export function goDecodeError(err: unknown): Error {
  const msg = err instanceof Error ? err.message : String(err);
  if (/index out of range/.test(msg)) return new Error('unexpected EOF');
  if (/invalid wire type (\d+)/.test(msg)) return new Error(`proto: illegal wireType ${/invalid wire type (\d+)/.exec(msg)?.[1] ?? '?'}`);
  return new Error(msg);
}

export function reflectCodec<T>(fullName: string): MessageCodec<T> {
  const schema = messageSchema(fullName);
  const type = schema.type;
  return {
    decode(buf: Buffer): T {
      let msg: ProtoObject;
      try {
        msg = type.decode(buf) as unknown as ProtoObject;
      } catch (err) {
        throw goDecodeError(err);
      }
      return toInternal(schema, msg) as T;
    },
    encode(msg: T): Buffer {
      const bytes = type.encode(toProto(schema, msg as Record<string, unknown>)).finish();
      return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    },
  };
}
