// The DNS interface's transport behaviour: UDP trimming as Consul trims (udp_answer_limit without
// EDNS, the 512-byte / EDNS buffer), TC only with enable_truncate and dig's fall-back to TCP for the
// whole answer, forwarding to recursors (a small fake upstream on loopback), and malformed messages
// answered FORMERR / NOTIMP or dropped, never a crash.
import { createSocket, type Socket } from 'node:dgram';
import { connect, createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import dnsPacket, { type DecodedPacket } from 'dns-packet';
import { dig, question, register, startDnsFace, tcpQueries, udpQuery, udpRaw, type DnsFace } from './dns-support.js';

async function registerMany(f: DnsFace, service: string, count: number): Promise<void> {
  for (let i = 1; i <= count; i++) {
    await register(f.face, { Node: `${service}-node-${i}`, Address: `10.20.0.${i}`, Service: { ID: service, Service: service, Port: 1000 + i } });
  }
}

describe('consul DNS: truncation', () => {
  let plain: DnsFace;
  let truncating: DnsFace;

  beforeAll(async () => {
    plain = await startDnsFace();
    truncating = await startDnsFace({ dnsConfig: { enable_truncate: true } });
    await registerMany(plain, 'big', 12);
    await registerMany(truncating, 'big', 12);
  }, 60_000);

  afterAll(async () => {
    await plain?.close();
    await truncating?.close();
  });

  it('trims a plain UDP answer to udp_answer_limit (3) without the TC bit, as Consul does by default', async () => {
    const r = await dig(plain.port, '+noedns', '+ignore', 'big.service.consul', 'A');
    expect(r.status).toBe('NOERROR');
    expect(r.answer).toHaveLength(3);
    expect(r.flags).not.toContain('tc');
    const srv = await dig(plain.port, '+noedns', '+ignore', 'big.service.consul', 'SRV');
    expect(srv.answer).toHaveLength(3);
    // The additional section keeps exactly the targets of the SRV answers left.
    const targets = srv.answer.map((a) => a.data.split(' ')[3]).sort();
    expect(srv.additional.map((a) => a.name).sort()).toEqual(targets);
  });

  it('sets TC with enable_truncate, and dig retries over TCP for the whole answer', async () => {
    const udp = await dig(truncating.port, '+noedns', '+ignore', 'big.service.consul', 'SRV');
    expect(udp.flags).toContain('tc');
    expect(udp.answer).toHaveLength(3);
    const fallback = await dig(truncating.port, '+noedns', 'big.service.consul', 'SRV');
    expect(fallback.stdout).toContain('Truncated, retrying in TCP mode');
    expect(fallback.flags).not.toContain('tc');
    expect(fallback.answer).toHaveLength(12);
    expect(fallback.additional).toHaveLength(12);
  });

  it('fills the EDNS buffer the client announces, and trims to it by size', async () => {
    const big = await dig(truncating.port, '+bufsize=4096', '+ignore', 'big.service.consul', 'SRV');
    expect(big.answer).toHaveLength(12);
    expect(big.flags).not.toContain('tc');
    // 600 bytes hold fewer than twelve SRV answers with their A records.
    const small = await dig(truncating.port, '+bufsize=600', '+ignore', 'big.service.consul', 'SRV');
    expect(small.flags).toContain('tc');
    expect(small.answer.length).toBeGreaterThan(3);
    expect(small.answer.length).toBeLessThan(12);
    const raw = await udpRaw(
      truncating.port,
      dnsPacket.encode({ ...question('big.service.consul', 'SRV'), additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 600 } as never] }),
      3000,
    );
    expect(raw!.length).toBeLessThanOrEqual(600);
    expect(dnsPacket.decode(raw!).answers!.length).toBe(small.answer.length);
  });

  it('answers everything over TCP, several questions on one connection', async () => {
    const [a, b] = await tcpQueries(plain.port, [question('big.service.consul', 'A'), question('big.service.consul', 'SRV')]);
    expect(a!.answers).toHaveLength(12);
    expect(b!.answers).toHaveLength(12);
    expect(b!.additionals).toHaveLength(12);
  });

  it('compresses names unless dns_config.disable_compression', async () => {
    const f = await startDnsFace({ dnsConfig: { disable_compression: true } });
    try {
      await registerMany(f, 'big', 12);
      const ask = () => dnsPacket.encode({ ...question('big.service.consul', 'SRV'), additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 8192 } as never] });
      const packed = (await udpRaw(plain.port, ask(), 3000))!;
      const full = (await udpRaw(f.port, ask(), 3000))!;
      expect(dnsPacket.decode(packed).answers).toHaveLength(12);
      expect(dnsPacket.decode(full).answers).toHaveLength(12);
      expect(packed.length).toBeLessThan(full.length * 0.75);
      // dig's default 1232-byte buffer holds all twelve only when compressed.
      expect((await dig(plain.port, 'big.service.consul', 'SRV')).answer).toHaveLength(12);
      expect((await dig(f.port, '+ignore', 'big.service.consul', 'SRV')).answer.length).toBeLessThan(12);
    } finally {
      await f.close();
    }
  });

  it('caps A answers at a_record_limit when configured', async () => {
    const f = await startDnsFace({ dnsConfig: { a_record_limit: 2 } });
    try {
      await registerMany(f, 'lim', 5);
      expect((await dig(f.port, '+bufsize=4096', 'lim.service.consul', 'A')).answer).toHaveLength(2);
    } finally {
      await f.close();
    }
  });
});

