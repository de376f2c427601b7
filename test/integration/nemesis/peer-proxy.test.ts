// The partitioning peer proxy on its own: HTTP requests carrying etcd's X-Server-From header pass
// until their pair is partitioned; then new connections are refused and live ones are cut; after
// heal they pass again. Requests without the header always pass.
import { createServer, request, type Server } from 'node:http';
import { createConnection, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { allocatePorts } from '../../support/index.js';
import { orderedDelayedWriter, PeerPartitioner } from './peer-proxy.js';

let upstream: Server;
let partitioner: PeerPartitioner;
let doorPort = 0;
let streamPort = 0;

function get(port: number, from?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/raft', agent: false, headers: from ? { 'X-Server-From': from } : {} }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve(body));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  const [upstreamPort, door, door2] = (await allocatePorts(3, { from: 27950, to: 27999 })) as [number, number, number];
  doorPort = door;
  streamPort = door2;
  upstream = createServer((req, res) => {
    if (req.url === '/echo') {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('latin1')));
      req.on('end', () => res.end(body));
      return;
    }
    if (req.headers['x-stream']) {
      res.write('open');
      return; // a long-lived stream, like etcd's raft streams
    }
    res.end(`hello ${req.headers['x-server-from'] ?? 'anonymous'}`);
  });
  await new Promise<void>((r) => upstream.listen(upstreamPort, '127.0.0.1', () => r()));
  partitioner = new PeerPartitioner();
  await partitioner.addMember('a', doorPort, upstreamPort);
  await partitioner.addMember('b', streamPort, upstreamPort);
  partitioner.setMemberIds(new Map([['a', 'a1'], ['b', 'b2'], ['c', 'c3']]));
});

afterAll(async () => {
  await partitioner.close();
  upstream.closeAllConnections();
  await new Promise<void>((r) => upstream.close(() => r()));
});

describe('PeerPartitioner', () => {
  test('passes, refuses while partitioned, passes again after heal', async () => {
    expect(await get(doorPort, 'b2')).toBe('hello b2');
    await partitioner.partition(['a'], ['b', 'c']);
    await expect(get(doorPort, 'b2')).rejects.toThrow();
    await expect(get(doorPort, 'c3')).rejects.toThrow();
    // not every pair is cut: b and c still talk (b's door admits c)
    expect(await get(streamPort, 'c3')).toBe('hello c3');
    // connections that do not say who they are (version probes) pass
    expect(await get(doorPort)).toBe('hello anonymous');
    expect(partitioner.stats.refused).toBe(2);
    await partitioner.heal();
    expect(await get(doorPort, 'c3')).toBe('hello c3');
  });

  test('cuts a live stream when its pair is partitioned', async () => {
    const closed = new Promise<string>((resolve) => {
      const req = request(
        { host: '127.0.0.1', port: doorPort, path: '/raftstream', agent: false, headers: { 'X-Server-From': 'b2', 'X-Stream': '1' } },
        (res) => {
          res.once('data', () => void partitioner.partition(['b'], ['a']));
          res.on('error', () => resolve('cut'));
          res.on('close', () => resolve('cut'));
        },
      );
      req.on('error', () => resolve('cut'));
      req.end();
    });
    expect(await closed).toBe('cut');
    expect(partitioner.stats.cut).toBeGreaterThanOrEqual(1);
    await partitioner.heal();
  });

  test('a keep-alive connection opened anonymously is cut when a blocked sender reuses it', async () => {
    await partitioner.partition(['a'], ['b']);
    const socket = createConnection({ host: '127.0.0.1', port: doorPort });
    let received = '';
    socket.on('data', (c: Buffer) => (received += c.toString('latin1')));
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.on('error', () => undefined);
    socket.write('GET /raft/probing HTTP/1.1\r\nHost: x\r\n\r\n');
    await new Promise((r) => setTimeout(r, 200));
    expect(received).toContain('hello anonymous');
    const cutBefore = partitioner.stats.cut;
    socket.write('POST /raft HTTP/1.1\r\nHost: x\r\nX-Server-From: b2\r\nContent-Length: 0\r\n\r\n');
    await closed;
    expect(received).not.toContain('hello b2');
    expect(partitioner.stats.cut).toBe(cutBefore + 1);
    await partitioner.heal();
  });

  test('a slowed pair still gets every byte, in order, and the delay is counted', async () => {
    await partitioner.slow(['a'], ['b'], 30);
    const before = partitioner.stats.delayed;
    const answers = await Promise.all([get(doorPort, 'b2'), get(doorPort, 'c3')]);
    expect(answers).toEqual(['hello b2', 'hello c3']);
    // the b2 request and its answer were held back; c3 is not in a slowed pair
    expect(partitioner.stats.delayed).toBeGreaterThanOrEqual(before + 2);
    await partitioner.heal();
  });

  test('a slowed stream of many small chunks arrives intact and in order', async () => {
    await partitioner.slow(['a'], ['b'], 5);
    const payload = Array.from({ length: 400 }, (_, i) => `<${i}>`).join('');
    const echoed = await new Promise<string>((resolve, reject) => {
      const socket = createConnection({ host: '127.0.0.1', port: doorPort });
      let received = '';
      socket.on('data', (c: Buffer) => (received += c.toString('latin1')));
      socket.on('error', reject);
      socket.on('close', () => resolve(received));
      socket.write(`POST /echo HTTP/1.1\r\nHost: x\r\nX-Server-From: b2\r\nContent-Length: ${payload.length}\r\nConnection: close\r\n\r\n`);
      // many writes in one tick: each becomes its own chunk through the delay queue
      let i = 0;
      const more = (): void => {
        for (let k = 0; k < 40 && i < payload.length; k++, i += 10) socket.write(payload.slice(i, i + 10));
        if (i < payload.length) setImmediate(more);
      };
      more();
    });
    expect(echoed).toContain(payload);
    await partitioner.heal();
  });

  test('the delay queue keeps byte order when the delay drops while bytes are held (heal)', async () => {
    const written: string[] = [];
    const dst = { destroyed: false, write: (c: Buffer) => written.push(c.toString()) > 0 } as unknown as Socket;
    let delayMs = 40;
    const writer = orderedDelayedWriter(dst, () => delayMs, () => undefined);
    writer.write(Buffer.from('first'));
    // heal while 'first' is held, in the same event-loop turn, after the clock moved on
    delayMs = 0;
    const until = Date.now() + 5;
    while (Date.now() < until) {
      // busy: node's cached loop time stays behind Date.now()
    }
    writer.write(Buffer.from('second'));
    writer.write(Buffer.from('third'));
    await new Promise((r) => setTimeout(r, 100));
    expect(written).toEqual(['first', 'second', 'third']);
  });
});
