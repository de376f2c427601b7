// proto3 defaults and which fields proto3 writes (on the wire and in the grpc-gateway's JSON): set,
// and for a singular field outside a oneof, not its default; a repeated field only when it has
// elements. Every codec asks here, so they cannot disagree on what an absent field is or reads as.
import { EMPTY_BYTES } from '../../../adapters/requests.js';
import type { FieldInfo, MessageSchema } from './schema.js';

/** What a singular field outside a oneof reads as when absent (an absent message stays undefined). */
export function proto3DefaultOf(f: FieldInfo): unknown {
  switch (f.kind) {
    case 'bytes':
      return EMPTY_BYTES;
    case 'string':
      return '';
    case 'bool':
      return false;
    case 'bigint':
      return 0n;
    case 'message':
      return undefined;
    default:
      return 0;
  }
}

/** Whether `v` is the proto3 default of a singular field `f` (a message is never defaulted). */
export function isProto3Default(f: FieldInfo, v: unknown): boolean {
  switch (f.kind) {
    case 'bytes':
      return (v as Uint8Array).length === 0;
    case 'string':
      return v === '';
    case 'bool':
      return v === false;
    case 'bigint':
      return v === 0n;
    case 'message':
      return false;
    default:
      return v === 0;
  }
}

/** The fields of `obj` proto3 writes, keyed by their .proto names, each value passed through `out`. */
export function writtenFieldsByProtoName(
  schema: MessageSchema,
  obj: Record<string, unknown>,
  out: (f: FieldInfo, v: unknown) => unknown,
): Record<string, unknown> {
  const written: Record<string, unknown> = {};
  for (const f of schema.fields) {
    const v = obj[f.name];
    if (v === undefined || v === null) continue;
    if (f.repeated) {
      const arr = v as unknown[];
      if (arr.length > 0) written[f.protoName] = arr.map((x) => out(f, x));
    } else if (f.oneof !== undefined || !isProto3Default(f, v)) {
      written[f.protoName] = out(f, v);
    }
  }
  return written;
}
