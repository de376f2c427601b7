// Opt-in timing of raft messages on the peer wire, to follow one write across the members of a
// cluster (issue 10: where a lone put's time goes between leader and followers): with
// DCSGW_PEER_TRACE=<file>, every raft message this member writes to a peer or reads from one is
// stamped (wall clock in microseconds, comparable between processes on one machine) with its type,
// sender, receiver, index, entry count and commit, and the stamps are written to <file> as JSON when
// the process exits. Off (the default), the transport tests one module constant per frame.
// bench/cluster-put-latency.ts reads these files and prints the hops of a put.
import { writeFileSync } from 'node:fs';
import type { Message } from '../raft/api.js';

/** Column-wise, one row per message: kind 0 = written to a peer, 1 = read from a peer. */
export interface PeerTraceDump {
  kind: number[];
  us: number[];
  type: number[];
  from: string[];
  to: string[];
  index: number[];
  entries: number[];
  commit: number[];
}

const MAX_ROWS = 500_000;

export class PeerTrace {
  private readonly dump: PeerTraceDump = { kind: [], us: [], type: [], from: [], to: [], index: [], entries: [], commit: [] };

  constructor(private readonly file: string) {
    process.on('exit', () => this.write());
  }

  sent(msgs: readonly Message[]): void {
    this.record(0, msgs);
  }

  received(msgs: readonly Message[]): void {
    this.record(1, msgs);
  }

  private record(kind: number, msgs: readonly Message[]): void {
    const d = this.dump;
    if (d.kind.length >= MAX_ROWS) return;
    const us = Math.round((performance.timeOrigin + performance.now()) * 1000);
    for (const m of msgs) {
      d.kind.push(kind);
      d.us.push(us);
      d.type.push(m.type);
      d.from.push(m.from.toString(16));
      d.to.push(m.to.toString(16));
      d.index.push(m.index);
      d.entries.push(m.entries.length);
      d.commit.push(m.commit);
    }
  }

  private write(): void {
    try {
      writeFileSync(this.file, JSON.stringify(this.dump));
    } catch {
      // a trace that cannot be written must not turn a clean exit into a crash
    }
  }
}

const file = process.env.DCSGW_PEER_TRACE;
export const peerTrace: PeerTrace | undefined = file ? new PeerTrace(file) : undefined;
