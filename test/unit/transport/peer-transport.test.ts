// The peer transport on loopback: two (or three) members exchanging raft messages, snapshots on
// their own connection, peer requests, reconnects after a peer restarts, fault injection, and the
// wire encoding on its own.
import { connect } from 'node:net';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, test } from 'vitest';
import { EtcdError } from '../../../src/adapters/errors.js';
import { MessageType, SnapshotStatus, type Message, type NodeId } from '../../../src/native/raft/api.js';
import type { TransportEvents } from '../../../src/native/transport/api.js';
import { decodeBatch, encodeBatch } from '../../../src/native/transport/codec.js';
import { FrameKind, FrameReader, frame } from '../../../src/native/transport/framing.js';
import { createPeerTransport, type PeerTransport } from '../../../src/native/transport/peer-transport.js';

const logger = pino({ level: 'silent' });
const CLUSTER = 0x615806652817573n;

function msg(type: Message['type'], from: NodeId, to: NodeId, extra: Partial<Message> = {}): Message {
  return { type, from, to, term: 3, logTerm: 2, index: 7, entries: [], commit: 5, reject: false, rejectHint: 0, context: new Uint8Array(), ...extra };
}

class Recorder implements TransportEvents {
  readonly messages: Message[] = [];
  readonly unreachable: NodeId[] = [];
  readonly snapshots: { id: NodeId; status: SnapshotStatus }[] = [];
  onMessages(msgs: Message[]): void {
    this.messages.push(...msgs);
  }
  onUnreachable(id: NodeId): void {
    this.unreachable.push(id);
  }
  onSnapshotStatus(id: NodeId, status: SnapshotStatus): void {
    this.snapshots.push({ id, status });
  }
}

async function until(cond: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const open: PeerTransport[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((t) => t.close()));
});

async function member(id: NodeId, port = 0, clusterId = CLUSTER, adminRoutes = false, metricsRegistry?: Registry): Promise<{ t: PeerTransport; rec: Recorder; url: string }> {
  const t = createPeerTransport({
    memberId: id,
    clusterId,
    listenPeerUrls: [`http://127.0.0.1:${port}`],
    logger,
    backoff: { initialMs: 20, maxMs: 100 },
    adminRoutes,
    ...(metricsRegistry ? { metricsRegistry } : {}),
  });
  const rec = new Recorder();
  await t.start(rec);
  open.push(t);
  return { t, rec, url: `http://127.0.0.1:${t.addresses[0]!.port}` };
}

async function pair(): Promise<{ a: Awaited<ReturnType<typeof member>>; b: Awaited<ReturnType<typeof member>> }> {
  const a = await member(1n);
  const b = await member(2n);
  a.t.addPeer(2n, [b.url]);
  b.t.addPeer(1n, [a.url]);
  await until(() => a.t.isActive(2n) && b.t.isActive(1n), 'both links up');
  return { a, b };
}

describe('wire encoding', () => {
  test('a batch of messages survives encode/decode, entries, context and snapshot included', () => {
    const big = 0xfedcba9876543210n;
    const msgs: Message[] = [
      msg(MessageType.MsgApp, big, 2n, {
        term: 2 ** 40,
        index: 123456789012,
        entries: [
          { term: 4, index: 8, type: 0, data: Buffer.from('put k v') },
          { term: 4, index: 9, type: 1, data: new Uint8Array() },
        ],
        context: Buffer.from('ctx'),
        reject: true,
        rejectHint: 77,
      }),
      msg(MessageType.MsgSnap, 1n, big, {
        snapshot: { metadata: { index: 100, term: 9, confState: { voters: [1n, big], learners: [3n] } }, data: Buffer.alloc(1000, 7) },
      }),
    ];
    const norm = (m: Message) => ({
      ...m,
      context: Buffer.from(m.context),
      entries: m.entries.map((e) => ({ ...e, data: Buffer.from(e.data) })),
      ...(m.snapshot ? { snapshot: { ...m.snapshot, data: Buffer.from(m.snapshot.data) } } : {}),
    });
    const back = decodeBatch(encodeBatch(msgs));
    expect(back.map(norm)).toEqual(msgs.map(norm));
    expect(back[1]!.snapshot!.metadata.confState.voters).toEqual([1n, big]);
    expect(Buffer.from(back[1]!.snapshot!.data).equals(Buffer.alloc(1000, 7))).toBe(true);
  });

  test('frames are reassembled across arbitrary chunk boundaries', () => {
    const got: string[] = [];
    const reader = new FrameReader((kind, payload) => got.push(`${kind}:${payload.toString()}`));
    const bytes = Buffer.concat([frame(FrameKind.Messages, Buffer.from('first')), frame(FrameKind.Request, Buffer.from('second frame'))]);
    for (let i = 0; i < bytes.length; i += 3) reader.push(bytes.subarray(i, i + 3));
    expect(got).toEqual(['1:first', '2:second frame']);
  });
});

