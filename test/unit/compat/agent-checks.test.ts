// The check machinery without the HTTP layer: Consul's StatusHandler thresholds, the TTL check's
// expiry and output truncation, and the local state's check_update_interval deferral of
// output-only changes.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { StatusHandler } from '../../../src/compat/agent/checks/status-handler.js';
import { TtlCheck } from '../../../src/compat/agent/checks/ttl-check.js';
import { LocalState } from '../../../src/compat/agent/local-state.js';
import type { HealthCheckRecord } from '../../../src/compat/agent/health-check.js';

describe('StatusHandler', () => {
  it('applies the first result at once, then needs the configured runs in a row', () => {
    const seen: string[] = [];
    // failures_before_warning unset: the runtime passes failures_before_critical, as Consul does.
    const h = new StatusHandler((s) => seen.push(s), 2, 3, 3);
    h.update('passing', '');
    expect(seen).toEqual(['passing']);
    h.update('critical', '');
    h.update('critical', '');
    expect(seen).toEqual(['passing']);
    h.update('critical', '');
    expect(seen).toEqual(['passing', 'critical']);
    h.update('passing', '');
    expect(seen).toEqual(['passing', 'critical']);
    h.update('passing', '');
    expect(seen).toEqual(['passing', 'critical', 'passing']);
  });

  it('reports warning after failures_before_warning and critical after failures_before_critical', () => {
    const seen: string[] = [];
    const h = new StatusHandler((s) => seen.push(s), 0, 1, 3);
    h.update('passing', '');
    h.update('critical', 'x');
    h.update('critical', 'x');
    h.update('critical', 'x');
    expect(seen).toEqual(['passing', 'warning', 'warning', 'critical']);
  });

  it('with no thresholds passes every result through', () => {
    const seen: string[] = [];
    const h = new StatusHandler((s) => seen.push(s), 0, 0, 0);
    for (const s of ['critical', 'passing', 'warning', 'critical']) h.update(s, '');
    expect(seen).toEqual(['critical', 'passing', 'warning', 'critical']);
  });
});

describe('TtlCheck', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('expires to critical after the TTL and restarts it on every update', () => {
    const seen: Array<[string, string]> = [];
    const t = new TtlCheck((s, o) => seen.push([s, o]), 1000);
    t.start();
    vi.advanceTimersByTime(999);
    expect(seen).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(seen).toEqual([['critical', 'TTL expired']]);
    t.setStatus('passing', 'ok');
    vi.advanceTimersByTime(900);
    t.setStatus('passing', 'still ok');
    vi.advanceTimersByTime(900);
    expect(seen.at(-1)).toEqual(['passing', 'still ok']);
    vi.advanceTimersByTime(100);
    expect(seen.at(-1)).toEqual(['critical', 'TTL expired (last output before timeout follows): still ok']);
    t.stop();
  });

  it('keeps a TTL longer than a Node timer can hold (Go durations reach centuries)', () => {
    const seen: string[] = [];
    const day = 24 * 3600_000;
    const t = new TtlCheck((s) => seen.push(s), 30 * day);
    t.start();
    vi.advanceTimersByTime(1000);
    expect(seen).toEqual([]);
    vi.advanceTimersByTime(29 * day);
    expect(seen).toEqual([]);
    vi.advanceTimersByTime(day);
    expect(seen).toEqual(['critical']);
    t.stop();
  });

  it('truncates output beyond the limit with Consul\'s note', () => {
    const seen: string[] = [];
    const t = new TtlCheck((_s, o) => seen.push(o), 60_000, 4);
    expect(t.setStatus('passing', 'abcdefgh')).toBe('abcd ... (captured 4 of 8 bytes)');
    expect(seen).toEqual(['abcd ... (captured 4 of 8 bytes)']);
    t.stop();
  });
});

describe('LocalState', () => {
  const check = (id: string): HealthCheckRecord => ({
    Node: 'n',
    CheckID: id,
    Name: id,
    Status: 'passing',
    Notes: '',
    Output: '',
    ServiceID: '',
    ServiceName: '',
    ServiceTags: [],
    Type: 'ttl',
    ExposedPort: 0,
    Definition: {},
  });

  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('shows an output-only change at once but syncs it only after check_update_interval', () => {
    const state = new LocalState(10_000);
    let syncs = 0;
    state.onSyncNeeded(() => syncs++);
    state.addCheck(check('c'), undefined, 'remote', '');
    const entry = state.checks.get('c')!;
    entry.inSync = true;
    syncs = 0;
    state.updateCheck('c', 'passing', 'new output');
    expect(entry.check.Output).toBe('new output');
    expect(entry.inSync).toBe(true);
    expect(syncs).toBe(0);
    vi.advanceTimersByTime(15_001);
    expect(entry.inSync).toBe(false);
    expect(syncs).toBe(1);
    // A status change is synced at once.
    entry.inSync = true;
    state.updateCheck('c', 'critical', 'down');
    expect(entry.inSync).toBe(false);
    expect(syncs).toBe(2);
    state.close();
  });

  it('records when a check turned critical and forgets it when it recovers', () => {
    const state = new LocalState(0);
    state.addCheck(check('c'), undefined, 'remote', '');
    expect(state.checks.get('c')!.criticalSince).toBeUndefined();
    state.updateCheck('c', 'critical', '');
    const since = state.checks.get('c')!.criticalSince;
    expect(since).toBeTypeOf('number');
    state.updateCheck('c', 'critical', 'again');
    expect(state.checks.get('c')!.criticalSince).toBe(since);
    state.updateCheck('c', 'passing', '');
    expect(state.checks.get('c')!.criticalSince).toBeUndefined();
    state.close();
  });
});
