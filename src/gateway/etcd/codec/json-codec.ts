// JSON as etcd 3.4's grpc-gateway reads and writes it (golang/protobuf jsonpb, OrigName, defaults
// omitted). Facts checked against genuine etcd 3.4.23 (see test/unit/codec/json-codec.test.ts):
// - output field names are the .proto names (`create_revision`, `ID`, `TTL`, `peerURLs`);
// - fields holding their default value are left out; a set oneof member is always written;
// - 64-bit integers are strings, 32-bit integers numbers, bytes standard base64, enums by name;
// - input accepts the .proto name or protoc's lowerCamel json name (`prev_kv` or `prevKv`),
//   64-bit integers as strings or numbers, enums by name or number; unknown fields are ignored.
import { EtcdError, GrpcCode } from '../../../adapters/errors.js';
import { proto3DefaultOf, writtenFieldsByProtoName } from './proto3-presence.js';
import { EMPTY_BYTES } from './reflect-codec.js';
import type { FieldInfo, MessageSchema } from './schema.js';
import { messageSchema } from './schema.js';

/** Same shape as JsonCodec in ../codecs.ts (declared here too so this module stands on its own). */
export interface JsonCodec<T> {
  /** From the parsed JSON body; throws EtcdError INVALID_ARGUMENT on a malformed field. */
  fromJson(json: unknown): T;
  toJson(msg: T): unknown;
}

function badRequest(text: string): EtcdError {
  return new EtcdError(GrpcCode.INVALID_ARGUMENT, text);
}

// ---- output ----

function valueToJson(f: FieldInfo, v: unknown): unknown {
  switch (f.kind) {
    case 'bytes':
      return (v as Buffer).toString('base64');
    case 'long':
      return String(v as number);
    case 'bigint': {
      const b = v as bigint;
      return (f.unsigned ? BigInt.asUintN(64, b) : BigInt.asIntN(64, b)).toString();
    }
    case 'enum': {
      const name = f.enumType?.valuesById[v as number];
      return name ?? v;
    }
    case 'message':
      return messageToJson(f.messageType as MessageSchema, v as Record<string, unknown>);
    default:
      return v;
  }
}

export function messageToJson(schema: MessageSchema, msg: Record<string, unknown>): Record<string, unknown> {
  return writtenFieldsByProtoName(schema, msg, valueToJson);
}

// ---- input ----

function goType(f: FieldInfo): string {
  switch (f.kind) {
    case 'bytes':
      return '[]uint8';
    case 'string':
      return 'string';
    case 'bool':
      return 'bool';
    case 'long':
    case 'bigint':
      return f.unsigned ? 'uint64' : 'int64';
    case 'int32':
      return f.unsigned ? 'uint32' : 'int32';
    case 'enum':
      return 'int32';
    default:
      return 'object';
  }
}

/** encoding/json's words for a JSON value's kind. */
function jsonTypeName(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'object') return 'object';
  if (typeof v === 'boolean') return 'bool';
  return typeof v;
}

function unmarshalError(v: unknown, f: FieldInfo): EtcdError {
  return badRequest(`json: cannot unmarshal ${jsonTypeName(v)} into Go value of type ${goType(f)}`);
}

const BASE64_CHAR = /[A-Za-z0-9+/]/;

/**
 * encoding/json decodes []byte with base64.StdEncoding: standard alphabet, padding required
 * (line breaks ignored). Errors name the offset Go names: the bad character, or the start of an
 * incomplete final quantum.
 */
function decodeBase64(raw: string): Buffer {
  const s = raw.includes('\n') || raw.includes('\r') ? raw.replace(/[\r\n]/g, '') : raw;
  if (s.length === 0) return EMPTY_BYTES;
  const pad = s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0;
  for (let i = 0; i < s.length - pad; i++) {
    if (!BASE64_CHAR.test(s[i] as string)) throw badRequest(`illegal base64 data at input byte ${i}`);
  }
  if (s.length % 4 !== 0) throw badRequest(`illegal base64 data at input byte ${s.length - (s.length % 4)}`);
  return Buffer.from(s, 'base64');
}

const INT_TEXT = /^-?\d+$/;

const INT_TEXT_STRICT = /^-?(0|[1-9]\d*)$/;
const JSON_NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;

/**
 * 64-bit integers: a JSON number, or a string whose content is itself parsed as JSON (jsonpb's
 * way), with encoding/json's texts when that fails.
 */
