import { describe, expect, it } from 'vitest';
import { crc32c } from '../../../src/native/crc32c.js';

describe('crc32c', () => {
  it('matches the standard check value of CRC-32C', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
  });
  it('continues a checksum across chunks', () => {
    const b = Buffer.from('hello world, this is a longer test of slicing by eight');
    expect(crc32c(b.subarray(13), crc32c(b.subarray(0, 13)))).toBe(crc32c(b));
    expect(crc32c(b, 0, 3, 20)).toBe(crc32c(b.subarray(3, 20)));
  });
});
