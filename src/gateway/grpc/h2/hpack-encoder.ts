// The sending half of HPACK for our responses, stateless: nothing is ever inserted into the
// peer's dynamic table, so one encoder serves every connection with no per-connection state and a
// constant block can be encoded once and sent on any connection. A field whose name and value are
// both in the static table is one indexed byte; a field whose name is there is a literal without
// indexing that names it by index; anything else is a literal with its name spelt out. Strings go
// raw (no Huffman): our answers' headers are few and short, and raw bytes cost nothing to produce.
import { STATIC_COUNT, STATIC_TABLE } from './hpack-static-table.js';

/** Static index of each name (its first entry). */
const NAME_INDEX = new Map<string, number>();
/** Static index of each name + value pair that has a value, by name then value. */
const PAIR_INDEX = new Map<string, Map<string, number>>();
for (let i = 1; i <= STATIC_COUNT; i++) {
  const [name, value] = STATIC_TABLE[i] as readonly [string, string];
  if (!NAME_INDEX.has(name)) NAME_INDEX.set(name, i);
  if (value !== '') {
    let byValue = PAIR_INDEX.get(name);
    if (byValue === undefined) PAIR_INDEX.set(name, (byValue = new Map()));
    byValue.set(value, i);
  }
}

/** Most bytes an HPACK integer takes here: the prefix byte and up to 5 continuation bytes. */
const MAX_INTEGER_BYTES = 6;

function writeInteger(out: Buffer, pos: number, first: number, prefixBits: number, value: number): number {
  const mask = (1 << prefixBits) - 1;
  if (value < mask) {
    out[pos++] = first | value;
    return pos;
  }
  out[pos++] = first | mask;
  value -= mask;
  while (value >= 128) {
    out[pos++] = (value % 128) | 128;
    value = Math.floor(value / 128);
  }
  out[pos++] = value;
  return pos;
}

/** A raw (not Huffman) string literal. Header strings are octets, one per latin1 char. */
function writeString(out: Buffer, pos: number, s: string): number {
  const n = s.length;
  pos = writeInteger(out, pos, 0, 7, n);
  // Short strings (nearly every header) are cheaper copied by hand than through Buffer.write.
  if (n > 64) return pos + out.write(s, pos, 'latin1');
  for (let i = 0; i < n; i++) out[pos + i] = s.charCodeAt(i);
  return pos + n;
}

/** One header block for `fields` (names lower-case, pseudo-headers first, as the caller orders them). */
export function encodeHeaders(fields: ReadonlyArray<readonly [string, string]>): Buffer {
  let bound = 0;
  for (const [name, value] of fields) bound += name.length + value.length + 3 * MAX_INTEGER_BYTES;
  const out = Buffer.allocUnsafe(bound);
  let pos = 0;
  for (const [name, value] of fields) {
    const pair = PAIR_INDEX.get(name)?.get(value);
    if (pair !== undefined) {
      out[pos++] = 0x80 | pair; // indexed field; every static index fits the 7-bit prefix
      continue;
    }
    const nameIndex = NAME_INDEX.get(name);
    if (nameIndex !== undefined) {
      pos = writeInteger(out, pos, 0x00, 4, nameIndex);
    } else {
      out[pos++] = 0x00;
      pos = writeString(out, pos, name);
    }
    pos = writeString(out, pos, value);
  }
  return out.subarray(0, pos);
}

/** The HEADERS block of every gRPC answer that carries messages. */
export const GRPC_RESPONSE_HEADERS: Buffer = Buffer.from(encodeHeaders([
  [':status', '200'],
  ['content-type', 'application/grpc'],
]));

/** The trailers of every successful gRPC call. */
export const GRPC_OK_TRAILERS: Buffer = Buffer.from(encodeHeaders([
  ['grpc-status', '0'],
  ['grpc-message', ''],
]));
