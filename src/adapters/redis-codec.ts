// The Backend model to and from what the Lua scripts of ./redis-scripts.ts read and reply: a
// request becomes a flat list of arguments (binary keys and values travel as Buffers, untouched),
// a reply tree becomes the Backend's responses, a stored record "mod:create:version:lease:value"
// becomes a KeyValue. Sorting, revision filters and limits of a range are applied here, after the
// script fetched at one instant what etcd's applier would fetch (etcd 3.4's Range).
import { sortForRange, withinRevisionFilters } from './range-order.js';
import {
  SortOrder,
  SortTarget,
  type Compare,
  type DeleteRangeRequest,
  type Keyspace,
  type KeyValue,
  type PutRequest,
  type RangeRequest,
  type RangeResponse,
  type RequestOp,
  type ResponseHeader,
  type ResponseOp,
  type TxnRequest,
} from './backend.js';
import { EMPTY_BYTES } from './requests.js';

export type Arg = Buffer | string;

const ks = (k: Keyspace | undefined): string => (k === 'system' ? 's' : 'u');
const flag = (b: boolean): string => (b ? '1' : '0');

/** True when the whole range must be fetched before sorting or filtering (etcd fetches everything then). */
function fetchesAll(r: RangeRequest): boolean {
  return r.sortOrder !== SortOrder.NONE || r.minModRevision !== 0 || r.maxModRevision !== 0 || r.minCreateRevision !== 0 || r.maxCreateRevision !== 0;
}

function encodeRange(r: RangeRequest, out: Arg[]): void {
  const fetch = r.limit > 0 && !fetchesAll(r) ? r.limit + 1 : 0;
  // values sorted by are needed even when only keys are returned (they are dropped after the sort)
  const keysOnly = r.keysOnly && r.sortTarget !== SortTarget.VALUE;
  out.push('R', ks(r.keyspace), r.key, r.rangeEnd, String(fetch), String(r.revision), flag(keysOnly), flag(r.countOnly));
}

function encodePut(r: PutRequest, out: Arg[]): void {
  out.push('P', ks(r.keyspace), r.key, r.value, r.lease.toString(), flag(r.prevKv), flag(r.ignoreValue), flag(r.ignoreLease));
}

function encodeDelete(r: DeleteRangeRequest, out: Arg[]): void {
  out.push('D', ks(r.keyspace), r.key, r.rangeEnd, flag(r.prevKv));
}

function compareOperand(c: Compare): Arg {
  switch (c.target) {
    case 0:
      return String(c.version ?? 0);
    case 1:
      return String(c.createRevision ?? 0);
    case 2:
      return String(c.modRevision ?? 0);
    case 4:
      return (c.lease ?? 0n).toString();
    default:
      return c.value ?? EMPTY_BYTES;
  }
}

function encodeTxn(t: TxnRequest, out: Arg[]): void {
  out.push('T', String(t.compare.length));
  for (const c of t.compare) out.push(ks(c.keyspace), String(c.result), String(c.target), c.key, c.rangeEnd, compareOperand(c));
  out.push(String(t.success.length));
  for (const op of t.success) encodeOp(op, out);
  out.push(String(t.failure.length));
  for (const op of t.failure) encodeOp(op, out);
}

function encodeOp(op: RequestOp, out: Arg[]): void {
  if (op.requestRange) encodeRange(op.requestRange, out);
  else if (op.requestPut) encodePut(op.requestPut, out);
  else if (op.requestDeleteRange) encodeDelete(op.requestDeleteRange, out);
  else if (op.requestTxn) encodeTxn(op.requestTxn, out);
  else throw new Error('redis adapter: a txn op with no request set');
}

export function rangeArgs(r: RangeRequest): Arg[] {
  const out: Arg[] = [];
  encodeRange(r, out);
  return out;
}
export function deleteArgs(r: DeleteRangeRequest): Arg[] {
  const out: Arg[] = [];
  encodeDelete(r, out);
  return out;
}
export function txnArgs(t: TxnRequest): Arg[] {
  const out: Arg[] = [];
  encodeTxn(t, out);
  return out;
}

// ---- replies ----

type Reply = Buffer | number | Reply[] | null;

