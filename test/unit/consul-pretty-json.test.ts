import { describe, expect, it } from 'vitest';
import { indentJson } from '../../src/gateway/consul/pretty-json.js';

describe('indentJson', () => {
  it('matches JSON.stringify(..., 4) on ordinary values, with Go\'s {} and [] for empty ones', () => {
    const v = { a: [1, { b: 'x,y:{z}"q"', c: [] }, {}], d: null, e: true, f: 'é\\"' };
    expect(indentJson(JSON.stringify(v))).toBe(`${JSON.stringify(v, null, 4)}\n`);
  });
  it('keeps uint64 digits exactly', () => {
    expect(indentJson('{"Index":17830914602736573268}')).toBe('{\n    "Index": 17830914602736573268\n}\n');
  });
});
