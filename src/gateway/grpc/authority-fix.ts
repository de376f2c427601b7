// Used only on the node:http2 path (DCSGW_GRPC_TRANSPORT=node): our own HTTP/2 transport (./h2/)
// takes any :authority as it is.
// grpc-go clients dialled with a URL as target (etcdctl's per-endpoint commands: `endpoint status`,
// `endpoint hashkv`, `defrag`, `move-leader` with --endpoints=http://host:port) send it verbatim
// as :authority ("http://127.0.0.1:2379"). grpc-go's server does not care; node's HTTP/2 parser
// (nghttp2) refuses the '/' in it and resets the stream with PROTOCOL_ERROR, and node offers no
// option to relax that. So the client port looks at the first request of every HTTP/2 connection
// before handing the socket to node:
// - valid :authority (every ordinary client): the socket goes to node's HTTP/2 server untouched,
//   native all the way, no cost per request;
// - invalid: the connection runs through a small frame rewriter that replaces the offending
//   characters of :authority with '_' (same length, so both HPACK tables stay in step).
// grpc-go waits for the server's SETTINGS before it sends a request, so when nothing comes after
// the preface for a moment an empty SETTINGS frame is sent from here, and the client's ACK of it is
// removed from what node sees (node would take an unexpected ACK as a protocol error).
import { Duplex } from 'node:stream';
import type net from 'node:net';
import { DynamicTableMirror, findField, rewriteHeaderBlock } from './hpack.js';

const PREFACE_LENGTH = 24;
const FRAME_HEADER = 9;
const TYPE_HEADERS = 1;
const TYPE_SETTINGS = 4;
const TYPE_CONTINUATION = 9;
const FLAG_ACK = 0x1;
const FLAG_END_HEADERS = 0x4;
const FLAG_PADDED = 0x8;
const FLAG_PRIORITY = 0x20;
const MAX_FRAME = 16384; // node's default SETTINGS_MAX_FRAME_SIZE, which we never raise
const EMPTY_SETTINGS = Buffer.from([0, 0, 0, TYPE_SETTINGS, 0, 0, 0, 0, 0]);

/** How long a silent client is given before we send SETTINGS ourselves, and then before we stop waiting. */
const QUIET_MS = 15;
const GIVE_UP_MS = 1000;
const MAX_SNIFF_BYTES = 256 * 1024;

