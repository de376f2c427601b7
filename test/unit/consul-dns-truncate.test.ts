// Consul's trimming of DNS answers to the transport, on packets built in memory.
import { describe, expect, it } from 'vitest';
import dnsPacket, { type Answer, type Packet } from 'dns-packet';
import { trimTcp, trimUdp } from '../../src/gateway/consul/dns/truncate.js';

function srvPacket(n: number): Packet {
  const answers: Answer[] = [];
  const additionals: Answer[] = [];
  for (let i = 0; i < n; i++) {
    const target = `node-${i}.node.dc1.consul.`;
    answers.push({ type: 'SRV', name: 'web.service.consul.', ttl: 0, data: { priority: 1, weight: 1, port: 1000 + i, target } });
    additionals.push({ type: 'A', name: target, ttl: 0, data: `10.0.0.${i}` });
  }
  return { type: 'response', id: 1, questions: [{ type: 'SRV', name: 'web.service.consul.' }], answers, additionals };
}

describe('consul DNS truncation', () => {
  it('keeps udp_answer_limit answers for a plain 512-byte client, with their additional records', () => {
    const p = srvPacket(10);
    expect(trimUdp(p, undefined, 3, false)).toBe(true);
    expect(p.answers).toHaveLength(3);
    expect(p.additionals!.map((a) => a.name)).toEqual(p.answers!.map((a) => (a as { data: { target: string } }).data.target));
  });

  it('caps the limit at 8 and leaves a small answer alone', () => {
    const p = srvPacket(10);
    trimUdp(p, undefined, 50, false);
    expect(p.answers!.length).toBeLessThanOrEqual(8);
    const small = srvPacket(2);
    expect(trimUdp(small, undefined, 3, false)).toBe(false);
    expect(small.answers).toHaveLength(2);
  });

  it('fits the EDNS buffer by size, and drops the authority section first', () => {
    const p = srvPacket(40);
    p.authorities = [{ type: 'NS', name: 'consul.', ttl: 0, data: 'ns.consul.' }];
    expect(trimUdp(p, 1200, 3, false)).toBe(true);
    expect(p.authorities).toEqual([]);
    expect(dnsPacket.encodingLength(p)).toBeLessThanOrEqual(1200 - 8);
    expect(p.answers!.length).toBeGreaterThan(8);
    const whole = srvPacket(40);
    expect(trimUdp(whole, 65000, 3, false)).toBe(false);
    expect(whole.answers).toHaveLength(40);
  });

  it('keeps everything over TCP up to the 64 KiB message limit', () => {
    const p = srvPacket(200);
    expect(trimTcp(p, 'SRV', false)).toBe(false);
    expect(p.answers).toHaveLength(200);
    const huge = srvPacket(1500);
    expect(trimTcp(huge, 'SRV', false)).toBe(true);
    expect(dnsPacket.encodingLength(huge)).toBeLessThanOrEqual(65523);
  });
});