/** A tiny upstream resolver on loopback (UDP and TCP, one port): example.com A, fail.test SERVFAIL, anything else NXDOMAIN. */
async function startUpstream(exampleAddress = '93.184.216.34'): Promise<{ port: number; asked: string[]; close(): Promise<void> }> {
  const asked: string[] = [];
  const answer = (msg: Buffer): Buffer => {
    const req = dnsPacket.decode(msg);
    const q = req.questions![0]!;
    asked.push(`${q.name} ${q.type}`);
    const base = { type: 'response' as const, id: req.id, questions: req.questions };
    if (q.name === 'example.com') {
      return dnsPacket.encode({ ...base, flags: dnsPacket.RECURSION_AVAILABLE, answers: [{ type: 'A', name: 'example.com', ttl: 300, data: exampleAddress }] });
    }
    if (q.name === 'fail.test') return dnsPacket.encode({ ...base, flags: dnsPacket.RECURSION_AVAILABLE | 2 });
    return dnsPacket.encode({ ...base, flags: dnsPacket.RECURSION_AVAILABLE | 3 });
  };
  const udp: Socket = createSocket('udp4');
  udp.on('message', (msg, rinfo) => udp.send(answer(msg), rinfo.port, rinfo.address));
  await new Promise<void>((r) => udp.bind(0, '127.0.0.1', () => r()));
  const port = udp.address().port;
  const tcp: Server = createServer((sock) => {
    let buf = Buffer.alloc(0);
    sock.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const reply = answer(buf.subarray(2, 2 + buf.readUInt16BE(0)));
        const len = Buffer.alloc(2);
        len.writeUInt16BE(reply.length);
        sock.end(Buffer.concat([len, reply]));
      }
    });
  });
  await new Promise<void>((r) => tcp.listen(port, '127.0.0.1', () => r()));
  return {
    port,
    asked,
    close: async () => {
      await new Promise<void>((r) => udp.close(() => r()));
      await new Promise<void>((r) => tcp.close(() => r()));
    },
  };
}

