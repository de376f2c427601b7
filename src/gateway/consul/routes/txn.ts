// PUT /v1/txn: up to 64 KV / Node / Service / Check operations applied all-or-nothing
// (txn-runner.ts). 200 with {"Results":[...],"Errors":null} when committed, 409 with
// {"Results":null,"Errors":[{"OpIndex":i,"What":"..."}]} when rolled back; 413 for Consul's limits
// (body size, operation count, value size) and 400 for a body it cannot decode, with its texts
// (agent/txn_endpoint.go). A transaction without writes honours ?stale / ?consistent and carries
// X-Consul-KnownLeader / X-Consul-LastContact, as Consul's read-only fast path does.
import { KV_MAX_VALUE_SIZE } from '../../../compat/kv.js';
import { fieldOf, isObject, JsonSyntaxError, jsonTypeName, parseJsonLossless, uint64Of, type JsonObject } from '../../../compat/kv-json.js';
import { isWriteVerb, type KvOp } from '../../../compat/txn.js';
import type { CatalogKind } from '../../../compat/txn-catalog.js';
import { ConsulTxnRunner, type ConsulTxnOp } from '../../../compat/txn-runner.js';
import { ConsulHttpError } from '../http-error.js';
import { parseQueryOptions, setLeaderMeta } from '../query-options.js';
import type { ConsulRoute } from './index.js';
import { requireLocalDatacenter } from './kv-params.js';

/** Consul's maxTxnOps. */
export const MAX_TXN_OPS = 64;
/** txn_max_req_len's default (the suggested raft entry size, 512 KiB; never below kv_max_value_size). */
export const TXN_MAX_REQ_LEN = 512 * 1024;

class BodyError extends Error {}

function parseFailed(msg: string): ConsulHttpError {
  return new ConsulHttpError(400, `Failed to parse body: ${msg}`);
}

function str(o: JsonObject, name: string, where: string): string {
  const v = fieldOf(o, name);
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') throw new BodyError(`json: cannot unmarshal ${jsonTypeName(v)} into Go struct field ${where}.${name} of type string`);
  return v;
}

/** Go's base64.StdEncoding.DecodeString, strict as Go is. */
function decodeBase64(s: string): Buffer {
  const bad = s.search(/[^A-Za-z0-9+/=]/);
  if (bad >= 0) throw new BodyError(`failed to decode value: illegal base64 data at input byte ${bad}`);
  if (s.length % 4 !== 0 || /=[^=]/.test(s)) throw new BodyError(`failed to decode value: illegal base64 data at input byte ${Math.max(0, s.length - (s.length % 4 || 4))}`);
  return Buffer.from(s, 'base64');
}

function decodeKvOp(o: JsonObject, opIndex: number): KvOp {
  const rawValue = fieldOf(o, 'Value');
  let value: Buffer = Buffer.alloc(0);
  if (rawValue !== undefined && rawValue !== null) {
    if (typeof rawValue !== 'string') throw new BodyError(`failed to decode value: unexpected value type: ${jsonTypeName(rawValue)}`);
    value = decodeBase64(rawValue);
  }
  const index = uint64Of(fieldOf(o, 'Index'), 'KV.Index') ?? 0n;
  return {
    opIndex,
    verb: str(o, 'Verb', 'KV'),
    key: Buffer.from(str(o, 'Key', 'KV'), 'utf8'),
    value,
    flags: uint64Of(fieldOf(o, 'Flags'), 'KV.Flags') ?? 0n,
    index: Number(index),
    session: str(o, 'Session', 'KV'),
  };
}