describe('two members on loopback', () => {
  test('messages arrive in order in both directions', async () => {
    const { a, b } = await pair();
    for (let i = 1; i <= 50; i++) a.t.send([msg(MessageType.MsgHeartbeat, 1n, 2n, { index: i })]);
    b.t.send([msg(MessageType.MsgHeartbeatResp, 2n, 1n)]);
    await until(() => b.rec.messages.length === 50 && a.rec.messages.length === 1, 'delivery');
    expect(b.rec.messages.map((m) => m.index)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(a.rec.messages[0]!.type).toBe(MessageType.MsgHeartbeatResp);
  });

  test('messages to an unknown peer are dropped; to a down peer they are reported unreachable', async () => {
    const a = await member(1n);
    a.t.send([msg(MessageType.MsgApp, 1n, 9n)]);
    a.t.addPeer(3n, ['http://127.0.0.1:1']); // nothing listens there
    a.t.send([msg(MessageType.MsgApp, 1n, 3n)]); // waits for the first dial, which fails
    await until(() => a.rec.unreachable.length > 0, 'unreachable report');
    expect(a.rec.unreachable).toEqual([3n]);
    expect(a.t.isActive(3n)).toBe(false);
  });

  test('messages sent while the first dial to a peer is in flight are delivered once it connects', async () => {
    // A member that just started hears from the leader before its own link is up; what it
    // forwards then (its publication) must arrive, as etcd's pipeline would deliver it.
    const a = await member(1n);
    const b = await member(2n);
    a.t.addPeer(2n, [b.url]);
    expect(a.t.isActive(2n)).toBe(false);
    a.t.send([msg(MessageType.MsgProp, 1n, 2n, { index: 1 })]);
    a.t.send([msg(MessageType.MsgProp, 1n, 2n, { index: 2 })]);
    await until(() => b.rec.messages.length === 2, 'delivery after the dial');
    expect(b.rec.messages.map((m) => m.index)).toEqual([1, 2]);
    expect(a.rec.unreachable).toEqual([]);
  });

  test('a snapshot is streamed on its own connection and reported finished', async () => {
    const { a, b } = await pair();
    const data = Buffer.alloc(8 * 1024 * 1024, 0xab);
    a.t.send([
      msg(MessageType.MsgSnap, 1n, 2n, { snapshot: { metadata: { index: 50, term: 3, confState: { voters: [1n, 2n], learners: [] } }, data } }),
      msg(MessageType.MsgHeartbeat, 1n, 2n, { index: 1 }),
    ]);
    await until(() => a.rec.snapshots.length === 1, 'snapshot status', 20_000);
    expect(a.rec.snapshots).toEqual([{ id: 2n, status: SnapshotStatus.Finish }]);
    const snap = b.rec.messages.find((m) => m.type === MessageType.MsgSnap);
    expect(snap?.snapshot?.metadata.index).toBe(50);
    expect(Buffer.from(snap!.snapshot!.data).equals(data)).toBe(true);
    expect(b.rec.messages.some((m) => m.type === MessageType.MsgHeartbeat)).toBe(true);
  });

  test('heartbeats keep flowing while a snapshot stream is stuck half-way', async () => {
    const { a, b } = await pair();
    // a snapshot connection that announces a 64 MiB frame and then stalls
    const port = Number(new URL(b.url).port);
    const stuck = connect(port, '127.0.0.1');
    await new Promise<void>((r) => stuck.once('connect', () => r()));
    stuck.write(
      `GET /dcsgw/snapshot HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: dcsgw-raft/1\r\nX-Server-From: 1\r\nX-Etcd-Cluster-ID: ${CLUSTER.toString(16)}\r\n\r\n`,
    );
    const head = Buffer.alloc(5);
    head.writeUInt32BE(64 * 1024 * 1024, 0);
    head[4] = FrameKind.Snapshot;
    stuck.write(Buffer.concat([head, Buffer.alloc(1024 * 1024)]));
    try {
      for (let i = 1; i <= 5; i++) a.t.send([msg(MessageType.MsgHeartbeat, 1n, 2n, { index: i })]);
      await until(() => b.rec.messages.filter((m) => m.type === MessageType.MsgHeartbeat).length === 5, 'heartbeats');
      expect(b.rec.messages.some((m) => m.type === MessageType.MsgSnap)).toBe(false);
    } finally {
      stuck.destroy();
    }
  });

  test('peer requests get answers, handler errors keep their etcd code, an unreachable peer rejects', async () => {
    const { a, b } = await pair();
    b.t.handle('echo', (from, body) => Promise.resolve(Buffer.concat([Buffer.from(`${from}:`), body])));
    b.t.handle('fail', () => Promise.reject(new EtcdError(9, 'etcdserver: not leader')));
    expect((await a.t.request(2n, 'echo', Buffer.from('hi'), 2000)).toString()).toBe('1:hi');
    const err = await a.t.request(2n, 'fail', Buffer.alloc(0), 2000).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EtcdError);
    expect((err as EtcdError).code).toBe(9);
    expect((err as EtcdError).message).toBe('etcdserver: not leader');
    await expect(a.t.request(2n, 'nobody-handles-this', Buffer.alloc(0), 2000)).rejects.toThrow(/no handler/);
    await expect(a.t.request(7n, 'echo', Buffer.alloc(0), 2000)).rejects.toThrow(/unknown peer/);
  });

  test('after a peer restarts on the same port, the link comes back and delivery resumes', async () => {
    const { a, b } = await pair();
    const port = Number(new URL(b.url).port);
    await b.t.close();
    await until(() => !a.t.isActive(2n), 'link down');
    a.t.send([msg(MessageType.MsgApp, 1n, 2n)]);
    await until(() => a.rec.unreachable.includes(2n), 'unreachable report');
    const b2 = await member(2n, port);
    b2.t.addPeer(1n, [a.url]);
    await until(() => a.t.isActive(2n), 'link up again');
    a.t.send([msg(MessageType.MsgApp, 1n, 2n, { index: 42 })]);
    await until(() => b2.rec.messages.some((m) => m.index === 42), 'delivery after restart');
  });

  test('a member of another cluster is refused', async () => {
    const a = await member(1n);
    const stranger = await member(2n, 0, 0x1234n);
    stranger.t.addPeer(1n, [a.url]);
    await new Promise((r) => setTimeout(r, 300));
    expect(stranger.t.isActive(1n)).toBe(false);
  });
});

