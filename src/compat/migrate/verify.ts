// Verification of a copy: the source is read again at the copy's point in time, page by page, and
// each page's keys are compared with the destination's by a hash of value and flags; keys the
// destination holds within a page's key span that the source lacks are reported as extra, and the
// totals are compared. Every mismatch is named (the report keeps the first MAX_LISTED).
import type { KeyMapping } from './key-mapping.js';
import { displayKey, recordHash, type KvRecord } from './record.js';
import type { RecordLookup, RecordSource } from './stores.js';

const MAX_LISTED = 1000;

export type MismatchKind = 'missing' | 'value differs' | 'flags differ' | 'extra';

export interface Mismatch {
  key: string;
  problem: MismatchKind;
  sourceHash?: string;
  destinationHash?: string;
}

export interface VerifyReport {
  ok: boolean;
  sourceKeys: number;
  destinationKeys: number;
  checked: number;
  missing: number;
  extra: number;
  differing: number;
  /** The first mismatches (all of them up to MAX_LISTED). */
  mismatches: Mismatch[];
}

export async function verifyCopy(
  source: RecordSource,
  revision: number,
  mapping: KeyMapping,
  dest: RecordLookup,
  onPage?: (checked: number) => void,
): Promise<VerifyReport> {
  const report: VerifyReport = { ok: true, sourceKeys: 0, destinationKeys: 0, checked: 0, missing: 0, extra: 0, differing: 0, mismatches: [] };
  const add = (m: Mismatch) => {
    if (m.problem === 'missing') report.missing++;
    else if (m.problem === 'extra') report.extra++;
    else report.differing++;
    if (report.mismatches.length < MAX_LISTED) report.mismatches.push(m);
  };
  await source.open(revision);
  // extras are only attributable while the source's pages come in key order (stores and snapshots do)
  let ordered = true;
  let lastDest: Buffer | undefined;
  const destStart = mapping.dest.length > 0 ? mapping.dest : Buffer.from([0]);
  for await (const page of source.pages(undefined)) {
    const byKey = new Map<string, KvRecord>();
    for (const r of page.records) byKey.set(mapping.toDest(r.key).toString('latin1'), { ...r, key: mapping.toDest(r.key) });
    const records = [...byKey.values()].sort((a, b) => Buffer.compare(a.key, b.key));
    if (records.length === 0) continue;
    const first = records[0]!.key;
    const last = records[records.length - 1]!.key;
    if (lastDest && Buffer.compare(first, lastDest) <= 0) ordered = false;
    // keys between the previous page and this one belong to no page: the span starts just after the previous page
    const spanStart = !ordered ? first : lastDest ? Buffer.concat([lastDest, Buffer.from([0])]) : destStart;
    const destRecords = await dest.span(spanStart, last);
    const destByKey = new Map(destRecords.map((r) => [r.key.toString('latin1'), r]));
    for (const r of records) {
      const name = r.key.toString('latin1');
      const d = destByKey.get(name);
      report.checked++;
      if (!d) {
        add({ key: displayKey(r.key), problem: 'missing', sourceHash: recordHash(r) });
        continue;
      }
      destByKey.delete(name);
      const sh = recordHash(r);
      const dh = recordHash(d);
      if (sh !== dh) add({ key: displayKey(r.key), problem: r.value.equals(d.value) ? 'flags differ' : 'value differs', sourceHash: sh, destinationHash: dh });
    }
    if (ordered) for (const d of destByKey.values()) add({ key: displayKey(d.key), problem: 'extra', destinationHash: recordHash(d) });
    report.sourceKeys += records.length;
    lastDest = !lastDest || Buffer.compare(last, lastDest) > 0 ? last : lastDest;
    onPage?.(report.checked);
  }
  // keys after the last page are extra as well
  if (ordered) {
    const tail = await dest.span(lastDest ? Buffer.concat([lastDest, Buffer.from([0])]) : destStart, undefined);
    for (const d of tail) add({ key: displayKey(d.key), problem: 'extra', destinationHash: recordHash(d) });
  }
  report.destinationKeys = await dest.count();
  report.ok = report.missing === 0 && report.extra === 0 && report.differing === 0 && report.destinationKeys === report.sourceKeys;
  return report;
}
