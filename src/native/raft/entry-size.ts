// Size accounting for batching: the data bytes plus a small fixed overhead per entry, so a batch
// of empty entries (leader no-ops, heartbeats of the log) is still bounded.

import type { Entry } from './api.js';

const ENTRY_OVERHEAD = 16;

export function entrySize(e: Entry): number {
  return e.data.length + ENTRY_OVERHEAD;
}

/** Keeps the longest prefix within maxSize bytes, but always at least one entry. Mutates and returns `ents`. */
export function limitSize(ents: Entry[], maxSize: number): Entry[] {
  if (ents.length === 0) return ents;
  let size = entrySize(ents[0]!);
  let limit = 1;
  for (; limit < ents.length; limit++) {
    size += entrySize(ents[limit]!);
    if (size > maxSize) break;
  }
  if (limit < ents.length) ents.length = limit;
  return ents;
}