describe('consul DNS: recursors', () => {
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  let f: DnsFace;

  beforeAll(async () => {
    upstream = await startUpstream();
    // The first recursor is a port nobody answers on: Consul moves on to the next one.
    const dead = createSocket('udp4');
    await new Promise<void>((r) => dead.bind(0, '127.0.0.1', () => r()));
    const deadPort = dead.address().port;
    dead.close();
    f = await startDnsFace({ recursors: [`127.0.0.1:${deadPort}`, `127.0.0.1:${upstream.port}`], dnsConfig: { recursor_timeout: '300ms' } });
    await register(f.face, { Node: 'n', Address: '10.6.0.1', Service: { ID: 'web', Service: 'web', Port: 1 } });
  }, 30_000);

  afterAll(async () => {
    await f?.close();
    await upstream?.close();
  });

  it('forwards a name outside the domain to the recursors and passes the answer on', async () => {
    const r = await dig(f.port, 'example.com', 'A');
    expect(r.status).toBe('NOERROR');
    expect(r.answer).toEqual([{ name: 'example.com.', ttl: 300, type: 'A', data: '93.184.216.34' }]);
    expect(upstream.asked).toContain('example.com A');
    const tcp = await dig(f.port, '+tcp', 'example.com', 'A');
    expect(tcp.answer.map((a) => a.data)).toEqual(['93.184.216.34']);
    const nx = await dig(f.port, 'missing.example', 'A');
    expect(nx.status).toBe('NXDOMAIN');
  });

  it('resolves a service hostname outside the domain through the recursors', async () => {
    await register(f.face, { Node: 'ext', Address: '10.6.0.9', Service: { ID: 'site', Service: 'site', Port: 443, Address: 'example.com' } });
    const a = await dig(f.port, 'site.service.consul', 'A');
    expect(a.answer.map((r) => `${r.name} ${r.ttl} ${r.type} ${r.data}`)).toEqual([
      'site.service.consul. 0 CNAME example.com.',
      'example.com. 0 A 93.184.216.34',
    ]);
    const srv = await dig(f.port, 'site.service.consul', 'SRV');
    expect(srv.answer.map((r) => r.data)).toEqual(['1 1 443 example.com.']);
    expect(srv.additional.map((r) => `${r.name} ${r.type} ${r.data}`)).toEqual(['example.com. A 93.184.216.34']);
  });

  it('asks the recursors in order, or in a new random order per question with recursor_strategy "random"', async () => {
    const other = await startUpstream('192.0.2.7');
    const seq = await startDnsFace({ recursors: [`127.0.0.1:${other.port}`, `127.0.0.1:${upstream.port}`] });
    const rnd = await startDnsFace({ recursors: [`127.0.0.1:${other.port}`, `127.0.0.1:${upstream.port}`], dnsConfig: { recursor_strategy: 'random' } });
    try {
      const seen = new Set<string>();
      const seenSeq = new Set<string>();
      for (let i = 0; i < 16; i++) {
        seen.add((await dig(rnd.port, 'example.com', 'A')).answer[0]!.data);
        seenSeq.add((await dig(seq.port, 'example.com', 'A')).answer[0]!.data);
      }
      expect([...seenSeq]).toEqual(['192.0.2.7']);
      expect([...seen].sort()).toEqual(['192.0.2.7', '93.184.216.34']);
    } finally {
      await seq.close();
      await rnd.close();
      await other.close();
    }
  });

  it('answers SERVFAIL when every recursor fails', async () => {
    const r = await dig(f.port, 'fail.test', 'A');
    expect(r.status).toBe('SERVFAIL');
    expect(r.flags).toContain('ra');
  });

  it('still answers its own domain itself, with recursion available', async () => {
    const before = upstream.asked.length;
    const r = await dig(f.port, 'web.service.consul', 'A');
    expect(r.answer.map((a) => a.data)).toEqual(['10.6.0.1']);
    expect(r.flags).toEqual(expect.arrayContaining(['aa', 'ra']));
    expect(upstream.asked.length).toBe(before);
  });
});

