// The benchmark's latency histogram: percentiles within its 2 % bucket width, merge across workers.
import { describe, expect, it } from 'vitest';
import { Histogram } from '../../../bench/histogram.js';

describe('bench Histogram', () => {
  it('p50 and p99 of 1..10000 us are within 2 %', () => {
    const h = new Histogram();
    for (let us = 1; us <= 10000; us++) h.record(us);
    expect(h.quantile(0.5)).toBeGreaterThanOrEqual(5000);
    expect(h.quantile(0.5)).toBeLessThan(5000 * 1.02);
    expect(h.quantile(0.99)).toBeGreaterThanOrEqual(9900);
    expect(h.quantile(0.99)).toBeLessThan(9900 * 1.02);
  });

  it('merging two halves equals recording everything in one', () => {
    const a = new Histogram();
    const b = new Histogram();
    for (let i = 0; i < 1000; i++) (i % 2 ? a : b).record(10 + i * 3);
    a.merge(new Histogram(b.counts));
    expect(a.total).toBe(1000);
    expect(a.quantile(0.9)).toBeGreaterThanOrEqual(10 + 899 * 3);
    expect(new Histogram().quantile(0.5)).toBeNaN();
  });
});
