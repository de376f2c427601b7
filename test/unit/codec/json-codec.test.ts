// The JSON codec against what genuine etcd 3.4.23's grpc-gateway was seen to write and accept
// (the expected strings below are etcd's own answers to the same requests, recorded with curl).
import { describe, expect, it } from 'vitest';
import type { LeaseGrantRequest, MemberListResponse, PutRequest, RangeRequest, RangeResponse, ResponseHeader, TxnRequest, TxnResponse } from '../../../src/adapters/backend.js';
import { EtcdError, Errors, GrpcCode } from '../../../src/adapters/errors.js';
import { httpStatusOf, jsonCodecOf, jsonErrorBody, parseJsonBody } from '../../../src/gateway/etcd/codec/index.js';

const header: ResponseHeader = { clusterId: 9087666264657136056n, memberId: 9833083175480742342n, revision: 4, raftTerm: 2 };
const HEADER_JSON = '{"cluster_id":"9087666264657136056","member_id":"9833083175480742342","revision":"4","raft_term":"2"}';
const b = (s: string) => Buffer.from(s);

describe('JSON output, as etcd 3.4 writes it', () => {
  it('RangeResponse: proto names, int64 as strings, base64 bytes, zero fields (lease, more) omitted', () => {
    const res: RangeResponse = {
      header,
      kvs: [{ key: b('foo'), createRevision: 2, modRevision: 4, version: 3, value: b('bar'), lease: 0n }],
      more: false,
      count: 1,
    };
    expect(JSON.stringify(jsonCodecOf<RangeResponse>('RangeResponse').toJson(res))).toBe(
      `{"header":${HEADER_JSON},"kvs":[{"key":"Zm9v","create_revision":"2","mod_revision":"4","version":"3","value":"YmFy"}],"count":"1"}`,
    );
    expect(JSON.stringify(jsonCodecOf<RangeResponse>('RangeResponse').toJson({ header, kvs: [], more: false, count: 0 }))).toBe(`{"header":${HEADER_JSON}}`);
  });

  it('lease fields keep their upper-case proto names; an empty value is left out', () => {
    const lease = jsonCodecOf('LeaseTimeToLiveResponse').toJson({ header, id: 1000n, ttl: 59, grantedTtl: 60, keys: [b('a')] });
    expect(JSON.stringify(lease)).toBe(`{"header":${HEADER_JSON},"ID":"1000","TTL":"59","grantedTTL":"60","keys":["YQ=="]}`);
    const kv = jsonCodecOf('KeyValue').toJson({ key: b('a'), createRevision: 5, modRevision: 5, version: 1, value: Buffer.alloc(0), lease: 1000n });
    expect(JSON.stringify(kv)).toBe('{"key":"YQ==","create_revision":"5","mod_revision":"5","version":"1","lease":"1000"}');
  });

  it('members: camelCase proto names as written in rpc.proto, false isLearner omitted', () => {
    const res: MemberListResponse = {
      header: { ...header, revision: 0 },
      members: [{ id: 9833083175480742342n, name: 'default', peerURLs: ['http://127.0.0.1:26380'], clientURLs: ['http://127.0.0.1:26379'], isLearner: false }],
    };
    expect(JSON.stringify(jsonCodecOf('MemberListResponse').toJson(res))).toBe(
      '{"header":{"cluster_id":"9087666264657136056","member_id":"9833083175480742342","raft_term":"2"},"members":[{"ID":"9833083175480742342","name":"default","peerURLs":["http://127.0.0.1:26380"],"clientURLs":["http://127.0.0.1:26379"]}]}',
    );
  });

  it('txn: oneof members by proto name, uint32 hash as a number, enums by name (zero enum omitted)', () => {
    const sub = { clusterId: 0n, memberId: 0n, revision: 6, raftTerm: 0 };
    const res: TxnResponse = {
      header: { ...header, revision: 6 },
      succeeded: true,
      responses: [{ responsePut: { header: sub } }, { responseDeleteRange: { header: sub, deleted: 0, prevKvs: [] } }],
    };
    expect(JSON.stringify(jsonCodecOf('TxnResponse').toJson(res))).toBe(
      `{"header":${HEADER_JSON.replace('"revision":"4"', '"revision":"6"')},"succeeded":true,"responses":[{"response_put":{"header":{"revision":"6"}}},{"response_delete_range":{"header":{"revision":"6"}}}]}`,
    );
    expect(JSON.stringify(jsonCodecOf('HashResponse').toJson({ header, hash: 2561182813 }))).toBe(`{"header":${HEADER_JSON},"hash":2561182813}`);
    const ev = (type: 0 | 1) => ({ type, kv: { key: b('foo'), createRevision: 0, modRevision: 9, version: 0, value: Buffer.alloc(0), lease: 0n } });
    expect(JSON.stringify(jsonCodecOf('Event').toJson(ev(1)))).toBe('{"type":"DELETE","kv":{"key":"Zm9v","mod_revision":"9"}}');
    expect(JSON.stringify(jsonCodecOf('Event').toJson(ev(0)))).toBe('{"kv":{"key":"Zm9v","mod_revision":"9"}}');
    expect(JSON.stringify(jsonCodecOf('AuthRoleGetResponse').toJson({ header, perm: [{ permType: 2, key: b('a'), rangeEnd: b('b') }] }))).toBe(
      `{"header":${HEADER_JSON},"perm":[{"permType":"READWRITE","key":"YQ==","range_end":"Yg=="}]}`,
    );
  });
});