function decodeOps(body: Buffer): ConsulTxnOp[] | { tooMany: number } | { tooLarge: string } {
  let raw: unknown;
  try {
    raw = parseJsonLossless(body.length === 0 ? '' : body.toString('utf8'));
  } catch (err) {
    throw parseFailed(body.length === 0 ? 'EOF' : err instanceof JsonSyntaxError ? err.message : String(err));
  }
  if (!Array.isArray(raw)) throw parseFailed(`json: cannot unmarshal ${jsonTypeName(raw)} into Go value of type api.TxnOps`);
  if (raw.length > MAX_TXN_OPS) return { tooMany: raw.length };
  const ops: ConsulTxnOp[] = [];
  try {
    raw.forEach((item, i) => {
      if (!isObject(item)) throw new BodyError(`json: cannot unmarshal ${jsonTypeName(item)} into Go value of type api.TxnOp`);
      const kv = fieldOf(item, 'KV');
      if (isObject(kv)) {
        ops.push({ kv: decodeKvOp(kv, i) });
        return;
      }
      for (const kind of ['Node', 'Service', 'Check'] as CatalogKind[]) {
        const o = fieldOf(item, kind);
        if (!isObject(o)) continue;
        const verb = str(o, 'Verb', kind);
        const inner = fieldOf(o, kind);
        const bodyObj = kind === 'Service' ? fieldOf(o, 'Service') : inner;
        ops.push({ catalog: { opIndex: i, kind, verb, body: isObject(bodyObj) ? bodyObj : {}, node: kind === 'Service' ? str(o, 'Node', 'Service') : '' } });
        return;
      }
      // No operation: Consul reports it as this operation's error.
      ops.push({ catalog: { opIndex: i, kind: 'Node', verb: '\u0000none', body: {}, node: '' } });
    });
  } catch (err) {
    if (err instanceof BodyError || err instanceof JsonSyntaxError) throw parseFailed(err.message);
    throw err;
  }
  for (const op of ops) {
    if (op.kv && op.kv.value.length > KV_MAX_VALUE_SIZE) {
      return { tooLarge: `Value for key ${JSON.stringify(op.kv.key.toString('utf8'))} is too large (${op.kv.value.length} > ${KV_MAX_VALUE_SIZE} bytes)` };
    }
  }
  return ops;
}

export const txnRoutes: ConsulRoute = (app, ctx) => {
  // Consul checks Content-Length before reading the body.
  const refuseOversized = async (req: { headers: Record<string, unknown> }): Promise<void> => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > TXN_MAX_REQ_LEN) throw new ConsulHttpError(413, `Request body too large, max size: ${TXN_MAX_REQ_LEN} bytes`);
  };
  app.all('/v1/txn', { onRequest: refuseOversized }, async (req, reply) => {
    if (req.method !== 'PUT') throw new ConsulHttpError(405, `method ${req.method} not allowed`);
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    if (body.length > TXN_MAX_REQ_LEN) throw new ConsulHttpError(413, `Request body too large, max size: ${TXN_MAX_REQ_LEN} bytes`);
    const decoded = decodeOps(body);
    if ('tooMany' in decoded) throw new ConsulHttpError(413, `Transaction contains too many operations (${decoded.tooMany} > ${MAX_TXN_OPS})`);
    if ('tooLarge' in decoded) throw new ConsulHttpError(413, decoded.tooLarge);
    const ops = decoded;
    const writes = ops.some((o) => (o.kv ? isWriteVerb(o.kv.verb) : o.catalog!.verb !== 'get'));
    const opts = parseQueryOptions(req);
    requireLocalDatacenter(ctx, opts.dc);
    // An operation naming no KV/Node/Service/Check: Consul's "no operation specified".
    const empty = ops.find((o) => o.catalog?.verb === '\u0000none');
    if (empty) {
      return reply
        .code(409)
        .send(JSON.stringify({ Results: null, Errors: [{ OpIndex: empty.catalog!.opIndex, What: 'no operation specified' }] }));
    }
    const runner = new ConsulTxnRunner(ctx.core.backend, ctx.core.kv.executor, ctx.core.catalog);
    const answer = await runner.run(ops, !writes && opts.consistency === 'consistent');
    if (!writes) setLeaderMeta(ctx, reply, opts.consistency);
    return reply.code(answer.committed ? 200 : 409).send(answer.body);
  });
};
