// Consul's DNS interface (port 8600): UDP and TCP on one port, answering questions about the
// agent's domain (and alt domain, and reverse names) from the catalog and prepared queries, and
// forwarding every other name to the configured recursors (REFUSED when there are none, as Consul
// answers a name it does not serve). Messages are read as Consul's DNS library reads them: shorter
// than a header or already a response: dropped; an opcode other than QUERY/NOTIFY: NOTIMP; not
// exactly one question, or too many records in the other sections, or undecodable: FORMERR.
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, isIP, type Server as TcpServer, type Socket as TcpSocket } from 'node:net';
import dnsPacket, { type Answer, type DecodedPacket, type OptAnswer, type Packet } from 'dns-packet';
import { shuffleInPlace } from '../../../compat/query-catalog.js';
import { catalogQuerySource } from '../../../compat/query-catalog-source.js';
import type { ConsulContext } from '../context.js';
import { DnsLookup, type LookupAnswer, type Rcode } from './lookup.js';
import { canonicalName, classify } from './names.js';
import { resolveSettings, type ConsulDnsOptions, type DnsSettings } from './options.js';
import { encodableRecord } from './records.js';
import { recurse } from './recursor.js';
import { trimTcp, trimUdp } from './truncate.js';
import { encodeMessage } from './wire.js';
import { aclFilteredCatalog } from '../acl-dns.js';

export type { ConsulDnsOptions } from './options.js';

export interface ConsulDnsServer {
  /** The bound address (the port resolved when 0 was asked); UDP and TCP share it. */
  readonly address: { host: string; port: number };
  close(): Promise<void>;
}

const RCODES: Record<Rcode, number> = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 };
const QR = 0x8000;
const AA = 0x0400;
const TC = 0x0200;
const RD = 0x0100;
const RA = 0x0080;
const CD = 0x0010;
const OPCODE_QUERY = 0;
const OPCODE_NOTIFY = 4;
/** How long an idle TCP connection stays open between queries (miekg/dns's default). */
const TCP_IDLE_MS = 8000;
const BIND_ATTEMPTS = 20;

type Network = 'udp' | 'tcp';

/** A reply of the header alone (Consul's answer to a message it rejects before reading it). */
function headerOnly(id: number, flags: number): Buffer {
  const b = Buffer.alloc(12);
  b.writeUInt16BE(id, 0);
  b.writeUInt16BE(flags, 2);
  return b;
}

/** The flags a reply copies from its request (Consul's SetReply): the opcode, and RD/CD of a QUERY. */
function replyFlags(reqFlags: number): number {
  const opcode = (reqFlags >> 11) & 0xf;
  let f = QR | (opcode << 11);
  if (opcode === OPCODE_QUERY) f |= reqFlags & (RD | CD);
  return f;
}

/** The question of an encoded reply, for the request log (undefined if it does not decode). */
function safeQuestion(reply: Buffer): { name: string; type: string; class: string } | undefined {
  try {
    const q = dnsPacket.decode(reply).questions?.[0];
    return q ? { name: q.name === '.' ? '.' : `${q.name}.`, type: String(q.type), class: String(q.class ?? 'IN') } : undefined;
  } catch {
    return undefined;
  }
}

export class DnsHandler {
  private readonly lookup: DnsLookup;
  private readonly log: ConsulContext['logger'];

  constructor(
    readonly ctx: ConsulContext,
    readonly settings: DnsSettings,
  ) {
    const core = ctx.core;
    this.log = ctx.logger.child({ module: 'agent.dns' });
    this.lookup = new DnsLookup(
      {
        // what the agent's DNS token may read (acl-dns.ts; everything with ACLs off)
        catalog: aclFilteredCatalog(ctx, settings.allowStale ? catalogQuerySource(core.catalog, core.backend) : catalogQuerySource(core.catalog)),
        queries: core.queries,
        datacenter: ctx.agent.datacenter,
        agentNode: ctx.agent.nodeName,
        agentAddress: ctx.agent.advertiseAddr,
      },
      settings,
      (err, name) => this.log.error({ err, name }, 'error processing discovery query'),
    );
  }

  /** The reply to one message, or undefined to send nothing. Never throws. */
  async respond(msg: Buffer, network: Network, clientIp: string): Promise<Buffer | undefined> {
    const started = process.hrtime.bigint();
    let reply: Buffer | undefined;
    try {
      reply = await this.reply(msg, network, clientIp);
    } catch (err) {
      // Not even an error answer could be written (e.g. an option that cannot be echoed): nothing is sent.
      this.log.error({ err, client: clientIp, client_network: network }, 'failed to write DNS response');
      return undefined;
    }
    if (reply && this.log.isLevelEnabled('debug')) {
      const q = reply.length >= 12 && reply.readUInt16BE(4) > 0 ? safeQuestion(reply) : undefined;
      this.log.debug(
        {
          name: q?.name,
          type: q?.type,
          class: q?.class,
          latency: `${Number(process.hrtime.bigint() - started) / 1e6}ms`,
          client: clientIp,
          client_network: network,
        },
        'request served from client',
      );
    }
    return reply;
  }

