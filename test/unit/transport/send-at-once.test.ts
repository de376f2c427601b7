// The peer transport writes raft messages before send() returns. A leader sends its MsgApp and
// then fsyncs its own WAL on the main thread; a message left for a later turn of the event loop
// would reach the followers only after that fsync, so their fsyncs could not overlap the leader's
// (a lone put on 3 members then pays two fsyncs in a row). The peer here runs in a worker thread,
// so it reads the socket while this thread is blocked, as it is during an inline fsync.
import { Worker } from 'node:worker_threads';
import pino from 'pino';
import { afterEach, expect, test } from 'vitest';
import { MessageType, type Message } from '../../../src/native/raft/api.js';
import { createPeerTransport, type PeerTransport } from '../../../src/native/transport/peer-transport.js';
import { allocatePorts, releasePort } from '../../support/ports.js';

const HOST = '127.0.7.1';
const RANGE = { from: 19000, to: 19999 };

// A bare peer: accepts the upgrade of a raft connection and raises a flag on the first frame bytes.
const PEER_SOURCE = `
const { createServer } = require('node:http');
const { parentPort, workerData } = require('node:worker_threads');
const flag = new Int32Array(workerData.shared);
const server = createServer((req, res) => res.writeHead(404).end());
server.on('upgrade', (req, socket) => {
  socket.write('HTTP/1.1 101 Switching Protocols\\r\\nUpgrade: dcsgw-raft/1\\r\\nConnection: Upgrade\\r\\n\\r\\n');
  socket.on('data', () => {
    Atomics.store(flag, 0, 1);
    Atomics.notify(flag, 0);
  });
  socket.on('error', () => undefined);
});
server.listen(workerData.port, workerData.host, () => parentPort.postMessage('listening'));
`;

let transport: PeerTransport | undefined;
let worker: Worker | undefined;
const ports: number[] = [];
afterEach(async () => {
  await transport?.close();
  transport = undefined;
  if (worker) await worker.terminate();
  worker = undefined;
  for (const p of ports.splice(0)) releasePort(p);
});

test('a raft message reaches the peer while the sender is blocked right after send() (as in an inline WAL fsync)', async () => {
  const [peerPort, ownPort] = await allocatePorts(2, RANGE);
  ports.push(peerPort!, ownPort!);
  const shared = new SharedArrayBuffer(4);
  const flag = new Int32Array(shared);
  worker = new Worker(PEER_SOURCE, { eval: true, workerData: { shared, port: peerPort, host: HOST } });
  await new Promise<void>((resolve, reject) => {
    worker!.once('message', () => resolve());
    worker!.once('error', reject);
  });

  transport = createPeerTransport({ memberId: 1n, clusterId: 7n, listenPeerUrls: [`http://${HOST}:${ownPort}`], logger: pino({ level: 'silent' }) });
  await transport.start({ onMessages: () => undefined, onUnreachable: () => undefined, onSnapshotStatus: () => undefined });
  transport.addPeer(2n, [`http://${HOST}:${peerPort}`]);
  const deadline = Date.now() + 5000;
  while (!transport.isActive(2n) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  expect(transport.isActive(2n)).toBe(true);

  const app: Message = {
    type: MessageType.MsgApp,
    from: 1n,
    to: 2n,
    term: 2,
    logTerm: 2,
    index: 10,
    entries: [{ term: 2, index: 11, type: 0, data: new Uint8Array(300) }],
    commit: 10,
    reject: false,
    rejectHint: 0,
    context: new Uint8Array(),
  };
  transport.send([app]);
  // This thread does not return to the event loop until the peer has the bytes (or 5 s pass).
  const seen = Atomics.wait(flag, 0, 0, 5000);
  expect(seen).not.toBe('timed-out');
});
