// HpackDecoder against RFC 7541 Appendix C (every example, the dynamic table checked after each
// block) and against malformed blocks, which must all end in an HpackError, never anything else.
import { describe, expect, it } from 'vitest';
import { HeaderListTooLargeError, HpackDecoder, HpackError } from '../../../../src/gateway/grpc/h2/hpack-decoder.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const str = (s: string) => Buffer.from(s, 'latin1');
/** An HPACK integer with a 7-bit prefix (a raw string's length). */
function int7(n: number): Buffer {
  if (n < 127) return Buffer.from([n]);
  const out = [127];
  n -= 127;
  while (n >= 128) {
    out.push((n % 128) | 128);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return Buffer.from(out);
}
const lenStr = (s: string) => Buffer.concat([int7(s.length), str(s)]);

/** A block and what it must decode to, then the table (newest first) and its size. */
interface Step {
  block: Buffer;
  fields: Array<[string, string]>;
  table: Array<[string, string]>;
  size: number;
}

function runSteps(decoder: HpackDecoder, steps: Step[]): void {
  for (const step of steps) {
    expect(decoder.decode(step.block)).toEqual(step.fields);
    expect(decoder.tableEntries()).toEqual(step.table);
    expect(decoder.tableSize).toBe(step.size);
  }
}

const REQ1: Array<[string, string]> = [[':method', 'GET'], [':scheme', 'http'], [':path', '/'], [':authority', 'www.example.com']];
const REQ2: Array<[string, string]> = [...REQ1, ['cache-control', 'no-cache']];
const REQ3: Array<[string, string]> = [
  [':method', 'GET'], [':scheme', 'https'], [':path', '/index.html'], [':authority', 'www.example.com'], ['custom-key', 'custom-value'],
];
const requestTables = {
  t1: { table: [[':authority', 'www.example.com']] as Array<[string, string]>, size: 57 },
  t2: { table: [['cache-control', 'no-cache'], [':authority', 'www.example.com']] as Array<[string, string]>, size: 110 },
  t3: {
    table: [['custom-key', 'custom-value'], ['cache-control', 'no-cache'], [':authority', 'www.example.com']] as Array<[string, string]>,
    size: 164,
  },
};

const DATE1 = 'Mon, 21 Oct 2013 20:13:21 GMT';
const DATE2 = 'Mon, 21 Oct 2013 20:13:22 GMT';
const LOCATION = 'https://www.example.com';
const COOKIE = 'foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1';
const RESP1: Array<[string, string]> = [[':status', '302'], ['cache-control', 'private'], ['date', DATE1], ['location', LOCATION]];
const RESP2: Array<[string, string]> = [[':status', '307'], ['cache-control', 'private'], ['date', DATE1], ['location', LOCATION]];
const RESP3: Array<[string, string]> = [
  [':status', '200'], ['cache-control', 'private'], ['date', DATE2], ['location', LOCATION], ['content-encoding', 'gzip'], ['set-cookie', COOKIE],
];
const responseTables = {
  t1: { table: [['location', LOCATION], ['date', DATE1], ['cache-control', 'private'], [':status', '302']] as Array<[string, string]>, size: 222 },
  t2: { table: [[':status', '307'], ['location', LOCATION], ['date', DATE1], ['cache-control', 'private']] as Array<[string, string]>, size: 222 },
  t3: { table: [['set-cookie', COOKIE], ['content-encoding', 'gzip'], ['date', DATE2]] as Array<[string, string]>, size: 215 },
};

describe('HpackDecoder: RFC 7541 Appendix C', () => {
  it('C.2.1 literal with indexing adds to the table', () => {
    runSteps(new HpackDecoder(), [
      { block: hex('400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572'), fields: [['custom-key', 'custom-header']], table: [['custom-key', 'custom-header']], size: 55 },
    ]);
  });
  it('C.2.2 literal without indexing leaves the table empty', () => {
    runSteps(new HpackDecoder(), [{ block: hex('040c 2f73 616d 706c 652f 7061 7468'), fields: [[':path', '/sample/path']], table: [], size: 0 }]);
  });
  it('C.2.3 never-indexed literal leaves the table empty', () => {
    runSteps(new HpackDecoder(), [{ block: hex('1008 7061 7373 776f 7264 0673 6563 7265 74'), fields: [['password', 'secret']], table: [], size: 0 }]);
  });
  it('C.2.4 indexed field from the static table', () => {
    runSteps(new HpackDecoder(), [{ block: hex('82'), fields: [[':method', 'GET']], table: [], size: 0 }]);
  });

  it('C.3 requests without Huffman, one connection', () => {
    runSteps(new HpackDecoder(), [
      { block: hex('8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d'), fields: REQ1, ...requestTables.t1 },
      { block: hex('8286 84be 5808 6e6f 2d63 6163 6865'), fields: REQ2, ...requestTables.t2 },
      { block: Buffer.concat([hex('8287 85bf 40'), lenStr('custom-key'), lenStr('custom-value')]), fields: REQ3, ...requestTables.t3 },
    ]);
  });

  it('C.4 requests with Huffman, one connection', () => {
    runSteps(new HpackDecoder(), [
      { block: hex('8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff'), fields: REQ1, ...requestTables.t1 },
      { block: hex('8286 84be 5886 a8eb 1064 9cbf'), fields: REQ2, ...requestTables.t2 },
      { block: hex('8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf'), fields: REQ3, ...requestTables.t3 },
    ]);
  });

  it('C.5 responses without Huffman, table of 256 octets (evictions)', () => {
    runSteps(new HpackDecoder(256), [
      {
        block: Buffer.concat([hex('48'), lenStr('302'), hex('58'), lenStr('private'), hex('61'), lenStr(DATE1), hex('6e'), lenStr(LOCATION)]),
        fields: RESP1,
        ...responseTables.t1,
      },
      { block: hex('4803 3330 37c1 c0bf'), fields: RESP2, ...responseTables.t2 },
      {
        block: Buffer.concat([hex('88c1 61'), lenStr(DATE2), hex('c0 5a'), lenStr('gzip'), hex('77'), lenStr(COOKIE)]),
        fields: RESP3,
        ...responseTables.t3,
      },
    ]);
  });

  it('C.6 responses with Huffman, table of 256 octets (evictions)', () => {
    runSteps(new HpackDecoder(256), [
      {
        block: hex(`4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0 82a6
                    2d1b ff6e 919d 29ad 1718 63c7 8f0b 97c8 e9ae 82ae 43d3`),
        fields: RESP1,
        ...responseTables.t1,
      },
      { block: hex('4883 640e ffc1 c0bf'), fields: RESP2, ...responseTables.t2 },
      {
        block: hex(`88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a 839b d9ab
                    77ad 94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f
                    9587 3160 65c0 03ed 4ee5 b106 3d50 07`),
        fields: RESP3,
        ...responseTables.t3,
      },
    ]);
  });
});

describe('HpackDecoder: dynamic table sizes', () => {
  it('a size update at the start of a block shrinks the table, evicting the oldest entries', () => {
    const d = new HpackDecoder();
    d.decode(hex('8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d')); // :authority (57)
    d.decode(hex('8286 84be 5808 6e6f 2d63 6163 6865')); // + cache-control: no-cache (53)
    // 0x3f 0x1f = 31 + 31 = 62: only the newest entry (53) fits
    expect(d.decode(hex('3f1f 82'))).toEqual([[':method', 'GET']]);
    expect(d.tableEntries()).toEqual([['cache-control', 'no-cache']]);
    expect(d.tableSize).toBe(53);
    // Two updates in a row (to 0, then back up to the limit) are allowed; the table is emptied.
    expect(d.decode(hex('20 3fe11f 82'))).toEqual([[':method', 'GET']]);
    expect(d.tableSize).toBe(0);
    expect(() => d.decode(hex('be'))).toThrow(HpackError);
  });

  it('an entry larger than the whole table empties it and is not added', () => {
    const d = new HpackDecoder(100);
    d.decode(Buffer.concat([hex('40'), lenStr('a'), lenStr('b')])); // 34
    expect(d.tableSize).toBe(34);
    d.decode(Buffer.concat([hex('40'), lenStr('big'), lenStr('x'.repeat(70))])); // 105 > 100
    expect(d.tableEntries()).toEqual([]);
    expect(d.tableSize).toBe(0);
  });

  it('many insertions wrap the ring and keep the indexes right', () => {
    const d = new HpackDecoder(4096);
    const entries: Array<[string, string]> = [];
    for (let i = 0; i < 1000; i++) {
      const name = `x-h${i}`;
      const value = 'v'.repeat(i % 200);
      d.decode(Buffer.concat([hex('40'), lenStr(name), lenStr(value)]));
      entries.unshift([name, value]);
      let size = 0;
      let kept = 0;
      while (kept < entries.length && size + (entries[kept] as [string, string])[0].length + (entries[kept] as [string, string])[1].length + 32 <= 4096) {
        size += (entries[kept] as [string, string])[0].length + (entries[kept] as [string, string])[1].length + 32;
        kept++;
      }
      entries.length = kept;
      expect(d.tableSize).toBe(size);
    }
    const count = d.tableEntries().length;
    expect(d.tableEntries()).toEqual(entries);
    // Indexed references to the newest and the oldest entry.
    expect(d.decode(Buffer.from([0x80 | 62]))).toEqual([entries[0]]);
    const last = 61 + count;
    const block = last < 127 ? Buffer.from([0x80 | last]) : Buffer.from([0xff, last - 127]);
    expect(d.decode(block)).toEqual([entries[count - 1]]);
  });

  it('values are octets: bytes above 0x7f come back as latin1 chars, sizes count octets', () => {
    const d = new HpackDecoder();
    const value = Buffer.from([0xc3, 0xa9, 0xff, 0x80]);
    const fields = d.decode(Buffer.concat([hex('40'), lenStr('x-bin'), Buffer.from([value.length]), value]));
    expect(fields).toEqual([['x-bin', value.toString('latin1')]]);
    expect(d.tableSize).toBe(5 + 4 + 32);
  });
});

describe('HpackDecoder: malformed blocks throw HpackError', () => {
  const cases: Array<[string, Buffer]> = [
    ['integer cut short after a full prefix', hex('ff')],
    ['integer cut short inside its continuation bytes', hex('ff 80 80')],
    ['integer longer than any index could be', hex('ff ff ff ff ff ff ff 01')],
    ['index 0', hex('80')],
    ['index past the end of the (empty) dynamic table', hex('be')],
    ['index far past the static table', hex('ff 80 01')],
    ['literal naming an index past the table', hex('7f 10 01 61')],
    ['size update above the advertised 4096', hex('3f e2 1f')],
    ['size update after a field', hex('82 20')],
    ['string longer than the block', Buffer.concat([hex('40 0a'), str('abc')])],
    ['value string missing', Buffer.concat([hex('40'), lenStr('name')])],
    ['value length cut short', Buffer.concat([hex('40'), lenStr('name'), hex('7f')])],
    ['Huffman padding of zeros', hex('40 81 18 01 61')], // 'a' (00011) then 000
    ['Huffman padding of 8 ones or more', hex('40 82 1f ff 01 61')], // 'a' + 111, then a whole byte of ones
    ['Huffman EOS inside the string', hex('40 84 ff ff ff ff 01 61')],
    ['Huffman string that ends mid-symbol (not all ones)', hex('40 81 fe 01 61')], // 1111 1110: a prefix of no padding
  ];
  for (const [what, block] of cases) {
    it(what, () => {
      expect(() => new HpackDecoder().decode(block)).toThrow(HpackError);
    });
  }

  it('a Huffman string with exactly 7 bits of padding is fine', () => {
    // '0' is 00000 (5 bits): '0' + 111 fills one byte; '00' + 111111 takes 2 bytes (16 - 10 = 6 bits padding)
    expect(new HpackDecoder().decode(Buffer.concat([hex('00'), lenStr('k'), hex('81 07')]))).toEqual([['k', '0']]);
    expect(new HpackDecoder().decode(Buffer.concat([hex('00'), lenStr('k'), hex('82 00 3f')]))).toEqual([['k', '00']]);
  });

  it('a header list above the cap is refused after the whole block was read (table still in step)', () => {
    const d = new HpackDecoder(4096, 160); // each field below is 3 + 40 + 32 = 75
    const big = Buffer.concat([hex('40'), lenStr('x-a'), lenStr('v'.repeat(40)), hex('40'), lenStr('x-b'), lenStr('w'.repeat(40)), hex('40'), lenStr('x-c'), lenStr('u'.repeat(40))]);
    expect(() => d.decode(big)).toThrow(HeaderListTooLargeError);
    // Both literals were still added: the next block can refer to them.
    expect(d.decode(hex('be c0'))).toEqual([['x-c', 'u'.repeat(40)], ['x-a', 'v'.repeat(40)]]);
  });

  it('a small block of repeated references cannot expand past the cap', () => {
    const d = new HpackDecoder();
    d.decode(Buffer.concat([hex('40'), lenStr('x-big'), lenStr('z'.repeat(4000))])); // one 4037-octet entry
    const block = Buffer.alloc(16384, 0xbe); // 16 KiB of "index 62": 66 MB of header list
    expect(() => d.decode(block)).toThrow(HeaderListTooLargeError);
  });

  it('random bytes end in a field list or an HpackError, nothing else', () => {
    let seed = 12345;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed;
    };
    for (let i = 0; i < 3000; i++) {
      const d = new HpackDecoder();
      const block = Buffer.alloc(1 + (rand() % 64));
      for (let j = 0; j < block.length; j++) block[j] = rand() & 0xff;
      try {
        expect(Array.isArray(d.decode(block))).toBe(true);
      } catch (err) {
        expect(err).toBeInstanceOf(HpackError);
      }
    }
  });
});