/** nghttp2's authority alphabet: unreserved, sub-delims, ':', '@', '[', ']', '%'. */
const AUTHORITY_OK = new Uint8Array(256);
for (const ch of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=:@[]%") AUTHORITY_OK[ch.charCodeAt(0)] = 1;

export function isValidAuthority(v: Buffer): boolean {
  for (const b of v) if (AUTHORITY_OK[b] !== 1) return false;
  return true;
}

/** Same length, invalid characters replaced by '_': "http://h:1" -> "http:__h:1". */
export function fixAuthority(v: Buffer): Buffer | undefined {
  if (isValidAuthority(v)) return undefined;
  const out = Buffer.from(v);
  for (let i = 0; i < out.length; i++) if (AUTHORITY_OK[out[i] as number] !== 1) out[i] = 0x5f;
  return out;
}

interface Frame {
  type: number;
  flags: number;
  stream: number;
  payload: Buffer;
}

/** The header block fragment of a HEADERS frame, and its priority bytes (kept as they are). */
function headersFragment(f: Frame): { priority: Buffer; fragment: Buffer } {
  let start = 0;
  let end = f.payload.length;
  if (f.flags & FLAG_PADDED) {
    end -= f.payload[0] as number;
    start = 1;
  }
  const priority = f.flags & FLAG_PRIORITY ? f.payload.subarray(start, start + 5) : Buffer.alloc(0);
  start += priority.length;
  return { priority, fragment: f.payload.subarray(start, Math.max(start, end)) };
}

function encodeFrame(type: number, flags: number, stream: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(FRAME_HEADER);
  h.writeUIntBE(payload.length, 0, 3);
  h[3] = type;
  h[4] = flags;
  h.writeUInt32BE(stream, 5);
  return Buffer.concat([h, payload]);
}

/** HEADERS (+ CONTINUATION frames when the block is too big for one frame), END_HEADERS on the last. */
function encodeHeaders(first: Frame, priority: Buffer, block: Buffer): Buffer[] {
  const out: Buffer[] = [];
  const baseFlags = first.flags & ~(FLAG_PADDED | FLAG_END_HEADERS);
  let room = MAX_FRAME - priority.length;
  let pos = 0;
  let firstFrame = true;
  do {
    const piece = block.subarray(pos, pos + room);
    pos += piece.length;
    const last = pos >= block.length;
    if (firstFrame) out.push(encodeFrame(TYPE_HEADERS, baseFlags | (last ? FLAG_END_HEADERS : 0), first.stream, Buffer.concat([priority, piece])));
    else out.push(encodeFrame(TYPE_CONTINUATION, last ? FLAG_END_HEADERS : 0, first.stream, piece));
    firstFrame = false;
    room = MAX_FRAME;
  } while (pos < block.length);
  return out;
}

/** Splits the client's byte stream into the preface and frames. */
class FrameReader {
  private pending: Buffer = Buffer.alloc(0);
  private prefaceLeft = PREFACE_LENGTH;

  push(chunk: Buffer): void {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
  }

  /** The preface bytes, once, when complete. */
  preface(): Buffer | undefined {
    if (this.prefaceLeft === 0 || this.pending.length < PREFACE_LENGTH) return undefined;
    const p = this.pending.subarray(0, PREFACE_LENGTH);
    this.pending = this.pending.subarray(PREFACE_LENGTH);
    this.prefaceLeft = 0;
    return p;
  }

  next(): Frame | undefined {
    if (this.prefaceLeft !== 0 || this.pending.length < FRAME_HEADER) return undefined;
    const len = this.pending.readUIntBE(0, 3);
    if (this.pending.length < FRAME_HEADER + len) return undefined;
    const f: Frame = {
      type: this.pending[3] as number,
      flags: this.pending[4] as number,
      stream: this.pending.readUInt32BE(5) & 0x7fffffff,
      payload: this.pending.subarray(FRAME_HEADER, FRAME_HEADER + len),
    };
    this.pending = this.pending.subarray(FRAME_HEADER + len);
    return f;
  }

  rest(): Buffer {
    return this.pending;
  }
}

/** Rewrites :authority in every header block of one connection's client-to-server bytes. */
class AuthorityRewriter {
  private readonly reader = new FrameReader();
  private readonly table = new DynamicTableMirror();
  private held: { first: Frame; priority: Buffer; fragments: Buffer[] } | undefined;

  constructor(private stripAck: boolean) {}

  push(chunk: Buffer): Buffer[] {
    const out: Buffer[] = [];
    this.reader.push(chunk);
    const preface = this.reader.preface();
    if (preface) out.push(preface);
    for (let f = this.reader.next(); f !== undefined; f = this.reader.next()) {
      if (this.held) {
        // Only CONTINUATION frames may follow an unfinished header block (RFC 9113 6.10).
        this.held.fragments.push(f.payload);
        if (f.flags & FLAG_END_HEADERS) {
          const h = this.held;
          this.held = undefined;
          out.push(...this.emit(h.first, h.priority, Buffer.concat(h.fragments)));
        }
        continue;
      }
      if (f.type === TYPE_HEADERS) {
        const { priority, fragment } = headersFragment(f);
        if (f.flags & FLAG_END_HEADERS) out.push(...this.emit(f, priority, fragment));
        else this.held = { first: f, priority, fragments: [fragment] };
      } else if (f.type === TYPE_SETTINGS && f.flags & FLAG_ACK && this.stripAck) {
        this.stripAck = false; // the ACK of the SETTINGS we sent, not node's
      } else {
        out.push(encodeFrame(f.type, f.flags, f.stream, f.payload));
      }
    }
    return out;
  }

  private emit(first: Frame, priority: Buffer, block: Buffer): Buffer[] {
    return encodeHeaders(first, priority, rewriteHeaderBlock(block, this.table, ':authority', fixAuthority));
  }
}

/** A Duplex between the socket and node's HTTP/2 server that rewrites what the client sends. */
function rewritingDuplex(socket: net.Socket, already: Buffer, stripAck: boolean): Duplex {
  const rewriter = new AuthorityRewriter(stripAck);
  const duplex = new Duplex({
    read() {
      socket.resume();
    },
    write(chunk: Buffer, _enc, cb) {
      socket.write(chunk, cb);
    },
    final(cb) {
      socket.end();
      cb();
    },
    destroy(err, cb) {
      socket.destroy(err ?? undefined);
      cb(err);
    },
  });
  const feed = (chunk: Buffer): void => {
    let ok = true;
    try {
      for (const piece of rewriter.push(chunk)) ok = duplex.push(piece) && ok;
    } catch {
      socket.destroy();
      return;
    }
    if (!ok) socket.pause();
  };
  socket.on('data', feed);
  socket.on('end', () => duplex.push(null));
  socket.on('close', () => duplex.destroy());
  feed(already);
  return duplex;
}

/**
 * Holds a new HTTP/2 connection until its first request's headers are seen, then hands the
 * connection to `serve`: the socket itself (normal case) or a rewriting Duplex.
 */
export function sniffFirstRequest(socket: net.Socket, first: Buffer, serve: (conn: net.Socket | Duplex) => void): void {
  const reader = new FrameReader();
  const chunks: Buffer[] = [];
  let total = 0;
  let settingsSent = false;
  /** Our SETTINGS write has completed: a TLS socket allows one write in flight, and node's own come next. */
  let settingsFlushed = false;
  let whenFlushed: (() => void) | undefined;
  let decided = false;
  let quiet: NodeJS.Timeout | undefined;
  let giveUp: NodeJS.Timeout | undefined;
  let headerFragments: Buffer[] | undefined;

  const decide = (authorityNeedsFix: boolean): void => {
    if (decided) return;
    decided = true;
    clearTimeout(quiet);
    clearTimeout(giveUp);
    socket.off('data', onData);
    socket.off('close', onClose);
    let bytes: Buffer = Buffer.concat(chunks);
    let ackToCome = false;
    if (settingsSent) {
      const stripped = withoutFirstSettingsAck(bytes);
      if (stripped === undefined) ackToCome = true; // the rewriter will remove it when it comes
      else bytes = stripped;
    }
    socket.pause();
    const handOver = (): void => {
      if (socket.destroyed) return;
      if (authorityNeedsFix || ackToCome) {
        serve(rewritingDuplex(socket, bytes, ackToCome));
      } else {
        socket.unshift(bytes);
        serve(socket);
      }
    };
    if (settingsSent && !settingsFlushed) whenFlushed = handOver;
    else handOver();
  };

  /** Whether the first request's :authority needs the rewriter, once its headers are seen. */
  let verdict: boolean | undefined;
  const ackArrived = (): boolean => withoutFirstSettingsAck(Buffer.concat(chunks)) !== undefined;

  const scan = (): void => {
    if (verdict !== undefined) {
      // Waiting only for the ACK of our early SETTINGS (see below).
      if (ackArrived()) decide(verdict);
      return;
    }
    reader.preface();
    for (let f = reader.next(); f !== undefined; f = reader.next()) {
      if (headerFragments !== undefined) {
        headerFragments.push(f.payload);
      } else if (f.type === TYPE_HEADERS) {
        headerFragments = [headersFragment(f).fragment];
      } else continue;
      if (f.flags & FLAG_END_HEADERS) {
        let authority: Buffer | undefined;
        try {
          authority = findField(Buffer.concat(headerFragments), ':authority');
        } catch {
          authority = undefined; // not ours to judge: node will answer it
        }
        verdict = authority !== undefined && !isValidAuthority(authority);
        // A client that sent its first request while our early SETTINGS was in flight acks it right
        // after: wait for that ACK (one round trip) so it can be removed here and the connection
        // stays native, instead of running every later request through the rewriter. The giveUp
        // timer still ends the wait.
        if (verdict || !settingsSent || ackArrived()) decide(verdict);
        return;
      }
    }
    if (total > MAX_SNIFF_BYTES) decide(false);
  };

  const onData = (chunk: Buffer): void => {
    chunks.push(chunk);
    total += chunk.length;
    reader.push(chunk);
    scan();
  };
  const onClose = (): void => {
    decided = true;
    clearTimeout(quiet);
    clearTimeout(giveUp);
  };

  socket.on('data', onData);
  socket.on('close', onClose);
  quiet = setTimeout(() => {
    if (decided || socket.destroyed) return;
    settingsSent = true;
    socket.write(EMPTY_SETTINGS, () => {
      settingsFlushed = true;
      const next = whenFlushed;
      whenFlushed = undefined;
      next?.();
    });
    giveUp = setTimeout(() => decide(verdict ?? false), GIVE_UP_MS);
  }, QUIET_MS);
  onData(first);
}

/** The client's bytes without its first SETTINGS ACK frame, or undefined when it has not come yet. */
function withoutFirstSettingsAck(bytes: Buffer): Buffer | undefined {
  let pos = PREFACE_LENGTH;
  while (pos + FRAME_HEADER <= bytes.length) {
    const len = bytes.readUIntBE(pos, 3);
    const end = pos + FRAME_HEADER + len;
    if (end > bytes.length) return undefined;
    if (bytes[pos + 3] === TYPE_SETTINGS && ((bytes[pos + 4] as number) & FLAG_ACK) !== 0) {
      return Buffer.concat([bytes.subarray(0, pos), bytes.subarray(end)]);
    }
    pos = end;
  }
  return undefined;
}
