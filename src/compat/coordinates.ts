// Network coordinates (Vivaldi, as serf computes them) per node and segment, and Consul's ?near
// sorting by estimated round-trip time.
//
// Records: coordinate/<node segment>/<network segment> in the system keyspace (the node segment
// as catalog-records.ts spells it, so deregistering a node removes its coordinates with it).
// Consul batches updates and applies them every few seconds, dropping those of unknown nodes;
// here an update is applied at once, and one for a node the catalog does not have is dropped the
// same way.
import type { Backend, KeyValue } from '../adapters/backend.js';
import { rangeRequest } from '../adapters/requests.js';
import { CompareResult, CompareTarget } from '../adapters/backend.js';
import { nodeKey, nodeSegment } from './catalog-records.js';
import { SYSTEM, SystemPrefix, prefixEnd, systemKey } from './system-keys.js';

/** serf's coordinate.Coordinate, field order as Consul encodes it. */
export interface Coord {
  Vec: number[];
  Error: number;
  Adjustment: number;
  Height: number;
}

/** structs.Coordinate as /v1/coordinate/nodes shows it. */
export interface CoordinateEntry {
  Node: string;
  Segment: string;
  Coord: Coord;
}

/** serf's default configuration: 8 dimensions. */
export const COORDINATE_DIMENSIONS = 8;

/** The coordinate a fresh serf agent starts from. */
export function defaultCoord(): Coord {
  return { Vec: new Array<number>(COORDINATE_DIMENSIONS).fill(0), Error: 1.5, Adjustment: 0, Height: 1e-5 };
}

/** A coordinate update Consul refuses; `message` is Consul's text (answered as HTTP 500). */
export class CoordinateError extends Error {}

const coordinateKey = (node: string, segment: string): Buffer => systemKey(SystemPrefix.coordinate, `${nodeSegment(node)}/${segment}`);

/** Go's %v of a *coordinate.Coordinate, as Consul quotes a rejected one. */
function goFormat(c: Coord): string {
  // Go's %v of a float64 is %g with the shortest digits: exponent form below 1e-4 and from 1e21.
  const num = (n: number) => {
    if (n === 0 || !Number.isFinite(n)) return String(n);
    const [mantissa, exp] = n.toExponential().split('e') as [string, string];
    const e = Number(exp);
    if (e >= -4 && e < 21) return String(n);
    return `${mantissa}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  };
  return `&{[${c.Vec.map(num).join(' ')}] ${num(c.Error)} ${num(c.Adjustment)} ${num(c.Height)}}`;
}

function isValidCoord(c: Coord): boolean {
  return [...c.Vec, c.Error, c.Adjustment, c.Height].every((n) => typeof n === 'number' && Number.isFinite(n));
}

/** Estimated RTT in seconds between two coordinates (serf's DistanceTo). */
export function distance(a: Coord, b: Coord): number {
  let sum = 0;
  for (let i = 0; i < a.Vec.length; i++) {
    const d = (a.Vec[i] ?? 0) - (b.Vec[i] ?? 0);
    sum += d * d;
  }
  const rtt = Math.sqrt(sum) + a.Height + b.Height;
  const adjusted = rtt + a.Adjustment + b.Adjustment;
  return adjusted > 0 ? adjusted : rtt;
}

export function decodeCoordinate(kv: KeyValue): CoordinateEntry {
  return JSON.parse(kv.value.toString('utf8')) as CoordinateEntry;
}

/**
 * Consul's ?near: a stable sort of `items` by RTT from `source`'s coordinate. Items whose node
 * has no coordinate go last; with no coordinate for the source the order is left as it is.
 */
export function sortByDistance<T>(items: T[], nodeOf: (item: T) => string, source: string | undefined, coordinates: CoordinateEntry[]): T[] {
  if (!source) return items;
  const byNode = new Map<string, Coord>();
  for (const c of coordinates) if (c.Segment === '' || !byNode.has(nodeSegment(c.Node))) byNode.set(nodeSegment(c.Node), c.Coord);
  const from = byNode.get(nodeSegment(source));
  if (!from) return items;
  const keyed = items.map((item, i) => {
    const to = byNode.get(nodeSegment(nodeOf(item)));
    return { item, i, d: to && to.Vec.length === from.Vec.length ? distance(from, to) : Number.POSITIVE_INFINITY };
  });
  keyed.sort((a, b) => (a.d === b.d ? a.i - b.i : a.d < b.d ? -1 : 1));
  return keyed.map((k) => k.item);
}

export class Coordinates {
  constructor(private readonly backend: Backend) {}

  /**
   * PUT /v1/coordinate/update: stores a node's coordinate. A missing coordinate or one of the
   * wrong dimensionality is refused with Consul's texts; an update for a node that is not in the
   * catalog is dropped (Consul drops those when it applies its batch).
   */
  async update(node: string, segment: string, coord: Coord | null): Promise<void> {
    if (!coord) throw new CoordinateError('invalid coordinate');
    if (!Array.isArray(coord.Vec) || coord.Vec.length !== COORDINATE_DIMENSIONS || !isValidCoord(coord)) {
      throw new CoordinateError(`rejected bad coordinate: ${goFormat(coord)}`);
    }
    const entry: CoordinateEntry = { Node: node, Segment: segment, Coord: { Vec: coord.Vec, Error: coord.Error, Adjustment: coord.Adjustment, Height: coord.Height } };
    const nodeRec = nodeKey(node);
    // Only while the node exists (its record has a version).
    await this.backend.txn({
      compare: [{ keyspace: SYSTEM, result: CompareResult.GREATER, target: CompareTarget.VERSION, key: nodeRec, rangeEnd: Buffer.alloc(0), version: 0 }],
      success: [
        {
          requestPut: { keyspace: SYSTEM, key: coordinateKey(node, segment), value: Buffer.from(JSON.stringify(entry)), lease: 0n, prevKv: false, ignoreValue: false, ignoreLease: false },
        },
      ],
      failure: [],
    });
  }

  /** Every stored coordinate, in node order. */
  async list(): Promise<{ revision: number; entries: CoordinateEntry[] }> {
    const prefix = systemKey(SystemPrefix.coordinate);
    const res = await this.backend.range(rangeRequest(prefix, { keyspace: SYSTEM, rangeEnd: prefixEnd(prefix) }));
    return { revision: res.header.revision, entries: res.kvs.map(decodeCoordinate) };
  }

  /** The coordinates of one node (one per network segment); empty when it has none. */
  async ofNode(node: string): Promise<CoordinateEntry[]> {
    const prefix = systemKey(SystemPrefix.coordinate, `${nodeSegment(node)}/`);
    const res = await this.backend.range(rangeRequest(prefix, { keyspace: SYSTEM, rangeEnd: prefixEnd(prefix) }));
    return res.kvs.map(decodeCoordinate);
  }
}
