// A description of each protobuf message in the terms of the internal model (src/adapters/backend.ts):
// which internal property a field maps to, and how its value is represented. Both the binary
// (protobufjs) codec and the JSON gateway codec are driven by it.
import protobuf from 'protobufjs';
import { etcdProtoRoot } from './proto-root.js';

export type FieldKind =
  | 'bytes'
  | 'string'
  | 'bool'
  /** 32-bit integers: JSON numbers. */
  | 'int32'
  /** 64-bit integers that are counts/revisions/TTLs: JS numbers, JSON strings. */
  | 'long'
  /** 64-bit identifiers (lease, member, cluster IDs): bigint, JSON strings. */
  | 'bigint'
  | 'enum'
  | 'message';

export interface FieldInfo {
  /** Name as written in the .proto file (the grpc-gateway's JSON output name). */
  protoName: string;
  /** protoc's lowerCamelCase json_name (also accepted in JSON input). */
  jsonName: string;
  /** Property of the internal TypeScript object. */
  name: string;
  number: number;
  kind: FieldKind;
  repeated: boolean;
  unsigned: boolean;
  /** Set for members of a proto oneof: they are present-or-absent, never defaulted. */
  oneof?: string;
  enumType?: protobuf.Enum;
  messageType?: MessageSchema;
}

export interface MessageSchema {
  fullName: string;
  type: protobuf.Type;
  fields: FieldInfo[];
  /** Lookup by protoName and by jsonName, for JSON input. */
  byJsonKey: Map<string, FieldInfo>;
}

/** Where the internal model departs from plain camelCase of the proto name (backend.ts: `ID` -> `id`, `TTL` -> `ttl`). */
const INTERNAL_NAME: Record<string, string> = {
  ID: 'id',
  TTL: 'ttl',
  grantedTTL: 'grantedTtl',
  remaining_TTL: 'remainingTtl',
};

/** 64-bit fields that hold identifiers, carried as bigint (backend.ts conventions). */
const BIGINT_FIELDS = new Set(['id', 'lease', 'clusterId', 'memberId', 'leader', 'memberID', 'targetID']);

/** protoc's json_name: drop underscores, upper-case the letter after each. */
export function jsonNameOf(protoName: string): string {
  return protoName.replace(/_([a-zA-Z0-9])/g, (_m, c: string) => c.toUpperCase());
}

function internalNameOf(protoName: string): string {
  return INTERNAL_NAME[protoName] ?? jsonNameOf(protoName);
}

const LONG_TYPES = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);
const INT32_TYPES = new Set(['int32', 'uint32', 'sint32', 'fixed32', 'sfixed32']);

const cache = new Map<string, MessageSchema>();

/** The schema of a message by full name ('etcdserverpb.PutRequest'). */
export function messageSchema(fullName: string): MessageSchema {
  const hit = cache.get(fullName);
  if (hit) return hit;
  const type = etcdProtoRoot().lookupType(fullName);
  return schemaOfType(type);
}

function schemaOfType(type: protobuf.Type): MessageSchema {
  const fullName = type.fullName.replace(/^\./, '');
  const hit = cache.get(fullName);
  if (hit) return hit;
  const schema: MessageSchema = { fullName, type, fields: [], byJsonKey: new Map() };
  cache.set(fullName, schema); // before the fields: messages refer to themselves (RequestOp -> TxnRequest -> RequestOp)
  for (const f of type.fieldsArray) {
    f.resolve();
    const name = internalNameOf(f.name);
    let kind: FieldKind;
    let enumType: protobuf.Enum | undefined;
    let messageType: MessageSchema | undefined;
    if (f.resolvedType instanceof protobuf.Type) {
      kind = 'message';
      messageType = schemaOfType(f.resolvedType);
    } else if (f.resolvedType instanceof protobuf.Enum) {
      kind = 'enum';
      enumType = f.resolvedType;
    } else if (f.type === 'bytes') kind = 'bytes';
    else if (f.type === 'string') kind = 'string';
    else if (f.type === 'bool') kind = 'bool';
    else if (LONG_TYPES.has(f.type)) kind = BIGINT_FIELDS.has(name) ? 'bigint' : 'long';
    else if (INT32_TYPES.has(f.type)) kind = 'int32';
    else throw new Error(`dcsgw codec: unsupported field type ${f.type} in ${fullName}.${f.name}`);
    const info: FieldInfo = {
      protoName: f.name,
      jsonName: jsonNameOf(f.name),
      name,
      number: f.id,
      kind,
      repeated: f.repeated,
      unsigned: f.type.startsWith('u') || f.type.startsWith('fixed'),
      oneof: f.partOf ? f.partOf.name : undefined,
      enumType,
      messageType,
    };
    schema.fields.push(info);
    schema.byJsonKey.set(info.protoName, info);
    schema.byJsonKey.set(info.jsonName, info);
  }
  return schema;
}

/** Every message type of the loaded .proto files, by full name. */
export function allMessageNames(): string[] {
  const out: string[] = [];
  const walk = (ns: protobuf.NamespaceBase): void => {
    for (const nested of ns.nestedArray) {
      if (nested instanceof protobuf.Type) out.push(nested.fullName.replace(/^\./, ''));
      if (nested instanceof protobuf.Namespace || nested instanceof protobuf.Type) walk(nested);
    }
  };
  walk(etcdProtoRoot());
  return out;
}