describe('fault injection', () => {
  test('a partition drops traffic both ways until healed', async () => {
    const { a, b } = await pair();
    a.t.faults.partition(2n);
    a.t.send([msg(MessageType.MsgHeartbeat, 1n, 2n, { index: 1 })]);
    b.t.send([msg(MessageType.MsgHeartbeatResp, 2n, 1n, { index: 1 })]);
    await new Promise((r) => setTimeout(r, 200));
    expect(b.rec.messages).toEqual([]);
    expect(a.rec.messages).toEqual([]);
    await expect(a.t.request(2n, 'x', Buffer.alloc(0), 500)).rejects.toThrow(/unreachable/);
    a.t.faults.heal();
    a.t.send([msg(MessageType.MsgHeartbeat, 1n, 2n, { index: 2 })]);
    await until(() => b.rec.messages.some((m) => m.index === 2), 'delivery after heal');
  });

  test('the test-only admin route sets and clears faults over HTTP', async () => {
    const a = await member(1n, 0, CLUSTER, true);
    const off = await member(3n);
    const post = (body: unknown, url = a.url): Promise<Response> => fetch(`${url}/dcsgw/test/faults`, { method: 'POST', body: JSON.stringify(body) });
    const res = await post({ peers: { '2': { partitioned: true, delayMs: 5 } } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ '2': { partitioned: true, delayMs: 5 } });
    expect(a.t.faults.isPartitioned(2n)).toBe(true);
    expect(await (await post({ heal: true })).json()).toEqual({});
    expect((await post({ heal: true }, off.url)).status).toBe(404);
    const version = await fetch(`${a.url}/version`);
    expect(await version.json()).toEqual({ etcdserver: '3.4.23', etcdcluster: '3.4.0' });
  });
});

describe('metrics', () => {
  test('etcd_network_* peer metrics count bytes both ways, active peers and send failures', async () => {
    const ra = new Registry();
    const rb = new Registry();
    const a = await member(1n, 0, CLUSTER, false, ra);
    const b = await member(2n, 0, CLUSTER, false, rb);
    a.t.addPeer(2n, [b.url]);
    a.t.addPeer(3n, ['http://127.0.0.1:1']);
    await until(() => a.t.isActive(2n), 'link up');
    a.t.send([msg(MessageType.MsgApp, 1n, 2n, { entries: [{ term: 1, index: 1, type: 0, data: Buffer.alloc(100) }] })]);
    a.t.send([msg(MessageType.MsgApp, 1n, 3n)]);
    await until(() => b.rec.messages.length === 1 && a.rec.unreachable.includes(3n), 'delivery and the failed dial');
    const value = async (reg: Registry, name: string, labels: Record<string, string>): Promise<number> => {
      const metric = (await reg.getMetricsAsJSON()).find((m) => m.name === name);
      const v = (metric?.values as { value: number; labels: Record<string, string> }[] | undefined)?.find((x) => Object.entries(labels).every(([k, l]) => x.labels[k] === l));
      return v?.value ?? 0;
    };
    const sent = await value(ra, 'etcd_network_peer_sent_bytes_total', { To: '2' });
    expect(sent).toBeGreaterThan(100);
    expect(await value(rb, 'etcd_network_peer_received_bytes_total', { From: '1' })).toBe(sent);
    expect(await value(ra, 'etcd_network_active_peers', { Local: '1', Remote: '2' })).toBe(1);
    expect(await value(ra, 'etcd_network_peer_sent_failures_total', { To: '3' })).toBe(1);
  });
});
