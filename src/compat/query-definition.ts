// A prepared query definition (Consul's structs.PreparedQuery, open-source build): its JSON shape,
// the decoding of a request body the way Consul's Go decoder does it, and the validation Consul
// applies before storing it.
//
// Decoding follows encoding/json into a Go struct: a key matches a field exactly or else
// case-insensitively, the last of several matching keys wins, unknown keys are ignored, null leaves
// the zero value, and a value of the wrong JSON kind fails with Go's own message (clients show it
// verbatim after "Request decode failed: "). Slices and maps that were not sent stay null, as Go's
// nil does, so a client that compares what it sent with what it reads back sees the same thing.
import { parseGoDuration } from './query-duration.js';
import { queryDecodeFailed, queryRejected } from './query-errors.js';
import { scanGoJson } from './query-json-syntax.js';

export interface QueryFailoverTarget {
  Peer: string;
  Datacenter: string;
}

export interface QueryFailoverOptions {
  NearestN: number;
  Datacenters: string[] | null;
  Targets: QueryFailoverTarget[] | null;
}

export interface ServiceQuery {
  Service: string;
  SamenessGroup: string;
  Failover: QueryFailoverOptions;
  OnlyPassing: boolean;
  IgnoreCheckIDs: string[] | null;
  Near: string;
  Tags: string[] | null;
  NodeMeta: Record<string, string> | null;
  ServiceMeta: Record<string, string> | null;
  Connect: boolean;
  Peer: string;
}

export interface QueryTemplateOptions {
  Type: string;
  Regexp: string;
  RemoveEmptyTags: boolean;
}

export interface QueryDNSOptions {
  TTL: string;
}

/** The definition as a client sends it (indexes are the store's, added on read). */
export interface PreparedQueryDefinition {
  ID: string;
  Name: string;
  Session: string;
  Token: string;
  Template: QueryTemplateOptions;
  Service: ServiceQuery;
  DNS: QueryDNSOptions;
}

/** The definition as Consul answers it: with its Raft (here: store revision) indexes. */
export interface PreparedQuery extends PreparedQueryDefinition {
  CreateIndex: number;
  ModifyIndex: number;
}

/** Consul's template type (structs.QueryTemplateTypeNamePrefixMatch). */
export const NAME_PREFIX_MATCH = 'name_prefix_match';

/** The token text Consul shows in place of a hidden one; submitting it back is refused. */
const REDACTED_TOKEN = '<hidden>';

export function emptyDefinition(): PreparedQueryDefinition {
  return {
    ID: '',
    Name: '',
    Session: '',
    Token: '',
    Template: { Type: '', Regexp: '', RemoveEmptyTags: false },
    Service: {
      Service: '',
      SamenessGroup: '',
      Failover: { NearestN: 0, Datacenters: null, Targets: null },
      OnlyPassing: false,
      IgnoreCheckIDs: null,
      Near: '',
      Tags: null,
      NodeMeta: null,
      ServiceMeta: null,
      Connect: false,
      Peer: '',
    },
    DNS: { TTL: '' },
  };
}

// ---- Go-style decoding ----

type FieldKind =
  | { kind: 'string'; goType?: string }
  | { kind: 'bool' }
  | { kind: 'int' }
  | { kind: 'strings'; goType: string }
  | { kind: 'stringMap' }
  | { kind: 'struct'; goType: string; fields: Record<string, FieldKind> }
  | { kind: 'structs'; goType: string; fields: Record<string, FieldKind> };

const TARGET_FIELDS: Record<string, FieldKind> = {
  Peer: { kind: 'string' },
  Datacenter: { kind: 'string' },
};

const SERVICE_FIELDS: Record<string, FieldKind> = {
  Service: { kind: 'string' },
  SamenessGroup: { kind: 'string' },
  Failover: {
    kind: 'struct',
    goType: 'structs.QueryFailoverOptions',
    fields: {
      NearestN: { kind: 'int' },
      Datacenters: { kind: 'strings', goType: '[]string' },
      Targets: { kind: 'structs', goType: 'structs.QueryFailoverTarget', fields: TARGET_FIELDS },
    },
  },
  OnlyPassing: { kind: 'bool' },
  IgnoreCheckIDs: { kind: 'strings', goType: 'types.CheckID' },
  Near: { kind: 'string' },
  Tags: { kind: 'strings', goType: '[]string' },
  NodeMeta: { kind: 'stringMap' },
  ServiceMeta: { kind: 'stringMap' },
  Connect: { kind: 'bool' },
  Peer: { kind: 'string' },
};

