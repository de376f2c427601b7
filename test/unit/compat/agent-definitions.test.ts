// Service and check definitions as the agent decodes them (reference §0 "JSON request bodies are
// decoded case-insensitively", §2.6): python-consul's lowercase keys, snake_case aliases, Go
// durations as strings or nanoseconds, Consul's unknown-field refusal, validation texts, and the
// Go duration printing /v1/agent/checks shows.
import { describe, expect, it } from 'vitest';
import {
  DefinitionError,
  checkTypeName,
  checkTypeProblem,
  isAnyAddress,
  parseCheckDefinition,
  parseServiceDefinition,
  serviceMetaProblem,
  weightsProblem,
} from '../../../src/compat/agent/definitions.js';
import { formatGoDuration, parseGoDurationNs } from '../../../src/compat/agent/go-duration.js';

describe('parseServiceDefinition', () => {
  it("reads python-consul's lowercase body (Patroni's registration)", () => {
    const d = parseServiceDefinition({
      name: 'batman',
      id: 'batman/postgresql0',
      address: '10.0.0.5',
      port: 5432,
      tags: ['master', 'primary'],
      enabletagoverride: true,
      check: { http: 'http://10.0.0.5:8008/primary', interval: '5s', DeregisterCriticalServiceAfter: '150.0s', TLSServerName: 'pg' },
    });
    expect(d.service).toEqual({
      ID: 'batman/postgresql0',
      Service: 'batman',
      Tags: ['master', 'primary'],
      Meta: {},
      Port: 5432,
      Address: '10.0.0.5',
      Weights: { Passing: 1, Warning: 1 },
      EnableTagOverride: true,
    });
    expect(d.checks).toHaveLength(1);
    expect(d.checks[0]).toMatchObject({ http: 'http://10.0.0.5:8008/primary', intervalNs: 5e9, deregisterCriticalServiceAfterNs: 150e9, tlsServerName: 'pg' });
    expect(checkTypeName(d.checks[0]!)).toBe('http');
  });

  it('takes snake_case aliases and numbers of nanoseconds for durations', () => {
    const d = parseServiceDefinition({
      Name: 'web',
      Checks: [
        { script_args: ['/bin/true'], interval: 10_000_000_000, tls_skip_verify: true },
        { args: ['/bin/false'], Interval: '1m30s', deregister_critical_service_after: '90m' },
      ],
    });
    expect(d.service.ID).toBe('web');
    expect(d.checks.map((c) => [c.scriptArgs, c.intervalNs, c.tlsSkipVerify, c.deregisterCriticalServiceAfterNs])).toEqual([
      [['/bin/true'], 10e9, true, 0],
      [['/bin/false'], 90e9, false, 5400e9],
    ]);
  });

  it('drops an empty check object as Consul does', () => {
    expect(parseServiceDefinition({ Name: 'x', Check: {}, Checks: [{}] }).checks).toEqual([]);
  });

  it("fails with Go's decode texts", () => {
    const fail = (raw: unknown) => {
      try {
        parseServiceDefinition(raw);
      } catch (err) {
        expect(err).toBeInstanceOf(DefinitionError);
        return (err as Error).message;
      }
      throw new Error('no error');
    };
    expect(fail({ Name: 'x', Port: '80' })).toBe('json: cannot unmarshal string into Go struct field ServiceDefinition.Port of type int');
    expect(fail({ Name: 'x', Tags: 'a' })).toBe('json: cannot unmarshal string into Go struct field ServiceDefinition.Tags of type []string');
    expect(fail({ Name: 'x', Bogus: 1 })).toBe('json: unknown field "Bogus"');
    expect(fail({ Name: 'x', Check: { TTL: '5q' } })).toBe('time: invalid duration "5q"');
    expect(fail({ Name: 'x', Check: { Nope: true } })).toBe('json: unknown field "Nope"');
    // python-consul 0.7.1's Check.script sends `script`, a field Consul removed in 1.1.
    expect(fail({ Name: 'x', Check: { script: '/bin/true', interval: '10s' } })).toBe('json: unknown field "script"');
    expect(fail([1])).toBe('json: cannot unmarshal array into Go value of type structs.ServiceDefinition');
    expect(fail({ Name: 'x', Kind: 'connect-proxy' })).toMatch(/service mesh/);
  });
});

