// etcd 3.4's request checks (v3rpc/key.go), including checkIntervals' rules for nested txns and
// the quirk that a delete with range_end "\0" never conflicts (verified on genuine 3.4.23).
import { describe, expect, it } from 'vitest';
import type { PutRequest, RequestOp, TxnRequest } from '../../../src/adapters/backend.js';
import { Errors } from '../../../src/adapters/errors.js';
import { putRequest, rangeRequest } from '../../../src/adapters/requests.js';
import { proposalSize, putRequestSize } from '../../../src/gateway/etcd/sizes.js';
import { checkPutRequest, isTxnReadOnly, validateTxn } from '../../../src/gateway/etcd/validate.js';

const b = (s: string) => Buffer.from(s);
const putReq = (key: string, over?: Partial<PutRequest>): PutRequest => putRequest(b(key), b(''), over);
const put = (key: string): RequestOp => ({ requestPut: putReq(key) });
const del = (key: string, end = ''): RequestOp => ({ requestDeleteRange: { key: b(key), rangeEnd: Buffer.from(end, 'latin1'), prevKv: false } });
const txn = (success: RequestOp[], failure: RequestOp[] = []): TxnRequest => ({ compare: [], success, failure });
const nested = (success: RequestOp[], failure: RequestOp[] = []): RequestOp => ({ requestTxn: txn(success, failure) });

const errOf = (fn: () => void): Error | undefined => {
  try {
    fn();
    return undefined;
  } catch (e) {
    return e as Error;
  }
};

describe('put checks', () => {
  it('refuses an empty key, a value with ignore_value, a lease with ignore_lease', () => {
    expect(errOf(() => checkPutRequest(putReq('')))).toBe(Errors.EmptyKey);
    expect(errOf(() => checkPutRequest(putReq('a', { ignoreValue: true, value: b('x') })))).toBe(Errors.ValueProvided);
    expect(errOf(() => checkPutRequest(putReq('a', { ignoreLease: true, lease: 1n })))).toBe(Errors.LeaseProvided);
    expect(errOf(() => checkPutRequest(putReq('a', { ignoreValue: true, ignoreLease: true })))).toBeUndefined();
  });
});

describe('txn checks', () => {
  it('counts ops as the largest of compare/success/failure, nested txns sharing the budget', () => {
    expect(errOf(() => validateTxn(txn([put('a'), put('b')]), 2))).toBeUndefined();
    expect(errOf(() => validateTxn(txn([put('a'), put('b'), put('c')]), 2))).toBe(Errors.TooManyOps);
    // outer uses 1 of 2, the nested txn gets 1 left: two ops in it is too many.
    expect(errOf(() => validateTxn(txn([nested([put('a'), put('b')])]), 2))).toBe(Errors.TooManyOps);
  });

  it('finds duplicate puts and puts inside deleted ranges, at any depth', () => {
    expect(errOf(() => validateTxn(txn([put('a'), put('a')]), 128))).toBe(Errors.DuplicateKey);
    expect(errOf(() => validateTxn(txn([del('a'), put('a')]), 128))).toBe(Errors.DuplicateKey);
    expect(errOf(() => validateTxn(txn([del('a', 'c'), put('b')]), 128))).toBe(Errors.DuplicateKey);
    expect(errOf(() => validateTxn(txn([del('a', 'c'), put('c')]), 128))).toBeUndefined();
    expect(errOf(() => validateTxn(txn([nested([put('x')]), put('x')]), 128))).toBe(Errors.DuplicateKey);
    expect(errOf(() => validateTxn(txn([nested([del('x')]), put('x')]), 128))).toBe(Errors.DuplicateKey);
    expect(errOf(() => validateTxn(txn([del('x'), nested([put('x')])]), 128))).toBe(Errors.DuplicateKey);
    // then and else of one txn are exclusive; the success and failure branches are checked apart.
    expect(errOf(() => validateTxn(txn([nested([put('x')], [put('x')])]), 128))).toBeUndefined();
    expect(errOf(() => validateTxn(txn([put('x')], [put('x')]), 128))).toBeUndefined();
    // two deletes of one key are fine; so is a range next to a put.
    expect(errOf(() => validateTxn(txn([del('x'), del('x')]), 128))).toBeUndefined();
  });

  it('keeps etcd\'s quirk: a delete to range_end "\\0" (all keys >= key) does not conflict', () => {
    expect(errOf(() => validateTxn(txn([del('a', '\0'), put('b')]), 128))).toBeUndefined();
  });

  it('refuses an empty op and empty keys in compares and ops', () => {
    expect(errOf(() => validateTxn(txn([{}]), 128))).toBe(Errors.KeyNotFound);
    expect(errOf(() => validateTxn({ compare: [{ result: 0, target: 0, key: b(''), rangeEnd: b('') }], success: [], failure: [] }, 128))).toBe(Errors.EmptyKey);
    expect(errOf(() => validateTxn(txn([], [del('')]), 128))).toBe(Errors.EmptyKey);
  });

  it('tells read-only txns apart (no proposal, no size limit)', () => {
    const range: RequestOp = { requestRange: rangeRequest(b('a')) };
    expect(isTxnReadOnly(txn([range], [nested([range])]))).toBe(true);
    expect(isTxnReadOnly(txn([range], [nested([put('a')])]))).toBe(false);
  });
});

describe('proposal size', () => {
  it('matches genuine etcd\'s boundary with --max-request-bytes 1000', () => {
    const at = (n: number) => proposalSize(putRequestSize(putReq('k', { value: Buffer.alloc(n) })));
    expect(at(977)).toBe(1000);
    expect(at(978)).toBe(1001);
  });
});
