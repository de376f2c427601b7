import { describe, expect, it } from 'vitest';
import { JsonValueSplitter } from '../../../src/gateway/etcd/json-stream.js';

describe('JsonValueSplitter (bidi gateway bodies)', () => {
  it('splits concatenated and newline-separated objects across chunk borders, strings included', () => {
    const s = new JsonValueSplitter();
    expect(s.push('{"a":1}{"b":')).toEqual(['{"a":1}']);
    expect(s.push('"}{\\"}"}\n{"c"')).toEqual(['{"b":"}{\\"}"}']);
    expect(s.push(':[1,{"d":2}]}  ')).toEqual(['{"c":[1,{"d":2}]}']);
    expect(s.push('')).toEqual([]);
  });
});
