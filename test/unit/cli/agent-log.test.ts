// The agent's log lines in hclog's two renderings (text and -log-json), byte for byte, and the
// start-up banner's layout.
import { describe, expect, test } from 'vitest';
import { startingBanner } from '../../../src/cli/agent/banner.js';
import { hclogJsonTime, hclogTextTime, renderHclogJson, renderHclogText } from '../../../src/cli/agent/hclog.js';
import { buildRuntimeConfig } from '../../../src/cli/agent/runtime-config.js';
import { parseAgentFlags } from '../../../src/cli/agent/flags.js';

// hclog writes local time; the expectations are written for UTC
process.env.TZ = 'UTC';
const at = new Date(Date.UTC(2026, 11, 7, 4, 40, 0, 123));

describe('hclog text', () => {
  test('level tags padded to the same width, module, message, then key=value after a colon', () => {
    expect(renderHclogText('INFO', 'agent', 'Consul agent running!', {}, at)).toBe('2026-12-07T04:40:00.123Z [INFO]  agent: Consul agent running!\n');
    expect(renderHclogText('ERROR', 'agent', 'Error starting agent', { error: 'listen tcp 127.0.0.1:8500: bind: address already in use' }, at)).toBe(
      '2026-12-07T04:40:00.123Z [ERROR] agent: Error starting agent: error="listen tcp 127.0.0.1:8500: bind: address already in use"\n',
    );
    expect(renderHclogText('WARN', 'agent.config', 'x', { a: 1, b: 'two', c: true, e: '' }, at)).toBe('2026-12-07T04:40:00.123Z [WARN]  agent.config: x: a=1 b=two c=true e=""\n');
    expect(renderHclogText('DEBUG', 'agent', 'd', {}, at)).toMatch(/ \[DEBUG\] agent: d\n$/);
  });

  test('timestamps: milliseconds in text, microseconds with a colon zone in JSON; Z for UTC', () => {
    expect(hclogTextTime(at)).toBe('2026-12-07T04:40:00.123Z');
    expect(hclogJsonTime(at)).toBe('2026-12-07T04:40:00.123000Z');
  });
});

describe('hclog JSON (-log-json)', () => {
  test('@level, @message, @module, @timestamp and the arguments, keys sorted', () => {
    const line = renderHclogJson('INFO', 'agent', 'Started HTTP server', { network: 'tcp', address: '127.0.0.1:8500' }, at);
    expect(line).toBe('{"@level":"info","@message":"Started HTTP server","@module":"agent","@timestamp":"2026-12-07T04:40:00.123000Z","address":"127.0.0.1:8500","network":"tcp"}\n');
  });
});

describe('start-up banner', () => {
  test("Consul's fields and alignment", () => {
    const cfg = buildRuntimeConfig(parseAgentFlags(['-dev', '-node', 'n1', '-http-port', '9500']));
    const text = startingBanner(cfg, '11111111-2222-3333-4444-555555555555');
    expect(text.split('\n')).toEqual([
      '==> Starting Consul agent...',
      "              Version: '1.22.1'",
      "           Build Date: '2025-01-01 00:00:00 +0000 UTC'",
      "              Node ID: '11111111-2222-3333-4444-555555555555'",
      "            Node name: 'n1'",
      "           Datacenter: 'dc1' (Segment: '<all>')",
      '               Server: true (Bootstrap: true)',
      '          Client Addr: [127.0.0.1] (HTTP: 9500, HTTPS: -1, gRPC: 8502, gRPC-TLS: 8503, DNS: 8600)',
      '         Cluster Addr: 127.0.0.1 (LAN: 8301, WAN: 8302)',
      '    Gossip Encryption: false',
      '     Auto-Encrypt-TLS: false',
      '         ACLs Enabled: false',
      '            HTTPS TLS: Verify Incoming: false, Verify Outgoing: false, Min Version: TLSv1_2',
      '             gRPC TLS: Verify Incoming: false, Min Version: TLSv1_2',
      '     Internal RPC TLS: Verify Incoming: false, Verify Outgoing: false (Verify Hostname: false), Min Version: TLSv1_2',
      '',
      '==> Log data will now stream in as it occurs:',
      '',
      '',
    ]);
  });
});