const num = (x: Reply | undefined): number => (typeof x === 'number' ? x : Number((x as Buffer).toString('latin1')));
const buf = (x: Reply | undefined): Buffer => (Buffer.isBuffer(x) ? x : x == null ? EMPTY_BYTES : Buffer.from(String(x)));

/** A KeyValue from the script's reply {key, create, mod, version, lease, value}. */
function kvOf(r: Reply[]): KeyValue {
  return { key: buf(r[0]), createRevision: num(r[1]), modRevision: num(r[2]), version: num(r[3]), lease: BigInt(buf(r[4]).toString('latin1')), value: buf(r[5]) };
}

/** A stored record ("mod:create:version:lease:value") of `key` as a KeyValue. */
export function parseRecord(key: Buffer, rec: Buffer): KeyValue {
  const fields: number[] = [];
  let start = 0;
  for (let i = 0; i < rec.length && fields.length < 4; i++) {
    if (rec[i] === 0x3a) {
      fields.push(i);
      if (fields.length === 4) break;
    }
  }
  const part = (from: number, to: number) => rec.toString('latin1', from, to);
  const [a, b, c, d] = fields as [number, number, number, number];
  start = d + 1;
  return {
    key,
    modRevision: Number(part(0, a)),
    createRevision: Number(part(a + 1, b)),
    version: Number(part(b + 1, c)),
    lease: BigInt(part(c + 1, d)),
    value: rec.subarray(start),
  };
}

export type HeaderOf = (revision: number) => ResponseHeader;

/** etcd 3.4's applier Range after the fetch: revision filters, sort, limit (count is the total before both). */
export function finishRange(req: RangeRequest, reply: Reply[], header: HeaderOf): RangeResponse {
  const revision = num(reply[1]);
  const count = num(reply[2]);
  let kvs: KeyValue[] = [];
  for (let i = 3; i < reply.length; i++) kvs.push(kvOf(reply[i] as Reply[]));
  kvs = withinRevisionFilters(kvs, req);
  sortForRange(kvs, req);
  let more = false;
  if (req.limit > 0 && kvs.length > req.limit) {
    kvs.length = req.limit;
    more = true;
  }
  if (req.keysOnly) for (const kv of kvs) kv.value = EMPTY_BYTES;
  return { header: header(revision), kvs, more, count };
}

function responseOf(op: RequestOp, r: Reply[], header: HeaderOf): ResponseOp {
  const revision = num(r[1]);
  if (op.requestRange) return { responseRange: finishRange(op.requestRange, r, header) };
  if (op.requestPut) {
    const prev = r[2] as Reply[] | undefined;
    return { responsePut: prev ? { header: header(revision), prevKv: kvOf(prev) } : { header: header(revision) } };
  }
  if (op.requestDeleteRange) {
    const prevKvs: KeyValue[] = [];
    for (let i = 3; i < r.length; i++) prevKvs.push(kvOf(r[i] as Reply[]));
    return { responseDeleteRange: { header: header(revision), deleted: num(r[2]), prevKvs } };
  }
  const t = op.requestTxn!;
  const succeeded = num(r[2]) === 1;
  const ops = succeeded ? t.success : t.failure;
  const responses: ResponseOp[] = [];
  for (let i = 3; i < r.length; i++) responses.push(responseOf(ops[i - 3]!, r[i] as Reply[], header));
  return { responseTxn: { header: header(revision), succeeded, responses } };
}

/** The kv script's reply {header revision, succeeded, responses...} for a top-level op. */
export interface KvReply {
  revision: number;
  succeeded: boolean;
  responses: ResponseOp[];
}

/** The kv script's reply {header revision, succeeded, responses...}: `success` / `failure` are the top-level branches (a lone op is a branch of one). */
export function decodeKvReply(success: RequestOp[], failure: RequestOp[], reply: Reply[], header: HeaderOf): KvReply {
  const succeeded = num(reply[1]) === 1;
  const ops = succeeded ? success : failure;
  const responses: ResponseOp[] = [];
  for (let i = 2; i < reply.length; i++) responses.push(responseOf(ops[i - 2]!, reply[i] as Reply[], header));
  return { revision: num(reply[0]), succeeded, responses };
}

export type { Reply };