  private async reply(msg: Buffer, network: Network, clientIp: string): Promise<Buffer | undefined> {
    if (msg.length < 12) return undefined;
    const id = msg.readUInt16BE(0);
    const flags = msg.readUInt16BE(2);
    if (flags & QR) return undefined;
    const opcode = (flags >> 11) & 0xf;
    if (opcode !== OPCODE_QUERY && opcode !== OPCODE_NOTIFY) return headerOnly(id, QR | (opcode << 11) | RCODES.NOTIMP);
    const formErr = () => headerOnly(id, replyFlags(flags) | RCODES.FORMERR);
    const [qd, an, ns, ar] = [msg.readUInt16BE(4), msg.readUInt16BE(6), msg.readUInt16BE(8), msg.readUInt16BE(10)];
    if (qd !== 1 || an > 1 || ns > 1 || ar > 2) return formErr();
    let req: DecodedPacket;
    try {
      req = dnsPacket.decode(msg);
    } catch {
      return formErr();
    }
    const question = req.questions?.[0];
    if (!question) return formErr();
    const opt = (req.additionals ?? []).find((a): a is OptAnswer => a.type === 'OPT');
    const qname = canonicalName(question.name);
    const qtype = String(question.type);
    try {
      const classified = classify(qname, qtype, this.settings);
      if (classified.kind === 'recurse') {
        if (this.settings.recursors.length === 0) {
          // Consul's answer for a name outside its domains with nothing to forward to.
          return this.encode(req, qname, replyFlags(flags) | RCODES.REFUSED, [], [], [], undefined);
        }
        const upstream = await recurse(msg, this.recursorOrder(), network, this.settings.recursorTimeoutMs);
        if (upstream) return upstream;
        return this.encode(req, qname, replyFlags(flags) | RA | RCODES.SERVFAIL, [], [], [], opt);
      }
      const answer = await this.lookup.answer(classified, { name: qname, type: qtype, clientIp, edns: opt !== undefined });
      return this.finish(req, flags, qname, qtype, answer, opt, network);
    } catch (err) {
      this.log.error({ err, qname, qtype }, 'error processing discovery query');
      return this.encode(req, qname, replyFlags(flags) | this.raFlag() | RCODES.SERVFAIL, [], [], [], opt);
    }
  }

  private recursorOrder(): string[] {
    const list = [...this.settings.recursors];
    return this.settings.recursorStrategy === 'random' ? shuffleInPlace(list) : list;
  }

  private raFlag(): number {
    return this.settings.recursors.length > 0 ? RA : 0;
  }

  private finish(
    req: DecodedPacket,
    reqFlags: number,
    qname: string,
    qtype: string,
    answer: LookupAnswer,
    opt: OptAnswer | undefined,
    network: Network,
  ): Buffer {
    let flags = replyFlags(reqFlags) | this.raFlag() | RCODES[answer.rcode];
    if (answer.authoritative) flags |= AA;
    const packet: Packet = {
      type: 'response',
      id: req.id ?? 0,
      flags: 0,
      questions: [{ name: qname, type: req.questions![0]!.type, class: req.questions![0]!.class ?? 'IN' }],
      answers: answer.answers,
      authorities: answer.authorities,
      additionals: answer.additionals,
    };
    // Only a successful answer is trimmed to the transport (negative answers are one SOA).
    if (answer.rcode === 'NOERROR' && answer.answers.length > 0) {
      const compress = !this.settings.disableCompression;
      const trimmed =
        network === 'udp' ? trimUdp(packet, opt?.udpPayloadSize, this.settings.udpAnswerLimit, compress) : trimTcp(packet, qtype, compress);
      if (trimmed && this.settings.enableTruncate) flags |= TC;
    }
    return this.encodePacket(packet, flags, opt, answer.ecsGlobal, answer.rcode);
  }

  private encode(req: DecodedPacket, qname: string, flags: number, answers: Answer[], authorities: Answer[], additionals: Answer[], opt: OptAnswer | undefined): Buffer {
    const q = req.questions![0]!;
    const packet: Packet = {
      type: 'response',
      id: req.id ?? 0,
      flags: 0,
      questions: [{ name: qname, type: q.type, class: q.class ?? 'IN' }],
      answers,
      authorities,
      additionals,
    };
    return this.encodePacket(packet, flags, opt, true, 'SERVFAIL');
  }

