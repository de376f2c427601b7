// KV over gRPC: genuine clients (raw grpc-js stubs of etcd's .proto, and the etcd3 npm client)
// against the KV service on the in-memory backend. Error codes and texts are genuine etcd 3.4.23's.
import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryBackend } from '../../support/memory-backend.js';
import { startFrontend, type Frontend } from './harness.js';
import { call, rawClients, type RawClients } from './raw-client.js';

const b = (s: string) => Buffer.from(s);
let fe: Frontend;
let c: RawClients;
let etcd: Etcd3;

beforeAll(async () => {
  fe = await startFrontend(new MemoryBackend(), { maxRequestBytes: 1000, maxTxnOps: 4 });
  c = rawClients(fe.grpcAddress);
  etcd = new Etcd3({ hosts: fe.grpcAddress });
});
afterAll(async () => {
  etcd?.close();
  c?.close();
  await fe?.close();
});

describe('KV service', () => {
  it('puts and reads back through the etcd3 client', async () => {
    await etcd.put('foo').value('bar');
    expect(await etcd.get('foo').string()).toBe('bar');
    await etcd.put('foo2').value('baz');
    expect(await etcd.getAll().prefix('foo').strings()).toEqual({ foo: 'bar', foo2: 'baz' });
    const del = await etcd.delete().key('foo2').exec();
    expect(del.deleted).toBe('1');
  });

  it('answers the key.go validation errors with etcd code and text', async () => {
    expect(await call(c.KV, 'Range', { key: b('') })).toEqual({ code: 3, details: 'etcdserver: key is not provided' });
    expect(await call(c.KV, 'Put', { key: b('') })).toEqual({ code: 3, details: 'etcdserver: key is not provided' });
    expect(await call(c.KV, 'DeleteRange', { key: b('') })).toEqual({ code: 3, details: 'etcdserver: key is not provided' });
    expect(await call(c.KV, 'Put', { key: b('a'), value: b('v'), ignore_value: true })).toEqual({
      code: 3,
      details: 'etcdserver: value is provided',
    });
    expect(await call(c.KV, 'Put', { key: b('a'), lease: '5', ignore_lease: true })).toEqual({
      code: 3,
      details: 'etcdserver: lease is provided',
    });
    expect(await call(c.KV, 'Range', { key: b('a'), sort_order: 1, sort_target: 9 })).toEqual({
      code: 3,
      details: 'etcdserver: invalid sort option',
    });
  });

  it('refuses txns with too many ops, empty ops and duplicate keys', async () => {
    const put = (k: string) => ({ request_put: { key: b(k) } });
    expect(await call(c.KV, 'Txn', { success: [put('a'), put('b'), put('c'), put('d'), put('e')] })).toEqual({
      code: 3,
      details: 'etcdserver: too many operations in txn request',
    });
    expect(await call(c.KV, 'Txn', { success: [{}] })).toEqual({ code: 3, details: 'etcdserver: key not found' });
    expect(await call(c.KV, 'Txn', { compare: [{ key: b('') }] })).toEqual({ code: 3, details: 'etcdserver: key is not provided' });
    expect(await call(c.KV, 'Txn', { success: [put('a'), put('a')] })).toEqual({
      code: 3,
      details: 'etcdserver: duplicate key given in txn request',
    });
    expect(
      await call(c.KV, 'Txn', { success: [{ request_delete_range: { key: b('a'), range_end: b('c') } }, put('b')] }),
    ).toEqual({ code: 3, details: 'etcdserver: duplicate key given in txn request' });
    // then/else of a nested txn may put the same key; a put next to it may not.
    const nested = { request_txn: { success: [put('x')], failure: [put('x')] } };
    const ok = await call(c.KV, 'Txn', { success: [nested] });
    expect(ok['succeeded']).toBe(true);
    expect(await call(c.KV, 'Txn', { success: [nested, put('x')] })).toEqual({
      code: 3,
      details: 'etcdserver: duplicate key given in txn request',
    });
  });

  it('refuses a proposal over --max-request-bytes at etcd\'s boundary', async () => {
    // Measured on genuine etcd with --max-request-bytes 1000: `put k <977 bytes>` passes, 978 fails.
    expect((await call(c.KV, 'Put', { key: b('k'), value: Buffer.alloc(977, 120) }))['header']).toBeDefined();
    expect(await call(c.KV, 'Put', { key: b('k'), value: Buffer.alloc(978, 120) })).toEqual({
      code: 3,
      details: 'etcdserver: request is too large',
    });
    // A read-only txn is not a proposal: no size limit.
    const big = Buffer.alloc(2000, 97);
    expect((await call(c.KV, 'Txn', { success: [{ request_range: { key: big } }] }))['succeeded']).toBe(true);
  });

  it('leaves the header of a nested txn response empty, as etcd\'s applier does', async () => {
    const r = await call(c.KV, 'Txn', { success: [{ request_txn: { success: [{ request_put: { key: b('nested'), value: b('v') } }] } }] });
    const top = r['header'] as { revision: string };
    const nested = (r['responses'] as { response_txn: { header: Record<string, string>; responses: { response_put: { header: { revision: string } } }[] } }[])[0]!.response_txn;
    expect(nested.header).toEqual({ cluster_id: '0', member_id: '0', revision: '0', raft_term: '0' });
    expect(nested.responses[0]!.response_put.header.revision).toBe(top.revision);
  });

  it('passes store errors through: future and compacted revisions', async () => {
    const cur = Number(((await call(c.KV, 'Range', { key: b('foo') }))['header'] as { revision: string }).revision);
    expect(await call(c.KV, 'Range', { key: b('foo'), revision: cur + 10 })).toEqual({
      code: 11,
      details: 'etcdserver: mvcc: required revision is a future revision',
    });
    await call(c.KV, 'Compact', { revision: cur });
    expect(await call(c.KV, 'Range', { key: b('foo'), revision: cur - 1 })).toEqual({
      code: 11,
      details: 'etcdserver: mvcc: required revision has been compacted',
    });
  });

  it('counts calls in grpc_server_handled_total', async () => {
    const text = await fe.deps.metrics.registry.metrics();
    expect(text).toMatch(/grpc_server_handled_total\{grpc_type="unary",grpc_service="etcdserverpb.KV",grpc_method="Put",grpc_code="OK"\} [1-9]/);
    expect(text).toMatch(/grpc_server_handled_total\{grpc_type="unary",grpc_service="etcdserverpb.KV",grpc_method="Txn",grpc_code="InvalidArgument"\} [1-9]/);
    // the 977-byte put alone is more than 977 bytes received
    const received = Number(/^etcd_network_client_grpc_received_bytes_total (\d+)$/m.exec(text)?.[1]);
    expect(received).toBeGreaterThan(977);
    expect(text).toMatch(/^etcd_network_client_grpc_sent_bytes_total [1-9]/m);
  });
});
