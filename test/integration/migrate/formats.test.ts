// The two file formats on their own (no processes): `consul kv export` JSON and etcd snapshots
// written and read back through dcsgw's readers, with keys that stress the JSON scanner (braces,
// quotes, backslashes, brackets, non-ASCII, Go's escaped <>&), empty and binary values, uint64
// flags, and a snapshot big enough for branch pages and overflow pages.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ExportJsonSink, ExportJsonSource } from '../../../src/compat/migrate/consul-export-json.js';
import { EtcdSnapshotSink, EtcdSnapshotSource } from '../../../src/compat/migrate/etcd-snapshot-file.js';
import { KeyMapping } from '../../../src/compat/migrate/key-mapping.js';
import type { KvRecord } from '../../../src/compat/migrate/record.js';
import { removeTempDirs, tempDir } from './migrate-support.js';

const tricky: KvRecord[] = [
  { key: Buffer.from('j/{"nested": [1, 2]}'), value: Buffer.from('}{][\\"'), flags: 0n },
  { key: Buffer.from('j/back\\slash "quoted"'), value: Buffer.alloc(0), flags: 18446744073709551615n },
  { key: Buffer.from('j/<html>&amp;'), value: Buffer.from([0, 255, 10, 13]), flags: 7n },
  { key: Buffer.from('j/ünïcødé/漢字/🙂'), value: Buffer.from('ok'), flags: 1n },
  { key: Buffer.from('j/line\nbreak\ttab\u2028'), value: Buffer.alloc(70_000, 0x41), flags: 0n },
];

async function readAll(source: { open(): Promise<unknown>; pages(c: string | undefined): AsyncIterable<{ records: KvRecord[] }>; close(): Promise<void> }): Promise<KvRecord[]> {
  await source.open();
  const out: KvRecord[] = [];
  for await (const p of source.pages(undefined)) out.push(...p.records);
  await source.close();
  return out;
}

describe('migration file formats', () => {
  const dir = tempDir('formats');
  afterAll(() => removeTempDirs());

  it('consul kv export JSON: written as Consul writes it, read back exactly, resumable at a cursor', async () => {
    const path = join(dir, 'tricky.json');
    const sink = new ExportJsonSink(path);
    await sink.open(null);
    await sink.write(tricky.slice(0, 2));
    const state = await sink.checkpointState();
    await sink.write(tricky.slice(2));
    await sink.finish();
    await sink.close();
    const text = readFileSync(path, 'utf8');
    expect(text).toContain('"key": "j/\\u003chtml\\u003e\\u0026amp;"');
    expect(text).toContain('"flags": 18446744073709551615,');
    expect(JSON.parse(text)).toHaveLength(tricky.length);
    const back = await readAll(new ExportJsonSource(path, new KeyMapping('j/', undefined)));
    expect(back).toEqual(tricky);

    // a resumed writer cuts the file back to its checkpoint: the entries after it are not doubled
    const again = new ExportJsonSink(path);
    await again.open(state);
    await again.write(tricky.slice(2));
    await again.finish();
    await again.close();
    expect(await readAll(new ExportJsonSource(path, new KeyMapping('', undefined)))).toEqual(tricky);

    // a reader resumed at a cursor continues after it
    const src = new ExportJsonSource(path, new KeyMapping('', undefined));
    const pages: string[] = [];
    const at = state as { offset: number; entries: number };
    for await (const p of src.pages(`${at.entries}:${at.offset}`)) pages.push(...p.records.map((r) => r.key.toString()));
    expect(pages).toEqual(tricky.slice(2).map((r) => r.key.toString()));

    // Consul's own export spelling (no Go escaping, flags of any size, null value) reads too
    writeFileSync(path, '[{"key":"a/<b>","flags":9007199254740993,"value":null},{"key":"a/c","flags":0,"value":"eA=="}]');
    expect(await readAll(new ExportJsonSource(path, new KeyMapping('', undefined)))).toEqual([
      { key: Buffer.from('a/<b>'), value: Buffer.alloc(0), flags: 9007199254740993n },
      { key: Buffer.from('a/c'), value: Buffer.from('x'), flags: 0n },
    ]);
    const empty = new ExportJsonSink(join(dir, 'empty.json'));
    await empty.open(null);
    await empty.finish();
    await empty.close();
    expect(readFileSync(join(dir, 'empty.json'), 'utf8')).toBe('[]\n');
    writeFileSync(path, '[{"key":"a","flags":0,"value":"eA=="},');
    await expect(readAll(new ExportJsonSource(path, new KeyMapping('', undefined)))).rejects.toThrow('the file ends inside the JSON array');
  });

  it('etcd snapshot: 20 000 keys (branch pages), values past a page (overflow pages), flags, read back in key order', async () => {
    const path = join(dir, 'big.db');
    const records: KvRecord[] = [...tricky];
    for (let i = 0; i < 20_000; i++) records.push({ key: Buffer.from(`s/${String(i).padStart(6, '0')}`), value: Buffer.alloc(i % 97 === 0 ? 9000 : 40, i % 251), flags: BigInt(i % 3) });
    const sink = new EtcdSnapshotSink(path);
    await sink.open();
    for (let i = 0; i < records.length; i += 1000) await sink.write(records.slice(i, i + 1000));
    await sink.finish();
    await sink.close();
    const back = await readAll(new EtcdSnapshotSource(path, new KeyMapping('', undefined)));
    const sorted = [...records].sort((a, b) => Buffer.compare(a.key, b.key));
    const text = (rs: KvRecord[]) => rs.map((r) => `${r.key.toString('hex')} ${r.value.toString('hex')} ${r.flags}`).join('\n');
    expect(back.length).toBe(sorted.length);
    expect(text(back) === text(sorted)).toBe(true);
    // the prefix filters, and a file that is not a snapshot is named as such
    expect(await readAll(new EtcdSnapshotSource(path, new KeyMapping('j/', undefined)))).toHaveLength(tricky.length);
    writeFileSync(join(dir, 'not.db'), 'hello');
    await expect(new EtcdSnapshotSource(join(dir, 'not.db'), new KeyMapping('', undefined)).open()).rejects.toThrow('not a bbolt database (an etcd snapshot file)');
  });
});