  /** Encodes with the given header flags, echoing the client's EDNS buffer size (and client-subnet option) when it sent EDNS. */
  private encodePacket(packet: Packet, flags: number, opt: OptAnswer | undefined, ecsGlobal: boolean, rcode: Rcode): Buffer {
    if (opt) {
      const echo = { type: 'OPT', name: '.', udpPayloadSize: opt.udpPayloadSize, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] } as OptAnswer;
      // dns-packet decodes an option's code as its number (8 = client subnet).
      const ecs = (opt.options ?? []).find((o) => (o.code as unknown) === 8 || (o.code as unknown) === 'CLIENT_SUBNET') as
        | { family?: number; sourcePrefixLength?: number; ip: string }
        | undefined;
      if (ecs) {
        const global = ecsGlobal || rcode !== 'NOERROR';
        echo.options = [
          {
            code: 'CLIENT_SUBNET',
            ip: ecs.ip,
            sourcePrefixLength: ecs.sourcePrefixLength ?? 0,
            scopePrefixLength: global ? 0 : (ecs.sourcePrefixLength ?? 0),
            ...(ecs.family !== undefined ? { family: ecs.family } : {}),
          } as never,
        ];
      }
      packet.additionals = [...(packet.additionals ?? []), echo];
    }
    // A record whose names cannot be written (a label over 63 bytes, e.g. from an odd node name or
    // service address) is left out rather than corrupting the whole message.
    packet.answers = (packet.answers ?? []).filter(encodableRecord);
    packet.authorities = (packet.authorities ?? []).filter(encodableRecord);
    packet.additionals = (packet.additionals ?? []).filter((r) => r.type === 'OPT' || encodableRecord(r));
    return encodeMessage(packet, flags | QR, !this.settings.disableCompression);
  }
}

// ---- sockets ----

function bindUdp(host: string, port: number): Promise<UdpSocket> {
  return new Promise((resolve, reject) => {
    const sock = createSocket({ type: isIP(host) === 6 ? 'udp6' : 'udp4' });
    const onError = (err: Error) => {
      sock.close();
      reject(err);
    };
    sock.once('error', onError);
    sock.bind(port, host, () => {
      sock.off('error', onError);
      resolve(sock);
    });
  });
}

function listenTcp(server: TcpServer, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen({ host, port }, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

/** Serves one TCP connection: 2-byte length-prefixed messages, answered in order, until the client closes or idles out. */
function serveTcp(handler: DnsHandler, sock: TcpSocket): void {
  let buffered: Buffer = Buffer.alloc(0);
  let chain: Promise<void> = Promise.resolve();
  const clientIp = sock.remoteAddress ?? '';
  sock.setTimeout(TCP_IDLE_MS, () => sock.destroy());
  sock.on('error', () => sock.destroy());
  sock.on('data', (chunk: Buffer) => {
    buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
    while (buffered.length >= 2) {
      const len = buffered.readUInt16BE(0);
      if (buffered.length < 2 + len) break;
      const msg = Buffer.from(buffered.subarray(2, 2 + len));
      buffered = buffered.subarray(2 + len);
      chain = chain.then(async () => {
        const reply = await handler.respond(msg, 'tcp', clientIp);
        if (!reply || sock.destroyed) return;
        const prefix = Buffer.alloc(2);
        prefix.writeUInt16BE(reply.length);
        sock.write(Buffer.concat([prefix, reply]));
      });
    }
  });
}

/**
 * Starts the DNS interface on host:port, UDP and TCP together. With port 0 an ephemeral UDP port is
 * bound first and TCP takes the same number (retrying on a conflict).
 */
export async function startConsulDns(ctx: ConsulContext, opts: ConsulDnsOptions): Promise<ConsulDnsServer> {
  const settings = resolveSettings(ctx.agent.domain, opts, ctx.agent.config);
  const handler = new DnsHandler(ctx, settings);
  const sockets = new Set<TcpSocket>();
  let udp: UdpSocket | undefined;
  let tcp: TcpServer | undefined;
  let lastErr: unknown;
  for (let attempt = 0; attempt < (opts.port === 0 ? BIND_ATTEMPTS : 1); attempt++) {
    const u = await bindUdp(opts.host, opts.port);
    const port = u.address().port;
    const t = createServer((sock) => {
      sockets.add(sock);
      sock.on('close', () => sockets.delete(sock));
      serveTcp(handler, sock);
    });
    try {
      await listenTcp(t, opts.host, port);
      udp = u;
      tcp = t;
      break;
    } catch (err) {
      lastErr = err;
      u.close();
      t.close();
    }
  }
  if (!udp || !tcp) throw lastErr instanceof Error ? lastErr : new Error('consul dns: could not bind');
  const boundUdp = udp;
  boundUdp.on('message', (msg, rinfo) => {
    void handler.respond(msg, 'udp', rinfo.address).then(
      (reply) => {
        if (reply) boundUdp.send(reply, rinfo.port, rinfo.address, () => undefined);
      },
      () => undefined,
    );
  });
  boundUdp.on('error', (err) => ctx.logger.warn({ err }, 'consul dns: udp socket error'));
  const port = boundUdp.address().port;
  const boundTcp = tcp;
  return {
    address: { host: opts.host, port },
    close: async () => {
      for (const s of sockets) s.destroy();
      await Promise.all([
        new Promise<void>((resolve) => boundUdp.close(() => resolve())),
        new Promise<void>((resolve) => boundTcp.close(() => resolve())),
      ]);
    },
  };
}
