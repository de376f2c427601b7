// JSON as Consul's Go decoder and encoder see it, for the KV, txn and session bodies:
// - field names match case-insensitively (python-consul sends "lockdelay", "ttl", "behavior");
// - uint64 numbers (KV Flags, indexes) keep every digit: consul lock's flags 3304740253564472344 is
//   above 2^53, so JSON.parse would round it. The parser below turns integer literals too long for
//   a double into BigInt-able strings before JSON.parse sees them, and the encoder writes bigints raw.

/** An integer literal longer than this may not be exact as a JS number. */
const SAFE_DIGITS = 15;

export class JsonSyntaxError extends Error {}

/** JSON.parse, except integer literals of more than 15 digits arrive as `{ $uint: "<digits>" }`. */
export function parseJsonLossless(text: string): unknown {
  let out = '';
  let i = 0;
  let last = 0;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      i++;
      while (i < n && text.charCodeAt(i) !== 0x22) i += text.charCodeAt(i) === 0x5c ? 2 : 1;
      i++;
      continue;
    }
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      const start = i;
      while (i < n && /[-+0-9.eE]/.test(text[i]!)) i++;
      const lit = text.slice(start, i);
      if (/^-?\d+$/.test(lit) && lit.replace('-', '').length > SAFE_DIGITS) {
        out += text.slice(last, start) + `{"$uint":"${lit}"}`;
        last = i;
      }
      continue;
    }
    i++;
  }
  out += text.slice(last);
  try {
    return JSON.parse(out) as unknown;
  } catch (err) {
    throw new JsonSyntaxError((err as Error).message);
  }
}

export type JsonObject = Record<string, unknown>;

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !('$uint' in v);
}

/** The value of field `name` matched case-insensitively (Go's encoding/json rule), undefined when absent. */
export function fieldOf(obj: JsonObject, name: string): unknown {
  if (name in obj) return obj[name];
  const lower = name.toLowerCase();
  for (const k of Object.keys(obj)) if (k.toLowerCase() === lower) return obj[k];
  return undefined;
}

/** A uint64 field: a JSON number or an over-long literal; undefined when absent or null. Throws a Go-like message on a wrong type. */
export function uint64Of(v: unknown, field: string): bigint | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return BigInt(v);
  if (typeof v === 'object' && v !== null && '$uint' in v) {
    const b = BigInt((v as { $uint: string }).$uint);
    if (b >= 0n && b < 1n << 64n) return b;
  }
  throw new JsonSyntaxError(`json: cannot unmarshal ${jsonTypeName(v)} into Go struct field .${field} of type uint64`);
}

export function jsonTypeName(v: unknown): string {
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return 'number';
  if (Array.isArray(v)) return 'array';
  return 'object';
}

/** JSON text of a value that may hold bigints (written as bare integers, as Go writes uint64). */
export function stringifyWithBigints(value: unknown): string {
  const marks: string[] = [];
  const text = JSON.stringify(value, (_k, v: unknown) => {
    if (typeof v === 'bigint') {
      marks.push(v.toString());
      return `\u0000big${marks.length - 1}\u0000`;
    }
    return v;
  });
  return text.replace(/"\\u0000big(\d+)\\u0000"/g, (_m, i: string) => marks[Number(i)]!);
}