describe('consul DNS: malformed messages', () => {
  let f: DnsFace;

  beforeAll(async () => {
    f = await startDnsFace();
    await register(f.face, { Node: 'n', Address: '10.7.0.1', Service: { ID: 'web', Service: 'web', Port: 1 } });
  }, 30_000);

  afterAll(async () => {
    await f?.close();
  });

  const header = (id: number, flags: number, qd: number, an = 0, ns = 0, ar = 0): Buffer => {
    const b = Buffer.alloc(12);
    b.writeUInt16BE(id, 0);
    b.writeUInt16BE(flags, 2);
    b.writeUInt16BE(qd, 4);
    b.writeUInt16BE(an, 6);
    b.writeUInt16BE(ns, 8);
    b.writeUInt16BE(ar, 10);
    return b;
  };
  const rcodeOf = (reply: Buffer) => reply.readUInt16BE(2) & 0xf;

  it('drops a message shorter than a header and a message that is a response', async () => {
    expect(await udpRaw(f.port, Buffer.from([1, 2, 3]))).toBeUndefined();
    const asResponse = dnsPacket.encode({ ...question('web.service.consul', 'A'), type: 'response' });
    expect(await udpRaw(f.port, asResponse)).toBeUndefined();
  });

  it('answers FORMERR to a message without exactly one question or that does not decode', async () => {
    const none = await udpRaw(f.port, header(0x1234, 0x0100, 0));
    expect(none!.readUInt16BE(0)).toBe(0x1234);
    expect(rcodeOf(none!)).toBe(1);
    const cut = dnsPacket.encode(question('web.service.consul', 'A')).subarray(0, 20);
    expect(rcodeOf((await udpRaw(f.port, cut))!)).toBe(1);
    const two = Buffer.concat([header(7, 0, 2), dnsPacket.encode(question('a.consul', 'A')).subarray(12)]);
    expect(rcodeOf((await udpRaw(f.port, two))!)).toBe(1);
  });

  it('answers NOTIMP to an opcode other than QUERY/NOTIFY (dynamic update)', async () => {
    const update = Buffer.concat([header(9, 5 << 11, 1), dnsPacket.encode(question('consul', 'SOA')).subarray(12)]);
    const reply = await udpRaw(f.port, update);
    expect(rcodeOf(reply!)).toBe(4);
    expect((reply!.readUInt16BE(2) >> 11) & 0xf).toBe(5);
  });

  it('survives random garbage over UDP and TCP and keeps answering', async () => {
    let seed = 42;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed;
    };
    for (let i = 0; i < 200; i++) {
      const len = rnd() % 80;
      const buf = Buffer.alloc(len);
      for (let j = 0; j < len; j++) buf[j] = rnd() & 0xff;
      if (len >= 3) buf[2] = buf[2]! & 0x7f; // mostly queries, so they reach the decoder
      const reply = await udpRaw(f.port, buf, 50);
      if (reply) expect(reply.length).toBeGreaterThanOrEqual(12);
    }
    // A valid question with an OPT record of random options (client subnet among them).
    const base = dnsPacket.encode(question('web.service.consul', 'A'));
    for (let i = 0; i < 100; i++) {
      const optLen = rnd() % 24;
      const opt = Buffer.alloc(11 + 4 + optLen);
      opt.writeUInt8(0, 0); // root name
      opt.writeUInt16BE(41, 1); // OPT
      opt.writeUInt16BE(512 + (rnd() % 4000), 3);
      opt.writeUInt16BE(4 + optLen, 9);
      opt.writeUInt16BE(i % 2 === 0 ? 8 : rnd() % 20, 11);
      opt.writeUInt16BE(optLen, 13);
      for (let j = 0; j < optLen; j++) opt[15 + j] = rnd() & 0xff;
      const msg = Buffer.concat([base, opt]);
      msg.writeUInt16BE(1, 10); // one additional record
      const reply = await udpRaw(f.port, msg, 200);
      if (reply) expect(reply.readUInt16BE(0)).toBe(msg.readUInt16BE(0));
    }
    // Over TCP: a frame of garbage (answered FORMERR or not at all) and a cut-off frame.
    for (let i = 0; i < 20; i++) {
      const body = Buffer.alloc(12 + (rnd() % 40));
      for (let j = 0; j < body.length; j++) body[j] = rnd() & 0xff;
      body[2] = body[2]! & 0x7f;
      const framed = Buffer.concat([Buffer.from([0, body.length]), body, Buffer.from([0xff, 0xff, 1, 2, 3])]);
      await new Promise<void>((resolve) => {
        const sock = connect({ host: '127.0.0.1', port: f.port }, () => {
          sock.write(framed);
          setTimeout(() => {
            sock.destroy();
            resolve();
          }, 20);
        });
        sock.on('error', () => resolve());
      });
    }
    // A valid question after the storm is answered normally, over both transports.
    const ok: DecodedPacket = await udpQuery(f.port, question('web.service.consul', 'A'));
    expect(ok.answers?.map((a) => (a as { data: unknown }).data)).toEqual(['10.7.0.1']);
    const [viaTcp] = await tcpQueries(f.port, [question('web.service.consul', 'A')]);
    expect(viaTcp!.answers?.map((a) => (a as { data: unknown }).data)).toEqual(['10.7.0.1']);
  });
});