describe('JSON input, as etcd 3.4 accepts it', () => {
  it('snake_case and lowerCamel names, int64 as string or number, defaults for the rest', () => {
    const put = jsonCodecOf<PutRequest>('PutRequest');
    const expected: PutRequest = { key: b('foo'), value: b('bar'), lease: 123n, prevKv: true, ignoreValue: false, ignoreLease: false };
    expect(put.fromJson({ key: 'Zm9v', value: 'YmFy', lease: '123', prev_kv: true })).toEqual(expected);
    expect(put.fromJson({ key: 'Zm9v', value: 'YmFy', lease: 123, prevKv: true })).toEqual(expected);
    const range = jsonCodecOf<RangeRequest>('RangeRequest').fromJson({ key: 'Zm9v', limit: '1', sort_order: 'DESCEND', sortTarget: 3 });
    expect(range).toMatchObject({ key: b('foo'), rangeEnd: Buffer.alloc(0), limit: 1, sortOrder: 2, sortTarget: 3, serializable: false, revision: 0 });
  });

  it('64-bit integers sent as JSON numbers keep every digit (as Go reads them)', () => {
    const grant = jsonCodecOf<LeaseGrantRequest>('LeaseGrantRequest');
    expect(grant.fromJson(parseJsonBody('{"TTL": 60, "ID": 7587861298495458824}'))).toEqual({ ttl: 60, id: 7587861298495458824n });
    expect(grant.fromJson(parseJsonBody('{"ID": -7587861298495458824, "TTL": "5"}'))).toEqual({ ttl: 5, id: -7587861298495458824n });
    // digits inside strings are left alone
    expect(jsonCodecOf('AuthenticateRequest').fromJson(parseJsonBody('{"name":"12345678901234567890","password":"x\\"9999999999999999"}'))).toEqual({
      name: '12345678901234567890',
      password: 'x"9999999999999999',
    });
    expect(jsonCodecOf<PutRequest>('PutRequest').fromJson(parseJsonBody('{"key":"MTIzNDU2Nzg5MDEyMzQ1Njc4OTA=","lease":1234567890123456789}')).lease).toBe(
      1234567890123456789n,
    );
  });

  it('upper-case lease names; a lower-case "ttl" is an unknown field and ignored, as etcd does', () => {
    const grant = jsonCodecOf<LeaseGrantRequest>('LeaseGrantRequest');
    expect(grant.fromJson({ TTL: '60', ID: '1000' })).toEqual({ ttl: 60, id: 1000n });
    expect(grant.fromJson({ ttl: 60 })).toEqual({ ttl: 0, id: 0n });
  });

  it('txn request: oneof members and compare targets', () => {
    const txn = jsonCodecOf<TxnRequest>('TxnRequest').fromJson({
      compare: [{ key: 'Zm9v', result: 'EQUAL', target: 'VALUE', value: 'YmFy' }, { key: 'Zm9v', result: 'NOT_EQUAL', target: 'VERSION', version: '0' }],
      success: [{ request_range: { key: 'Zm9v' } }, { requestPut: { key: 'Zm9v', value: 'YmFy' } }],
    });
    expect(txn.compare[0]).toEqual({ result: 0, target: 3, key: b('foo'), rangeEnd: Buffer.alloc(0), value: b('bar') });
    expect(txn.compare[1]).toEqual({ result: 3, target: 0, key: b('foo'), rangeEnd: Buffer.alloc(0), version: 0 });
    expect(txn.success[0]?.requestRange?.key).toEqual(b('foo'));
    expect(txn.success[1]?.requestPut?.value).toEqual(b('bar'));
    expect(txn.failure).toEqual([]);
  });

  it('malformed input: Go texts etcd answers with, as INVALID_ARGUMENT', () => {
    const range = jsonCodecOf('RangeRequest');
    const err = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e instanceof EtcdError ? [e.code, e.message] : ['not EtcdError', String(e)];
      }
      return ['no error'];
    };
    expect(err(() => range.fromJson({ key: 'Zm9v', keys_only: 'true' }))).toEqual([3, 'json: cannot unmarshal string into Go value of type bool']);
    expect(err(() => range.fromJson({ key: '!!' }))).toEqual([3, 'illegal base64 data at input byte 0']);
    expect(err(() => parseJsonBody('{bad'))).toEqual([3, "invalid character 'b' looking for beginning of object key string"]);
    expect(err(() => parseJsonBody('{"key":"Zm9v","limit":x}'))).toEqual([3, "invalid character 'x' looking for beginning of value"]);
    expect(parseJsonBody('')).toEqual({});
  });

  it('more malformed input, each with the text etcd 3.4.23 answered', () => {
    const range = jsonCodecOf('RangeRequest');
    const txn = jsonCodecOf('TxnRequest');
    const text = (f: () => unknown) => {
      try {
        f();
        return 'no error';
      } catch (e) {
        return e instanceof EtcdError && e.code === 3 ? e.message : `unexpected: ${String(e)}`;
      }
    };
    const req = (body: string) => () => range.fromJson(parseJsonBody(body));
    expect(text(req('{"key":123}'))).toBe('json: cannot unmarshal number into Go value of type []uint8');
    expect(text(req('{"key":"Zm9v","sort_order":"BOGUS"}'))).toBe('unknown value "BOGUS" for enum etcdserverpb.RangeRequest_SortOrder');
    expect(text(req('{"key":"Zm9v","limit":"abc"}'))).toBe("invalid character 'a' looking for beginning of value");
    expect(text(req('{"key":"Zm9v","revision":"0x10"}'))).toBe("invalid character 'x' after top-level value");
    expect(text(req('{"key":"Zm9v","limit":1.5}'))).toBe('json: cannot unmarshal number 1.5 into Go value of type int64');
    expect(text(req('{"key":"Zm9v","limit":true}'))).toBe('json: cannot unmarshal bool into Go value of type int64');
    expect(text(req('{"key":"Zm9v","serializable":1}'))).toBe('json: cannot unmarshal number into Go value of type bool');
    expect(text(req('[1]'))).toBe('json: cannot unmarshal array into Go value of type map[string]json.RawMessage');
    expect(text(req('"x"'))).toBe('json: cannot unmarshal string into Go value of type map[string]json.RawMessage');
    expect(text(req('{"key":"Zm9v",}'))).toBe("invalid character '}' looking for beginning of object key string");
    expect(text(req('{"key":"Zm9v"'))).toBe('unexpected EOF');
    expect(text(req('{"key":"Zm9"}'))).toBe('illegal base64 data at input byte 0');
    expect(text(() => txn.fromJson(parseJsonBody('{"compare":{"key":"Zm9v"}}')))).toBe('json: cannot unmarshal object into Go value of type []json.RawMessage');
  });

  it('what etcd 3.4.23 accepts: trailing bytes after the object, null fields, enum numbers, padded int strings', () => {
    const range = jsonCodecOf<RangeRequest>('RangeRequest');
    expect(range.fromJson(parseJsonBody('{"key":"Zm9v"} x')).key).toEqual(b('foo'));
    expect(range.fromJson(parseJsonBody('{"key":"Zm9v","limit":null}')).limit).toBe(0);
    expect(range.fromJson(parseJsonBody('{"key":"Zm9v","sort_order":7}')).sortOrder).toBe(7);
    expect(range.fromJson(parseJsonBody('{"key":"Zm9v","limit":"  5"}')).limit).toBe(5);
  });
});

describe('errors as the gateway answers them', () => {
  it('HTTP status per gRPC code and the error body', () => {
    expect(httpStatusOf(Errors.EmptyKey.code)).toBe(400);
    expect(httpStatusOf(Errors.LeaseNotFound.code)).toBe(404);
    expect(httpStatusOf(Errors.LeaseExist.code)).toBe(412);
    expect(httpStatusOf(Errors.FutureRev.code)).toBe(400);
    expect(httpStatusOf(GrpcCode.RESOURCE_EXHAUSTED)).toBe(429);
    expect(jsonErrorBody(Errors.EmptyKey.code, Errors.EmptyKey.message)).toBe(
      '{"error":"etcdserver: key is not provided","message":"etcdserver: key is not provided","code":3}',
    );
  });
});
