// Consul's trimming of an answer to what the transport carries. Over UDP: without EDNS (a 512-byte
// buffer) at most udp_answer_limit answers, then whole answers dropped until the message fits the
// client's buffer (512, or its EDNS size) less the UDP header — the authority section goes first,
// the additional section keeps only the records the remaining SRV answers point at. Over TCP: the
// 64 KiB message limit. The caller sets TC only when dns_config.enable_truncate is on, as Consul.
import type { Answer, Packet } from 'dns-packet';
import { MAX_UDP_ANSWER_LIMIT } from './options.js';
import { messageLength } from './wire.js';

const DEFAULT_UDP_SIZE = 512;
/** Consul caps a client's EDNS buffer at 65535 minus IP/UDP header room. */
const MAX_UDP_DATAGRAM = 65535 - 68;
/** 64 KiB less the DNS overhead Consul keeps in reserve. */
const MAX_TCP_SIZE = 65523;

/** Measures with or without name compression, as the caller decided for this trim. */
type Measure = (p: Packet) => number;

/** The additional records still referenced by the SRV answers (following CNAMEs), in answer order. */
function syncExtra(index: Map<string, Answer>, p: Packet): void {
  const extra: Answer[] = [];
  const resolved = new Set<string>();
  for (const a of p.answers ?? []) {
    if (a.type !== 'SRV') continue;
    let target = a.data.target.toLowerCase();
    while (!resolved.has(target)) {
      resolved.add(target);
      const rr = index.get(target);
      if (!rr) break;
      extra.push(rr);
      if (rr.type !== 'CNAME') break;
      target = rr.data.toLowerCase();
    }
  }
  p.additionals = extra;
}

function indexExtras(p: Packet): Map<string, Answer> {
  const index = new Map<string, Answer>();
  for (const rr of p.additionals ?? []) {
    const key = rr.name.toLowerCase().replace(/\.?$/, '.');
    if (!index.has(key)) index.set(key, rr);
  }
  return index;
}

/** The largest answer count whose message fits maxSize (binary search, as Consul does for big overshoots). */
function bestAnswerCount(p: Packet, all: Answer[], maxSize: number, index: Map<string, Answer> | undefined, sizeOf: Measure): number {
  let lo = 0;
  let hi = all.length + 1;
  while (hi - lo > 1) {
    const mid = lo + Math.floor((hi - lo) / 2);
    p.answers = all.slice(0, mid);
    if (index) syncExtra(index, p);
    const len = sizeOf(p);
    if (len <= maxSize) {
      if (maxSize - len < 10) return mid;
      lo = mid;
    } else hi = mid;
  }
  return lo;
}

function shrink(p: Packet, maxSize: number, index: Map<string, Answer> | undefined, sizeOf: Measure): void {
  while ((p.answers?.length ?? 0) > 1 && sizeOf(p) > maxSize) {
    if ((p.authorities?.length ?? 0) > 0) p.authorities = [];
    const all = p.answers!;
    if (sizeOf(p) - maxSize > 100) p.answers = all.slice(0, bestAnswerCount(p, all, maxSize, index, sizeOf));
    else p.answers = all.slice(0, -1);
    if (index) syncExtra(index, p);
  }
}

/**
 * Trims a UDP answer in place; true when answers were dropped. `ednsSize` is the client's EDNS
 * buffer size, if it sent EDNS; `compress` whether the answer will be sent with name compression.
 */
export function trimUdp(p: Packet, ednsSize: number | undefined, udpAnswerLimit: number, compress: boolean): boolean {
  const numAnswers = p.answers?.length ?? 0;
  const index = (p.additionals?.length ?? 0) > 0 ? indexExtras(p) : undefined;
  let maxSize = DEFAULT_UDP_SIZE;
  if (ednsSize !== undefined && ednsSize > maxSize) maxSize = ednsSize;
  if (maxSize > MAX_UDP_DATAGRAM) maxSize = MAX_UDP_DATAGRAM;
  const maxAnswers = Math.min(MAX_UDP_ANSWER_LIMIT, udpAnswerLimit);
  let measureCompressed = compress;
  if (maxSize === DEFAULT_UDP_SIZE && numAnswers > maxAnswers) {
    // Consul measures a plain 512-byte answer uncompressed (so it fits even if uncompressed on the
    // way), and still sends it compressed.
    measureCompressed = false;
    p.answers = p.answers!.slice(0, maxAnswers);
    if (index) syncExtra(index, p);
  }
  // 8 bytes of the budget are the UDP header's.
  shrink(p, maxSize - 8, index, (x) => messageLength(x, measureCompressed));
  return (p.answers?.length ?? 0) < numAnswers;
}

/** Trims a TCP answer to DNS's 64 KiB message limit; true when answers were dropped. */
export function trimTcp(p: Packet, qtype: string, compress: boolean): boolean {
  const numAnswers = p.answers?.length ?? 0;
  const index = (p.additionals?.length ?? 0) > 0 ? indexExtras(p) : undefined;
  const cap = qtype === 'SRV' ? 1024 : 4096;
  if (numAnswers > cap) {
    p.answers = p.answers!.slice(0, cap);
    if (index) syncExtra(index, p);
  }
  shrink(p, MAX_TCP_SIZE, index, (x) => messageLength(x, compress));
  return (p.answers?.length ?? 0) < numAnswers;
}