const QUERY_FIELDS: Record<string, FieldKind> = {
  ID: { kind: 'string' },
  Name: { kind: 'string' },
  Session: { kind: 'string' },
  Token: { kind: 'string' },
  Template: {
    kind: 'struct',
    goType: 'structs.QueryTemplateOptions',
    fields: { Type: { kind: 'string' }, Regexp: { kind: 'string' }, RemoveEmptyTags: { kind: 'bool' } },
  },
  Service: { kind: 'struct', goType: 'structs.ServiceQuery', fields: SERVICE_FIELDS },
  DNS: { kind: 'struct', goType: 'structs.QueryDNSOptions', fields: { TTL: { kind: 'string' } } },
};

/** The JSON kind Go names in "cannot unmarshal <kind> into ...". */
function jsonKind(v: unknown): string {
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number') return 'number';
  if (typeof v === 'boolean') return 'bool';
  if (Array.isArray(v)) return 'array';
  return 'object';
}

function goTypeName(f: FieldKind): string {
  switch (f.kind) {
    case 'string':
      return f.goType ?? 'string';
    case 'bool':
      return 'bool';
    case 'int':
      return 'int';
    case 'strings':
      return f.goType === 'types.CheckID' ? '[]types.CheckID' : f.goType;
    case 'stringMap':
      return 'map[string]string';
    case 'struct':
      return f.goType;
    case 'structs':
      return `[]${f.goType}`;
  }
}

function unmarshalError(v: unknown, path: string, goType: string): never {
  const kind = jsonKind(v);
  // Go names the number itself only when it was meant for a number it cannot hold (1.5 into an int).
  const shown = kind === 'number' && goType === 'int' ? `number ${String(v)}` : kind;
  throw queryDecodeFailed(`json: cannot unmarshal ${shown} into Go struct field PreparedQuery.${path} of type ${goType}`);
}

function findField(fields: Record<string, FieldKind>, key: string): string | undefined {
  if (Object.hasOwn(fields, key)) return key;
  const lower = key.toLowerCase();
  return Object.keys(fields).find((f) => f.toLowerCase() === lower);
}

function decodeValue(v: unknown, f: FieldKind, path: string, current: unknown): unknown {
  if (v === null) return current; // Go leaves the field as it was
  switch (f.kind) {
    case 'string':
      if (typeof v !== 'string') unmarshalError(v, path, goTypeName(f));
      return v;
    case 'bool':
      if (typeof v !== 'boolean') unmarshalError(v, path, 'bool');
      return v;
    case 'int':
      if (typeof v !== 'number' || !Number.isInteger(v)) unmarshalError(v, path, 'int');
      return v;
    case 'strings': {
      if (!Array.isArray(v)) unmarshalError(v, path, goTypeName(f));
      const elemType = f.goType === 'types.CheckID' ? 'types.CheckID' : 'string';
      return v.map((e) => {
        if (e === null) return '';
        if (typeof e !== 'string') unmarshalError(e, path, elemType);
        return e;
      });
    }
    case 'stringMap': {
      if (typeof v !== 'object' || Array.isArray(v)) unmarshalError(v, path, 'map[string]string');
      const out: Record<string, string> = {};
      for (const [k, e] of Object.entries(v as Record<string, unknown>)) {
        if (e === null) {
          out[k] = '';
          continue;
        }
        if (typeof e !== 'string') unmarshalError(e, `${path}`, 'string');
        out[k] = e;
      }
      return out;
    }
    case 'struct': {
      if (typeof v !== 'object' || Array.isArray(v)) unmarshalError(v, path, f.goType);
      return decodeStruct(v as Record<string, unknown>, f.fields, `${path}.`, current as Record<string, unknown>);
    }
    case 'structs': {
      if (!Array.isArray(v)) unmarshalError(v, path, goTypeName(f));
      return v.map((e) => {
        const zero: Record<string, unknown> = {};
        for (const name of Object.keys(f.fields)) zero[name] = '';
        if (e === null) return zero;
        if (typeof e !== 'object' || Array.isArray(e)) unmarshalError(e, path, f.goType);
        return decodeStruct(e as Record<string, unknown>, f.fields, `${path}.`, zero);
      });
    }
  }
}

