// The DNS interface's message writer: name compression as Consul applies it, checked by decoding
// what it writes with an independent decoder (dns-packet).
import { describe, expect, it } from 'vitest';
import dnsPacket, { type Packet } from 'dns-packet';
import { encodeMessage } from '../../src/gateway/consul/dns/wire.js';

const packet: Packet = {
  type: 'response',
  id: 4242,
  questions: [{ type: 'SRV', name: 'web.service.consul.' }],
  answers: [
    { type: 'SRV', name: 'web.service.consul.', ttl: 5, data: { priority: 1, weight: 2, port: 8080, target: 'n1.node.dc1.consul.' } },
    { type: 'SRV', name: 'web.service.consul.', ttl: 5, data: { priority: 1, weight: 1, port: 8081, target: '0a000002.addr.dc1.consul.' } },
  ],
  authorities: [
    {
      type: 'SOA',
      name: 'consul.',
      ttl: 0,
      data: { mname: 'ns.consul.', rname: 'hostmaster.consul.', serial: 7, refresh: 3600, retry: 600, expire: 86400, minimum: 0 },
    },
    { type: 'NS', name: 'consul.', ttl: 0, data: 'server.node.dc1.consul.' },
  ],
  additionals: [
    { type: 'A', name: 'n1.node.dc1.consul.', ttl: 5, data: '10.0.0.1' },
    { type: 'AAAA', name: '0a000002.addr.dc1.consul.', ttl: 5, data: 'fd00::2' },
    { type: 'TXT', name: 'n1.node.dc1.consul.', ttl: 5, data: [Buffer.from('rack=r1')] },
    { type: 'CNAME', name: 'alias.service.consul.', ttl: 5, data: 'web.service.consul.' },
    { type: 'PTR', name: '1.0.0.10.in-addr.arpa.', ttl: 0, data: 'n1.node.dc1.consul.' },
    { type: 'MX', name: 'mail.consul.', ttl: 1, data: { preference: 10, exchange: 'mx.example.' } },
    { type: 'OPT', name: '.', udpPayloadSize: 1232 } as never,
  ],
};

const strip = (p: ReturnType<typeof dnsPacket.decode>) =>
  JSON.parse(JSON.stringify({ q: p.questions, an: p.answers, ns: p.authorities, ar: p.additionals }, (_k, v: unknown) => v)) as unknown;

describe('consul DNS wire encoding', () => {
  it('writes the same message with and without compression, compressed shorter', () => {
    const flags = 0x8000 | 0x0400 | 0x0100;
    const plain = encodeMessage(packet, flags, false);
    const packed = encodeMessage(packet, flags, true);
    expect(plain.length).toBe(dnsPacket.encodingLength(packet));
    expect(packed.length).toBeLessThan(plain.length - 60);
    const a = dnsPacket.decode(plain);
    const b = dnsPacket.decode(packed);
    expect(b.id).toBe(4242);
    expect(b.flags).toBe(a.flags);
    expect(b.flag_aa).toBe(true);
    expect(strip(b)).toEqual(strip(a));
    expect(strip(a)).toEqual(strip(dnsPacket.decode(dnsPacket.encode(packet))));
  });

  it('never compresses an SRV target (RFC 2782)', () => {
    const packed = encodeMessage(packet, 0x8000, true);
    const fullTarget = Buffer.from('\x02n1\x04node\x03dc1\x06consul\x00', 'latin1');
    expect(packed.indexOf(fullTarget)).toBeGreaterThan(0);
  });
});
