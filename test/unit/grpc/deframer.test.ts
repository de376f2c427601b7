// Message reassembly and the small status helpers, byte by byte.
import { describe, expect, it } from 'vitest';
import { Deframer } from '../../../src/gateway/grpc/deframer.js';
import { decodeGrpcMessage, encodeGrpcMessage, formatGrpcTimeout, parseGrpcTimeout } from '../../../src/gateway/grpc/status.js';

function framed(payload: Buffer, compressed = false): Buffer {
  const b = Buffer.alloc(5 + payload.length);
  b[0] = compressed ? 1 : 0;
  b.writeUInt32BE(payload.length, 1);
  payload.copy(b, 5);
  return b;
}

describe('Deframer', () => {
  const messages = [Buffer.from('hello'), Buffer.alloc(0), Buffer.alloc(20000, 7), Buffer.from('x')];
  const stream = Buffer.concat(messages.map((m, i) => framed(m, i === 3)));

  for (const chunkSize of [1, 2, 5, 6, 4096, stream.length]) {
    it(`reassembles messages from ${chunkSize}-byte chunks`, () => {
      const d = new Deframer(1 << 20);
      const got: [boolean, Buffer][] = [];
      const sink = { onFrame: (c: boolean, p: Buffer) => got.push([c, Buffer.from(p)]) };
      let tooLarge = -1;
      for (let pos = 0; pos < stream.length; pos += chunkSize) tooLarge = Math.max(tooLarge, d.push(stream.subarray(pos, pos + chunkSize), sink));
      expect(tooLarge).toBe(-1);
      expect(got.map(([, p]) => p)).toEqual(messages);
      expect(got.map(([c]) => c)).toEqual([false, false, false, true]);
      expect(d.partial).toBe(false);
    });
  }

  it('reports a message over the limit from its prefix alone, before the body arrives', () => {
    const d = new Deframer(100);
    const prefix = framed(Buffer.alloc(101)).subarray(0, 5);
    expect(d.push(prefix.subarray(0, 3), { onFrame: () => undefined })).toBe(-1);
    expect(d.partial).toBe(true);
    expect(d.push(prefix.subarray(3), { onFrame: () => undefined })).toBe(101);
  });

  it('never reuses memory it handed out', () => {
    const d = new Deframer(1 << 20);
    const got: Buffer[] = [];
    const one = framed(Buffer.from('abcdef'));
    const two = framed(Buffer.from('ghijkl'));
    const all = Buffer.concat([one, two]);
    for (let i = 0; i < all.length; i += 3) d.push(Buffer.from(all.subarray(i, i + 3)), { onFrame: (_c, p) => got.push(p) });
    expect(got.map((b) => b.toString())).toEqual(['abcdef', 'ghijkl']);
  });
});

describe('status helpers', () => {
  it('grpc-message: printable ASCII untouched, % and non-ASCII percent-encoded as UTF-8, and back', () => {
    expect(encodeGrpcMessage('etcdserver: key is not provided')).toBe('etcdserver: key is not provided');
    expect(encodeGrpcMessage('100% ü\n')).toBe('100%25 %C3%BC%0A');
    expect(decodeGrpcMessage('100%25 %C3%BC%0A')).toBe('100% ü\n');
  });

  it('grpc-timeout: every unit, malformed values ignored', () => {
    expect(parseGrpcTimeout('5S')).toBe(5000);
    expect(parseGrpcTimeout('100m')).toBe(100);
    expect(parseGrpcTimeout('2M')).toBe(120000);
    expect(parseGrpcTimeout('1H')).toBe(3600000);
    expect(parseGrpcTimeout('1500u')).toBe(1.5);
    expect(parseGrpcTimeout('1000000n')).toBe(1);
    expect(parseGrpcTimeout('5')).toBeUndefined();
    expect(parseGrpcTimeout('-5S')).toBeUndefined();
    expect(parseGrpcTimeout('123456789S')).toBeUndefined(); // more than 8 digits
    expect(parseGrpcTimeout(formatGrpcTimeout(2500))).toBe(2500);
  });
});
