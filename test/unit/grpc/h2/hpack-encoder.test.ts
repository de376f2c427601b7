// encodeHeaders: static-table indexes where they match, raw literals without indexing otherwise,
// nothing that touches the peer's dynamic table; what it encodes our decoder reads back unchanged.
import { describe, expect, it } from 'vitest';
import { HpackDecoder } from '../../../../src/gateway/grpc/h2/hpack-decoder.js';
import { encodeHeaders, GRPC_OK_TRAILERS, GRPC_RESPONSE_HEADERS } from '../../../../src/gateway/grpc/h2/hpack-encoder.js';

describe('encodeHeaders', () => {
  it('name and value both in the static table: one indexed byte', () => {
    expect(encodeHeaders([[':status', '200']])).toEqual(Buffer.from([0x88]));
    expect(encodeHeaders([[':status', '404'], [':method', 'POST']])).toEqual(Buffer.from([0x8d, 0x83]));
  });

  it('name in the static table: literal without indexing naming it (4-bit prefix, continuation above 14)', () => {
    // content-type is index 31: 0x0f then 31 - 15 = 16
    expect(encodeHeaders([['content-type', 'application/grpc']])).toEqual(Buffer.concat([Buffer.from([0x0f, 0x10, 16]), Buffer.from('application/grpc')]));
    // :status 418 names index 8, which fits the prefix
    expect(encodeHeaders([[':status', '418']])).toEqual(Buffer.from([0x08, 3, 0x34, 0x31, 0x38]));
  });

  it('a new name: literal without indexing with both strings raw', () => {
    expect(encodeHeaders([['grpc-status', '0']])).toEqual(Buffer.concat([Buffer.from([0x00, 11]), Buffer.from('grpc-status'), Buffer.from([1, 0x30])]));
  });

  it('long values get multi-byte lengths; octets above 0x7f pass through as latin1', () => {
    const long = 'x'.repeat(1000);
    const bin = String.fromCharCode(0xe9, 0xff, 0x80);
    const block = encodeHeaders([['x-long', long], ['x-bin', bin]]);
    expect(new HpackDecoder().decode(block)).toEqual([['x-long', long], ['x-bin', bin]]);
  });

  it('leaves the decoder\'s dynamic table empty (stateless)', () => {
    const d = new HpackDecoder();
    const fields: Array<[string, string]> = [
      [':status', '200'], ['content-type', 'application/json'], ['date', 'Mon, 07 Dec 2026 13:00:00 GMT'], ['grpc-message', ''], ['set-cookie', 'a=b'],
    ];
    expect(d.decode(encodeHeaders(fields))).toEqual(fields);
    expect(d.tableSize).toBe(0);
  });

  it('the pre-encoded gRPC blocks', () => {
    expect(new HpackDecoder().decode(GRPC_RESPONSE_HEADERS)).toEqual([[':status', '200'], ['content-type', 'application/grpc']]);
    expect(new HpackDecoder().decode(GRPC_OK_TRAILERS)).toEqual([['grpc-status', '0'], ['grpc-message', '']]);
    expect(GRPC_RESPONSE_HEADERS[0]).toBe(0x88);
  });
});
