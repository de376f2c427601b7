// The simple token store: etcd's token shape, a TTL renewed by each use, and the invalidations.
import { describe, expect, it } from 'vitest';
import { SimpleTokens } from '../../../src/gateway/etcd/auth/simple-tokens.js';

describe('SimpleTokens', () => {
  it('issues "<16 letters>.<index>" tokens that name their user', () => {
    const t = new SimpleTokens(300_000);
    const a = t.issue('alice');
    const b = t.issue('bob');
    expect(a).toMatch(/^[a-zA-Z]{16}\.\d+$/);
    expect(b).toMatch(/^[a-zA-Z]{16}\.\d+$/);
    expect(Number(b.split('.')[1])).toBeGreaterThan(Number(a.split('.')[1]));
    expect(t.userOf(a)).toBe('alice');
    expect(t.userOf(b)).toBe('bob');
    expect(t.userOf('nope.3')).toBeUndefined();
    t.clear();
  });

  it('forgets a token unused for the TTL; each use starts the TTL again', () => {
    let now = 1_000;
    const t = new SimpleTokens(5_000, () => now);
    const a = t.issue('alice');
    now += 4_000;
    expect(t.userOf(a)).toBe('alice'); // renewed until 10_000
    now += 4_000;
    expect(t.userOf(a)).toBe('alice');
    now += 5_000;
    expect(t.userOf(a)).toBeUndefined();
    t.clear();
  });

  it('drops the tokens of one user, or all of them', () => {
    const t = new SimpleTokens(300_000);
    const a = t.issue('alice');
    const b = t.issue('bob');
    t.invalidateUser('alice');
    expect(t.userOf(a)).toBeUndefined();
    expect(t.userOf(b)).toBe('bob');
    t.clear();
    expect(t.userOf(b)).toBeUndefined();
  });
});