function decodeStruct(
  obj: Record<string, unknown>,
  fields: Record<string, FieldKind>,
  prefix: string,
  target: Record<string, unknown>,
): Record<string, unknown> {
  for (const [key, value] of Object.entries(obj)) {
    const field = findField(fields, key);
    if (!field) continue;
    target[field] = decodeValue(value, fields[field]!, `${prefix}${field}`, target[field]);
  }
  return target;
}

/** Decodes a request body into a definition, as Consul's decodeBody does (the body must be one JSON object). */
export function decodeDefinition(body: Buffer | undefined): PreparedQueryDefinition {
  const text = body ? body.toString('utf8') : '';
  // Go's Decoder reads the first JSON value and leaves whatever follows it unread.
  const scanned = scanGoJson(text);
  if (scanned.error !== undefined) throw queryDecodeFailed(scanned.error);
  const parsed: unknown = JSON.parse(text.slice(0, scanned.end));
  const def = emptyDefinition();
  if (parsed === null) return def;
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw queryDecodeFailed(`json: cannot unmarshal ${jsonKind(parsed)} into Go value of type structs.PreparedQuery`);
  }
  decodeStruct(parsed as Record<string, unknown>, QUERY_FIELDS, '', def as unknown as Record<string, unknown>);
  return def;
}

// ---- Validation (Consul's parseQuery / parseService / parseDNS) ----

/** Consul's node-metadata rules for filters (structs.ValidateNodeMetadata with allowConsulPrefix). */
const META_KEY = /^[a-zA-Z0-9_-]+$/;
const META_MAX_PAIRS = 64;
const META_KEY_MAX = 128;
const META_VALUE_MAX = 512;

function validateNodeMeta(meta: Record<string, string> | null): string | undefined {
  if (!meta) return undefined;
  const keys = Object.keys(meta);
  if (keys.length > META_MAX_PAIRS) return `Node metadata cannot contain more than ${META_MAX_PAIRS} key/value pairs`;
  for (const k of keys) {
    if (k === '') return 'Key cannot be blank';
    if (!META_KEY.test(k)) return `Key contains invalid characters`;
    if (k.length > META_KEY_MAX) return `Key is too long (limit: ${META_KEY_MAX} characters)`;
    if (meta[k]!.length > META_VALUE_MAX) return `Value is too long (limit: ${META_VALUE_MAX} characters)`;
  }
  return undefined;
}

/** Throws Consul's "Invalid prepared query: ..." refusal when the definition cannot be stored. */
export function validateDefinition(q: PreparedQueryDefinition): void {
  const problem = definitionProblem(q);
  if (problem) throw queryRejected(`Invalid prepared query: ${problem}`);
}

function definitionProblem(q: PreparedQueryDefinition): string | undefined {
  if (q.Name === '' && q.Template.Type === '' && q.Session === '') return 'Must be bound to a session';
  if (q.Token === REDACTED_TOKEN) {
    return `Bad Token '${q.Token}', it looks like a query definition with a redacted token was submitted`;
  }
  const svc = q.Service;
  if (svc.Service === '') return 'Must provide a Service name to query';
  if (svc.Failover.NearestN < 0) return `Bad NearestN '${svc.Failover.NearestN}', must be >= 0`;
  const hasTargets = (svc.Failover.Targets?.length ?? 0) > 0;
  if ((svc.Failover.NearestN !== 0 || (svc.Failover.Datacenters?.length ?? 0) > 0) && hasTargets) {
    return 'Targets cannot be populated with NearestN or Datacenters';
  }
  const metaProblem = validateNodeMeta(svc.NodeMeta);
  if (metaProblem) return metaProblem;
  if (q.DNS.TTL !== '') {
    const ttl = parseGoDuration(q.DNS.TTL);
    if (ttl === undefined) return `Bad DNS TTL '${q.DNS.TTL}': time: invalid duration "${q.DNS.TTL}"`;
    if (ttl < 0) return `DNS TTL '${Math.round(ttl)}', must be >=0`;
  }
  return undefined;
}