function integerFrom(v: unknown, f: FieldInfo): bigint {
  let text: string;
  if (typeof v === 'number') text = String(v);
  else if (typeof v === 'string') {
    text = v.trim();
    if (text === '') throw badRequest('unexpected end of JSON input');
    if (!JSON_NUMBER.test(text)) throw badRequest(goJsonSyntaxError(text));
  } else throw unmarshalError(v, f);
  if (!INT_TEXT_STRICT.test(text) || (f.unsigned && text.startsWith('-'))) {
    throw badRequest(`json: cannot unmarshal number ${text} into Go value of type ${goType(f)}`);
  }
  const n = BigInt(text);
  const bits = f.kind === 'int32' ? 32 : 64;
  const fits = f.unsigned ? n < 1n << BigInt(bits) : n >= -(1n << BigInt(bits - 1)) && n < 1n << BigInt(bits - 1);
  if (!fits) throw badRequest(`json: cannot unmarshal number ${text} into Go value of type ${goType(f)}`);
  return n;
}

/** Go's name of a proto enum type: package, then nested names joined by '_' (etcdserverpb.RangeRequest_SortOrder). */
function goEnumName(f: FieldInfo): string {
  const full = (f.enumType?.fullName ?? '').replace(/^\./, '');
  const dot = full.indexOf('.');
  return dot < 0 ? full : full.slice(0, dot + 1) + full.slice(dot + 1).replace(/\./g, '_');
}

function valueFromJson(f: FieldInfo, v: unknown): unknown {
  switch (f.kind) {
    case 'bytes':
      if (typeof v !== 'string') throw unmarshalError(v, f);
      return decodeBase64(v);
    case 'string':
      if (typeof v !== 'string') throw unmarshalError(v, f);
      return v;
    case 'bool':
      if (typeof v !== 'boolean') throw unmarshalError(v, f);
      return v;
    case 'long':
      return Number(integerFrom(v, f));
    case 'bigint': {
      const b = integerFrom(v, f);
      return f.unsigned ? BigInt.asUintN(64, b) : BigInt.asIntN(64, b);
    }
    case 'int32':
      return Number(integerFrom(v, f));
    case 'enum': {
      if (typeof v === 'number' && Number.isInteger(v)) return v;
      if (typeof v === 'string') {
        const n = f.enumType?.values[v];
        if (n !== undefined) return n;
        throw badRequest(`unknown value "${v}" for enum ${goEnumName(f)}`);
      }
      throw unmarshalError(v, f);
    }
    case 'message':
      return messageFromJson(f.messageType as MessageSchema, v);
  }
}

export function messageFromJson(schema: MessageSchema, json: unknown): Record<string, unknown> {
  if (json === null || json === undefined) json = {};
  if (typeof json !== 'object' || Array.isArray(json)) {
    // jsonpb reads every message through a map[string]json.RawMessage first
    throw badRequest(`json: cannot unmarshal ${jsonTypeName(json)} into Go value of type map[string]json.RawMessage`);
  }
  const src = json as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const f of schema.fields) {
    if (f.repeated) out[f.name] = [];
    else if (f.oneof === undefined && f.kind !== 'message') out[f.name] = proto3DefaultOf(f);
  }
  for (const key of Object.keys(src)) {
    const f = schema.byJsonKey.get(key);
    if (f === undefined) continue;
    const v = src[key];
    if (v === null) continue;
    if (f.repeated) {
      if (!Array.isArray(v)) throw badRequest(`json: cannot unmarshal ${jsonTypeName(v)} into Go value of type []json.RawMessage`);
      out[f.name] = v.map((x) => valueFromJson(f, x));
    } else {
      out[f.name] = valueFromJson(f, v);
    }
  }
  return out;
}

export function jsonCodec<T>(fullName: string): JsonCodec<T> {
  const schema = messageSchema(fullName);
  return {
    fromJson: (json: unknown) => messageFromJson(schema, json) as T,
    toJson: (msg: T) => messageToJson(schema, msg as Record<string, unknown>),
  };
}

/**
 * Parses a request body as the gateway does (a json.Decoder reading one value): an empty body is
 * an empty message, bytes after the first complete value are ignored, bad JSON is 400 with Go's text.
 */