describe('parseCheckDefinition', () => {
  it('reads ID, ServiceID, Status and the check fields', () => {
    const c = parseCheckDefinition({ id: 'mem', name: 'Memory', service_id: 'web', status: 'passing', ttl: '15s', notes: 'n' });
    expect(c).toMatchObject({ checkId: 'mem', name: 'Memory', serviceId: 'web', status: 'passing', ttlNs: 15e9, notes: 'n' });
    expect(checkTypeName(c)).toBe('ttl');
  });

  it('reads alias checks and HTTP headers', () => {
    const c = parseCheckDefinition({ Name: 'a', AliasService: 'db', Header: { 'X-A': ['1', '2'] } });
    expect(checkTypeName(c)).toBe('alias');
    expect(c.header).toEqual({ 'X-A': ['1', '2'] });
  });
});

describe('validation texts', () => {
  const check = (raw: Record<string, unknown>) => checkTypeProblem(parseCheckDefinition({ Name: 'c', ...raw }));
  it("matches Consul's CheckType.Validate", () => {
    expect(check({ TTL: '10s' })).toBeUndefined();
    expect(check({ HTTP: 'http://x', Interval: '10s' })).toBeUndefined();
    expect(check({ HTTP: 'http://x' })).toBe('Interval must be > 0 for Script, HTTP, H2PING, TCP, UDP or OSService checks');
    expect(check({ TTL: '10s', Interval: '10s', TCP: 'x:1' })).toBe('Interval and TTL cannot both be specified');
    expect(check({})).toBe('TTL must be > 0 for TTL checks');
    expect(check({ AliasService: 'a', TTL: '1s' })).toBe('TTL must be not be set for Alias checks');
    expect(check({ AliasService: 'a', TCP: 'x:1', Interval: '1s' })).toBe('Interval cannot be set for Alias checks');
  });

  it('checks metadata, weights and "any" addresses', () => {
    expect(serviceMetaProblem({ ok_key: 'v' })).toBeUndefined();
    expect(serviceMetaProblem({ 'consul-x': 'v' })).toBe("Couldn't load metadata pair ('consul-x', 'v'): Key prefix 'consul-' is reserved for internal use");
    expect(serviceMetaProblem({ k: 'v'.repeat(513) })).toMatch(/Value is too long \(limit: 512 characters\)$/);
    expect(weightsProblem({ Passing: 0, Warning: 1 })).toBe('Passing must be greater than 0');
    expect(weightsProblem({ Passing: 1, Warning: -1 })).toBe('Warning must be greater or equal than 0');
    expect(weightsProblem({ Passing: 70000, Warning: 1 })).toBe('DNS Weight must be between 0 and 65535');
    const many = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, 'v']));
    expect(serviceMetaProblem(many)).toBe('Node metadata cannot contain more than 64 key/value pairs');
    expect(isAnyAddress('0.0.0.0')).toBe(true);
    expect(isAnyAddress('::')).toBe(true);
    expect(isAnyAddress('[::]')).toBe(true);
    expect(isAnyAddress('10.0.0.1')).toBe(false);
    expect(isAnyAddress('')).toBe(false);
    expect(isAnyAddress('db.local')).toBe(false);
  });
});

describe('Go durations', () => {
  it('parses what time.ParseDuration parses', () => {
    expect(parseGoDurationNs('10s')).toBe(10e9);
    expect(parseGoDurationNs('1m30s')).toBe(90e9);
    expect(parseGoDurationNs('150.0s')).toBe(150e9);
    expect(parseGoDurationNs('1.5h')).toBe(5400e9);
    expect(parseGoDurationNs('250ms')).toBe(250e6);
    expect(parseGoDurationNs('0')).toBe(0);
    expect(parseGoDurationNs('10')).toBeUndefined();
    expect(parseGoDurationNs('abc')).toBeUndefined();
  });

  it("prints what Go's Duration.String() prints", () => {
    expect(formatGoDuration(0)).toBe('0s');
    expect(formatGoDuration(10e9)).toBe('10s');
    expect(formatGoDuration(90e9)).toBe('1m30s');
    expect(formatGoDuration(3600e9)).toBe('1h0m0s');
    expect(formatGoDuration(5400e9)).toBe('1h30m0s');
    expect(formatGoDuration(1.5e9)).toBe('1.5s');
    expect(formatGoDuration(200e6)).toBe('200ms');
    expect(formatGoDuration(1500)).toBe('1.5µs');
    expect(formatGoDuration(42)).toBe('42ns');
  });
});