export function parseJsonBody(body: string | Buffer): unknown {
  let text = typeof body === 'string' ? body : body.toString('utf8');
  if (text.trim() === '') return {};
  // Go reads 64-bit integers exactly; JSON.parse would round those beyond 2^53 (lease IDs sent as
  // numbers). Such literals are turned into strings first, which the int64 fields accept as Go does.
  if (LONG_DIGITS.test(text)) text = quoteLongIntegers(text);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    const scan = scanJson(text);
    if (scan.error !== undefined) throw badRequest(scan.error);
    return JSON.parse(text.slice(0, scan.end)) as unknown;
  }
}

const LONG_DIGITS = /\d{16}/;

/** Wraps integer literals of 16+ digits (outside strings) in quotes. */
function quoteLongIntegers(text: string): string {
  let out = '';
  let last = 0;
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (c === '"') {
      i++;
      while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
      i++;
      continue;
    }
    if (c === '-' || (c >= '0' && c <= '9')) {
      const m = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 64));
      if (m) {
        const lit = m[0];
        if (m[1] === undefined && m[2] === undefined && lit.replace('-', '').length >= 16) {
          out += text.slice(last, i) + '"' + lit + '"';
          last = i + lit.length;
        }
        i += lit.length;
        continue;
      }
    }
    i++;
  }
  return last === 0 ? text : out + text.slice(last);
}

/** Go's encoding/json syntax error text for `text`, or 'unexpected EOF'. */
function goJsonSyntaxError(text: string): string {
  const scan = scanJson(text, true);
  return scan.error ?? 'unexpected EOF';
}

/**
 * A small JSON scanner that finds where the first value ends, or the first offending character
 * and what Go was looking for there. With `whole`, anything after the value is an error too.
 */
function scanJson(text: string, whole = false): { end: number; error?: string } {
  let i = 0;
  const ws = () => {
    while (i < text.length && ' \t\r\n'.includes(text[i] as string)) i++;
  };
  class Bad {
    constructor(readonly msg: string) {}
  }
  const fail = (looking: string): never => {
    if (i >= text.length) throw new Bad('unexpected EOF');
    throw new Bad(`invalid character '${text[i] as string}' ${looking}`);
  };
  const str = () => {
    i++; // opening quote
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    if (i >= text.length) fail('in string literal');
    i++;
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail('looking for beginning of object key string');
        str();
        ws();
        if (text[i] !== ':') fail('after object key');
        i++;
        value();
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return;
        }
        fail('after object key:value pair');
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (;;) {
        value();
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return;
        }
        fail('after array element');
      }
    }
    if (c === '"') return str();
    const lit = /^(true|false|null|-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?)/.exec(text.slice(i));
    if (lit) {
      i += lit[0].length;
      return;
    }
    fail('looking for beginning of value');
  };
  try {
    value();
    if (whole) {
      ws();
      if (i < text.length) fail('after top-level value');
    }
  } catch (e) {
    if (e instanceof Bad) return { end: i, error: e.msg };
    throw e;
  }
  return { end: i };
}

/** HTTP status for a gRPC code, as etcd 3.4's grpc-gateway (v1) maps them. */
export function httpStatusOf(code: GrpcCode): number {
  switch (code) {
    case GrpcCode.OK:
      return 200;
    case GrpcCode.CANCELLED:
      return 408;
    case GrpcCode.UNKNOWN:
      return 500;
    case GrpcCode.INVALID_ARGUMENT:
      return 400;
    case GrpcCode.DEADLINE_EXCEEDED:
      return 504;
    case GrpcCode.NOT_FOUND:
      return 404;
    case GrpcCode.ALREADY_EXISTS:
      return 409;
    case GrpcCode.PERMISSION_DENIED:
      return 403;
    case GrpcCode.UNAUTHENTICATED:
      return 401;
    case GrpcCode.RESOURCE_EXHAUSTED:
      return 429;
    case GrpcCode.FAILED_PRECONDITION:
      return 412;
    case GrpcCode.ABORTED:
      return 409;
    case GrpcCode.OUT_OF_RANGE:
      return 400;
    case GrpcCode.UNIMPLEMENTED:
      return 501;
    case GrpcCode.INTERNAL:
      return 500;
    case GrpcCode.UNAVAILABLE:
      return 503;
    case GrpcCode.DATA_LOSS:
      return 500;
    default:
      return 500;
  }
}

/** The gateway's error body: `{"error":text,"message":text,"code":n}` (field order as etcd writes it). */
export function jsonErrorBody(code: GrpcCode, message: string): string {
  return JSON.stringify({ error: message, message, code });
}
